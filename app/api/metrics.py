"""The server's counters, gauges and histograms, written out in Prometheus' text
format (version 0.0.4) by hand: a few dozen lines do not need a dependency."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass, field

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
ENDPOINTS = frozenset({
    "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/health",
    "/metrics",
})


@dataclass
class Histogram:
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        i = bisect.bisect_left(self.buckets, value)
        if i < len(self.counts):
            self.counts[i] += 1
        self.total += value
        self.n += 1

    def lines(self, name: str, labels: str) -> list[str]:
        sep = "," if labels else ""
        out, running = [], 0
        for le, c in zip(self.buckets, self.counts, strict=True):
            running += c
            out.append(f'{name}_bucket{{{labels}{sep}le="{le:g}"}} {running}')
        out.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.n}')
        lab = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{lab} {self.total:.6f}")
        out.append(f"{name}_count{lab} {self.n}")
        return out


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = {}
        self.ttft = Histogram()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cancelled = 0

    @staticmethod
    def endpoint(path: str) -> str:
        return path if path in ENDPOINTS else "other"

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        ep = self.endpoint(path)
        with self._lock:
            self.requests[(ep, status)] += 1
            hist = self.latency.get(ep)
            if hist is None:
                hist = self.latency[ep] = Histogram()
            hist.observe(seconds)

    def observe_generation(self, prompt_tokens: int, completion_tokens: int, ttft_s: float,
                           cancelled: bool) -> None:
        with self._lock:
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            if completion_tokens:
                self.ttft.observe(ttft_s)
            if cancelled:
                self.cancelled += 1

    def render(self, gauges: dict[str, tuple[str, float]], counters: dict[str, tuple[str, float]]) -> str:
        """The exposition text; ``gauges`` and ``counters`` map name -> (help, value)."""
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")

        with self._lock:
            family("autoglm_requests_total", "counter", "HTTP requests answered, by endpoint and status.")
            for (ep, status), n in sorted(self.requests.items()):
                lines.append(f'autoglm_requests_total{{endpoint="{ep}",status="{status}"}} {n}')
            family("autoglm_request_duration_seconds", "histogram", "Time to answer a request in full.")
            for ep, hist in sorted(self.latency.items()):
                lines.extend(hist.lines("autoglm_request_duration_seconds", f'endpoint="{ep}"'))
            family("autoglm_time_to_first_token_seconds", "histogram",
                   "From a generation request's arrival to its first token, queueing included.")
            lines.extend(self.ttft.lines("autoglm_time_to_first_token_seconds", ""))
            family("autoglm_prompt_tokens_total", "counter", "Prompt tokens of finished requests.")
            lines.append(f"autoglm_prompt_tokens_total {self.prompt_tokens}")
            family("autoglm_completion_tokens_total", "counter", "Tokens generated for finished requests.")
            lines.append(f"autoglm_completion_tokens_total {self.completion_tokens}")
            family("autoglm_requests_cancelled_total", "counter",
                   "Generations stopped because the client went away.")
            lines.append(f"autoglm_requests_cancelled_total {self.cancelled}")
        for name, (help_text, value) in counters.items():
            family(name, "counter", help_text)
            lines.append(f"{name} {value:g}")
        for name, (help_text, value) in gauges.items():
            family(name, "gauge", help_text)
            lines.append(f"{name} {value:g}")
        return "\n".join(lines) + "\n"
