"""Plain ASGI middleware around every request: the request body size limit (413),
the per-request metrics and the audit record. Plain ASGI rather than Starlette's
BaseHTTPMiddleware, which would buffer streams and hide client disconnects."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from app.api.auth import is_loopback
from app.api.errors import error_type
from app.api.metrics import Metrics
from app.api.request_note import noting

Scope = dict[str, Any]
Message = dict[str, Any]


async def _send_error(send: Any, status: int, message: str, code: str) -> None:
    body = json.dumps({"error": {"message": message, "type": error_type(status), "param": None,
                                 "code": code}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Answers 413 for a body over ``max_bytes``, before the app reads it."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
                break
        too_big = (f"The request body is larger than this server accepts ({self.max_bytes} bytes; "
                   "see `autoglm serve --max-body`).")
        if length is not None:
            if length > self.max_bytes:
                await _send_error(send, 413, too_big, "request_too_large")
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read it here, up to the limit, then hand it on.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, too_big, "request_too_large")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        await self.app(scope, replay, send)


class RequestMetrics:
    """Counts every answer by endpoint and status, and times it to its last byte."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe_request(scope["path"], status, time.perf_counter() - t0)


class RequestAudit:
    """One audit record per request: key id, method, route, status and tokens, written
    after the answer has gone (in a worker thread: the commit waits for the disk)."""

    def __init__(self, app: Any, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from app.services.audit import api_actor, record

        note: dict[str, Any] = {}  # what the handlers tell it (app.api.request_note)
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            with noting(note):
                await self.app(scope, receive, send_status)
        finally:
            key = note.pop("key", None)
            outcome = "ok" if status < 400 else "refused" if status < 500 else "failed"
            details = {"method": scope["method"], "status": status, "key": key, **note}
            await asyncio.to_thread(record, self.ctx, "api.request",
                                    f"route:{scope['path'][:200]}", outcome, details,
                                    actor=api_actor(key))


class OffLoopbackGate:
    """Requests from other computers: refused when the administrator's policy forbids serving
    them; otherwise, once any key exists, every route needs one (``/v1`` and ``/metrics``
    check their own, with roles and rate limits). Where the policy opens the load balancer's
    probe, ``/health`` without a key says up or down and nothing else.

    The client's address is the connection's, or the one a proxy on this machine forwards
    (uvicorn trusts ``X-Forwarded-For`` from loopback), so a request through nginx counts
    as coming from where it came from.
    """

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None or is_loopback(str(client[0])):
            await self.app(scope, receive, send)
            return
        from app.errors import AppError
        from app.security.policy import load_policy

        try:
            policy = load_policy()
        except AppError as err:  # fail closed: a policy gone bad lets no one in
            await _send_error(send, err.http_status, err.message, err.code)
            return
        if not policy.serve_off_loopback:
            await _send_error(send, 403, "The administrator's policy does not allow this server "
                              "to answer other computers.", "off_loopback_forbidden")
            return
        path = scope["path"]
        gate = self.state.gate
        if path.startswith("/v1/") or path == "/metrics" or not gate.required:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"").decode("latin-1") or None
        try:
            gate.identify(auth)
        except AppError as err:
            if path == "/health" and policy.health_probe_open:
                await self._probe(send)
            else:
                await _send_error(send, err.http_status, err.message, err.code)
            return
        await self.app(scope, receive, send)

    async def _probe(self, send: Any) -> None:
        status, _body = self.state.health()
        up = status == 200
        body = json.dumps({"status": "up" if up else "down"}).encode()
        await send({"type": "http.response.start", "status": 200 if up else 503,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
