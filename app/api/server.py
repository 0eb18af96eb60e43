"""Running the API server: uvicorn on the chosen address, the start-up line once
the model is ready, a graceful drain on SIGTERM, and a background variant
that the GUI can start and stop."""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
import threading
import time
from types import FrameType
from typing import IO, Any

from app.api.state import ApiState, ServeOptions
from app.errors import AppError
from app.services.context import AppContext
from app.services.models import LoadedModel

log = logging.getLogger(__name__)


def _uvicorn_server(state: ApiState) -> Any:
    import uvicorn

    from app.api.app import create_app

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # Draining: health says so at once (load balancers stop sending), new requests
            # get 503, and those in hand finish within --drain-timeout.
            if state.status in ("ready", "loading"):
                state.status = "draining"
            if state.model is not None:
                state.model.engine.stop_accepting()
            super().handle_exit(sig, frame)

    o = state.options
    config = uvicorn.Config(
        create_app(state), host=o.host, port=o.port, log_level="warning", access_log=False,
        timeout_graceful_shutdown=max(1, round(o.drain_s)), lifespan="on", server_header=False,
    )
    return Server(config)


def _address(server: Any, host: str) -> str:
    port = server.config.port
    for srv in getattr(server, "servers", []):
        for sock in srv.sockets:
            port = sock.getsockname()[1]
            break
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _wait_started(server: Any, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while not server.started and not server.should_exit and time.monotonic() < end:
        time.sleep(0.01)
    return bool(server.started)


def serve(ctx: AppContext, options: ServeOptions, *, out: IO[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C; prints ``Server running at URL`` once the model is ready.

    A model that fails to load (refused signature, missing file…) ends the
    server with that error.
    """
    stream = out or sys.stdout
    state = ApiState(ctx, options, ctx.api_keys)
    server = _uvicorn_server(state)
    failure: list[AppError] = []

    def on_ready() -> None:
        if _wait_started(server):
            stream.write(f"Server running at {_address(server, options.host)}\n")
            stream.flush()

    def on_failed(exc: AppError) -> None:
        failure.append(exc)
        server.should_exit = True

    state.on_ready, state.on_failed = on_ready, on_failed
    server.run()
    if failure:
        raise failure[0]
    if not server.started:
        raise AppError(f"could not listen on {options.host}:{options.port} (in use, or not allowed?)")
    return 0


class LocalServer:
    """The API server on a background thread of this process (for the GUI's settings)."""

    def __init__(self, ctx: AppContext, options: ServeOptions,
                 share: LoadedModel[Any] | None = None) -> None:
        """``share``: the app's loaded model, whose weights serve when it is the same file."""
        self.state = ApiState(ctx, options, ctx.api_keys, share)
        self._server = _uvicorn_server(self.state)
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, name="api-server", daemon=True)
        self.address = ""

    def _run(self) -> None:
        self._server.run(sockets=self._sockets)

    def _bind(self) -> socket.socket:
        """The listening address, taken before the model loads: a port in use fails at once,
        in words, rather than after the load (uvicorn would log it and exit its thread)."""
        o = self.state.options
        sock = socket.socket(socket.AF_INET6 if ":" in o.host else socket.AF_INET)
        if os.name == "posix":  # as uvicorn does; on Windows it would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((o.host, o.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise AppError(f"port {o.port} is already in use on {o.host}: choose another port "
                               "or stop the program using it") from exc
            raise AppError(f"could not listen on {o.host}:{o.port}: {exc.strerror or exc}") from exc
        return sock

    def start(self, timeout: float = 120.0) -> str:
        """Start and wait for the model; returns the address or raises why it failed."""
        self._sockets = [self._bind()]
        self._thread.start()
        end = time.monotonic() + timeout
        while self.state.status == "loading" and time.monotonic() < end:
            time.sleep(0.05)
        if self.state.status != "ready":
            self.stop()
            raise AppError(f"the API server did not start: {self.state.error or 'timed out'}")
        _wait_started(self._server)
        self.address = _address(self._server, self.state.options.host)
        return self.address

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        if self.state.model is not None:
            self.state.model.engine.stop_accepting()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout if timeout is not None else self.state.options.drain_s + 10)
