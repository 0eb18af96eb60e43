"""What one API server process knows: its options, the served model and whether
it is loading, ready, failed or draining, its keys and its metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.api.auth import Gatekeeper, is_loopback
from app.api.errors import ApiError
from app.api.metrics import Metrics
from app.errors import AppError, ConfigError, PolicyViolation
from app.security.api_keys import ApiKeyStore
from app.services.context import AppContext
from app.services.models import LoadedModel
from app.services.serving import ServedModel

log = logging.getLogger(__name__)


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    model: str | None = None
    slots: int = 4
    n_ctx: int | None = None  # per slot; default: the context_length setting
    threads: int | None = None
    gpu_layers: int | None = None
    gpu: int | None = None  # keep the model on this GPU (default: the gpu_device setting)
    allow_unsigned: bool = False
    queue_depth: int = 64
    rate_limit: int = 600  # requests per minute per key (0: none); a key may set its own
    max_body_bytes: int = 4 * 2**20
    max_tokens: int | None = None  # the most a request may ask for; default: a slot's context
    cors_origins: tuple[str, ...] = ()
    drain_s: float = 30.0
    require_key: bool = False  # also on loopback, even before any key exists
    kv_unified: bool = False
    n_batch: int = 512


@dataclass
class ApiState:
    ctx: AppContext
    options: ServeOptions
    keys: ApiKeyStore
    share: LoadedModel[Any] | None = None  # a model loaded already, whose weights may serve
    status: str = "loading"  # loading | ready | failed | draining
    error: str | None = None
    model: ServedModel | None = None
    metrics: Metrics = field(default_factory=Metrics)
    started_at: float = field(default_factory=time.time)
    on_ready: Callable[[], None] | None = None
    on_failed: Callable[[AppError], None] | None = None
    gate: Gatekeeper = field(init=False)
    # The document collections, opened on the first request that names one.
    documents: Any = field(default=None, init=False)
    _fingerprint: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not is_loopback(self.options.host):
            from app.security.policy import load_policy

            policy = load_policy()
            if not policy.serve_off_loopback:
                raise PolicyViolation(
                    f"binding {self.options.host} would serve other computers, which the "
                    f"administrator's policy ({policy.source}) does not allow: bind 127.0.0.1"
                )
        if not is_loopback(self.options.host) and not self.keys.any_active():
            raise ConfigError(
                f"binding {self.options.host} opens the API to the network, which needs API keys: "
                "run `autoglm serve keys create NAME` first (or bind 127.0.0.1)"
            )
        # Keys are required off loopback, on request, and as soon as any key exists.
        self.gate = Gatekeeper(self.keys, always=self.options.require_key or
                               not is_loopback(self.options.host),
                               default_rate_limit=self.options.rate_limit)

    @property
    def model_id(self) -> str:
        if self.model is not None:
            return self.model.path.stem
        return self.options.model or "default"

    @property
    def max_tokens_limit(self) -> int:
        slot = self.model.engine.n_ctx_slot if self.model is not None else 4096
        return min(self.options.max_tokens or slot, slot)

    def system_fingerprint(self) -> str:
        """What OpenAI's ``system_fingerprint`` stands for here: it changes when the model
        or the build (this app, llama.cpp) does."""
        if self._fingerprint is None:
            from app.services.serving import system_fingerprint

            self._fingerprint = system_fingerprint(self.require_model())
        return self._fingerprint

    def require_model(self) -> ServedModel:
        """The model, or a 503 saying why there is none yet."""
        if self.status == "ready" and self.model is not None:
            return self.model
        if self.status == "loading":
            raise ApiError(503, "the model is still loading; try again shortly", "model_loading",
                           retry_after_s=2)
        if self.status == "draining":
            raise ApiError(503, "the server is shutting down", "shutting_down", retry_after_s=5)
        raise ApiError(503, f"the model failed to load: {self.error}", "model_failed")

    def load(self) -> None:
        """Load and verify the model (in a worker thread); sets status either way."""
        from app.services.serving import load_served_model

        o = self.options
        try:
            self.model = load_served_model(
                self.ctx, o.model, slots=o.slots, n_ctx=o.n_ctx, threads=o.threads,
                gpu_layers=o.gpu_layers, gpu=o.gpu, allow_unsigned=o.allow_unsigned,
                queue_depth=o.queue_depth, n_batch=o.n_batch, kv_unified=o.kv_unified,
                share=self.share,
            )
        except AppError as exc:
            self.status, self.error = "failed", str(exc)
            if self.on_failed is not None:
                self.on_failed(exc)
            return
        except Exception as exc:  # a bug: still answer health checks with the reason
            log.exception("loading the model failed")
            self.status, self.error = "failed", f"{exc.__class__.__name__}: {exc}"
            if self.on_failed is not None:
                self.on_failed(AppError(self.error))
            return
        self.status = "ready"
        if self.on_ready is not None:
            self.on_ready()

    def health(self) -> tuple[int, dict[str, object]]:
        body: dict[str, object] = {"status": self.status, "model": self.model_id}
        m = self.model
        if self.status == "ready" and m is not None:
            if m.engine.failure:
                self.status, self.error = "failed", m.engine.failure
                return self.health()
            body.update(slots=m.engine.n_slots, busy_slots=m.engine.busy_slots,
                        queue=m.engine.queue_depth)
            return 200, body
        if self.error:
            body["error"] = self.error
        return 503, body
