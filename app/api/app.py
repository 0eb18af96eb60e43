"""The FastAPI application: the OpenAI-compatible routes, health and metrics,
error shapes and middleware, over one ApiState.

The model loads in a worker thread after the server starts listening, so a
load balancer sees ``/health`` say "loading" rather than a refused connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Header, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app import __version__
from app.api import admin_routes, openai_routes
from app.api.auth import authenticate
from app.api.errors import install_error_handlers
from app.api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from app.api.middleware import BodyLimit, OffLoopbackGate, RequestAudit, RequestMetrics
from app.api.state import ApiState

log = logging.getLogger(__name__)


def create_app(state: ApiState) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        loading = loop.run_in_executor(None, state.load)
        try:
            yield
        finally:
            state.status = "draining"
            await loading
            if state.model is not None:
                await loop.run_in_executor(None, state.model.close)
            await loop.run_in_executor(None, state.ctx.audit.checkpoint_if_due)

    app = FastAPI(
        title="Open-AutoGLM API",
        version=__version__,
        description="OpenAI-compatible API over the local, signature-checked model.",
        docs_url=None,  # the interactive docs page loads its scripts from a CDN: offline users get the JSON
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api = state
    install_error_handlers(app)
    app.include_router(openai_routes.router)
    app.include_router(admin_routes.router)

    @app.get("/health", tags=["operations"])
    async def health() -> Response:
        """200 when ready; 503 while loading, after a failure, or while shutting down."""
        status, body = state.health()
        return Response(json.dumps(body), status_code=status, media_type="application/json")

    @app.get("/metrics", tags=["operations"])
    async def metrics(request: Request, authorization: str | None = Header(None)) -> Response:
        """Prometheus text: requests, tokens, queue depth, slots and latency histograms."""
        authenticate(state, "/metrics", authorization, "metrics")
        return Response(_render_metrics(state), media_type=METRICS_CONTENT_TYPE)

    app.add_middleware(BodyLimit, max_bytes=state.options.max_body_bytes)
    app.add_middleware(OffLoopbackGate, state=state)
    if state.options.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(state.options.cors_origins),
                           allow_methods=["GET", "POST", "OPTIONS"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RequestMetrics, metrics=state.metrics)
    app.add_middleware(RequestAudit, ctx=state.ctx)
    return app


def _render_metrics(state: ApiState) -> str:
    gauges: dict[str, tuple[str, float]] = {
        "autoglm_ready": ("1 when the model is loaded and serving.", float(state.status == "ready")),
    }
    counters: dict[str, tuple[str, float]] = {}
    m = state.model
    if m is not None:
        e = m.engine
        gauges.update({
            "autoglm_queue_depth": ("Requests waiting for a slot.", e.queue_depth),
            "autoglm_slots_busy": ("Slots generating or reading a prompt.", e.busy_slots),
            "autoglm_slots_total": ("Slots (sequences decoded together).", e.n_slots),
        })
        counters.update({
            "autoglm_engine_tokens_generated_total": ("Tokens sampled by the engine.",
                                                      e.tokens_generated),
            "autoglm_engine_prompt_tokens_decoded_total": ("Prompt tokens run through the model.",
                                                           e.prompt_tokens_decoded),
            "autoglm_engine_prompt_tokens_reused_total": ("Prompt tokens served from a slot's KV cache.",
                                                          e.prompt_tokens_cached),
            "autoglm_engine_decode_steps_total": ("Batched llama_decode calls.", e.steps),
            "autoglm_engine_decode_seconds_total": ("Time spent in llama_decode.", e.decode_s),
            "autoglm_engine_sample_seconds_total": ("Time spent sampling and handing out text.",
                                                    e.sample_s),
        })
    return state.metrics.render(gauges, counters)
