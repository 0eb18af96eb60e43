"""The server's counters, gauges and histograms, kept and written out in Prometheus'
text format by ``prometheus_client``, one registry per server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
ENDPOINTS = frozenset({
    "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/health",
    "/metrics",
})
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Sampled(Collector):
    """Values read when scraped (the engine's counters, the queue): ``read`` returns
    ``(gauges, counters)``, each a map of name to (help, value)."""

    def __init__(self) -> None:
        self.read: Any = None

    def collect(self) -> Iterator[Any]:
        if self.read is None:
            return
        gauges, counters = self.read()
        for name, (help_text, value) in counters.items():
            yield CounterMetricFamily(name, help_text, value=value)
        for name, (help_text, value) in gauges.items():
            yield GaugeMetricFamily(name, help_text, value=value)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=False)
        self._requests = Counter("autoglm_requests", "HTTP requests answered, by endpoint and status.",
                                 ["endpoint", "status"], registry=r)
        self._latency = Histogram("autoglm_request_duration_seconds",
                                  "Time to answer a request in full.", ["endpoint"],
                                  buckets=LATENCY_BUCKETS, registry=r)
        self._ttft = Histogram("autoglm_time_to_first_token_seconds",
                               "From a generation request's arrival to its first token, "
                               "queueing included.", buckets=LATENCY_BUCKETS, registry=r)
        self._prompt = Counter("autoglm_prompt_tokens", "Prompt tokens of finished requests.",
                               registry=r)
        self._completion = Counter("autoglm_completion_tokens",
                                   "Tokens generated for finished requests.", registry=r)
        self._cancelled = Counter("autoglm_requests_cancelled",
                                  "Generations stopped because the client went away.", registry=r)
        self._sampled = _Sampled()
        r.register(self._sampled)

    @staticmethod
    def endpoint(path: str) -> str:
        return path if path in ENDPOINTS else "other"

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        ep = self.endpoint(path)
        self._requests.labels(ep, str(status)).inc()
        self._latency.labels(ep).observe(seconds)

    def observe_generation(self, prompt_tokens: int, completion_tokens: int, ttft_s: float,
                           cancelled: bool) -> None:
        self._prompt.inc(prompt_tokens)
        self._completion.inc(completion_tokens)
        if completion_tokens:
            self._ttft.observe(ttft_s)
        if cancelled:
            self._cancelled.inc()

    def render(self, gauges: dict[str, tuple[str, float]],
               counters: dict[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges`` and ``counters`` (name -> (help, value)) are
        values read now from the engine. Counter names end in ``_total``."""
        self._sampled.read = lambda: (gauges, counters)
        try:
            return generate_latest(self.registry).decode("utf-8")
        finally:
            self._sampled.read = None
