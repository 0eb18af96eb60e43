"""The desktop app's one local API server, owned by the main window for its whole
lifetime so that it keeps running when Settings closes and stops when the app quits.

Starting loads and verifies a model (a worker thread) and stopping lets requests in
progress finish (the task manager's pool), so neither holds up the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.errors import Cancelled
from app.gui.qt import QObject, Signal
from app.gui.taskman import Worker

if TYPE_CHECKING:
    from app.api.server import LocalServer
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.models import LoadedModel

log = logging.getLogger(__name__)

LOOPBACK, EVERY_ADDRESS = "127.0.0.1", "0.0.0.0"
DRAIN_S = 10.0  # Stop lets requests in progress finish for up to this long
CLOSE_WAIT_S = 5.0  # quitting the app waits at most this long for the server to end


class ServerStartWorker(Worker):
    """Starts the server: takes the port, then loads and verifies the model (seconds);
    ``finished(address)``. A QThread of its own, so quitting waits for it only so long."""

    def __init__(self, start: Callable[[], str]) -> None:
        super().__init__()
        self._start = start

    def work(self) -> str:
        return self._start()


class ServerController(QObject):
    """The app's one local API server. The main window owns it, so it keeps running when
    Settings closes, and the app's exit stops it."""

    changed = Signal()  # state, address or error

    def __init__(self, ctx: AppContext, taskman: TaskManager, parent: QObject | None = None,
                 shared_model: Callable[[], LoadedModel[Any] | None] = lambda: None) -> None:
        """``shared_model``: the app's loaded model now; the server shares its weights
        when it serves the same file, rather than loading a second copy."""
        super().__init__(parent)
        self.ctx = ctx
        self.taskman = taskman
        self.shared_model = shared_model
        self.state = "stopped"  # stopped | starting | running | stopping
        self.address = ""
        self.error = ""  # why the last start failed
        self.host = LOOPBACK
        # Options besides the address: `autoglm serve`'s defaults, with a shorter drain.
        self.serve_options: dict[str, Any] = {"drain_s": DRAIN_S}
        self.start_worker: ServerStartWorker | None = None
        self._server: LocalServer | None = None
        self._lock = threading.Lock()  # _server and _closed, shared with the start worker
        self._closed = False

    def _set(self, state: str, *, address: str = "", error: str = "") -> None:
        self.state, self.address, self.error = state, address, error
        self.changed.emit()

    def start(self, host: str, port: int) -> None:
        if self.state != "stopped" or self._closed:
            return
        self.host = host
        options = {**self.serve_options, "host": host, "port": port}
        share = self.shared_model()
        worker = ServerStartWorker(lambda: self._start(options, share))
        worker.finished.connect(self._started)
        worker.failed.connect(self._start_failed)
        self.start_worker = worker
        self._set("starting")
        self.taskman.start(worker)

    def _start(self, options: dict[str, Any],
               share: LoadedModel[Any] | None) -> str:  # on the worker's thread
        from app.api.server import LocalServer
        from app.api.state import ServeOptions

        server = LocalServer(self.ctx, ServeOptions(**options), share)
        with self._lock:
            if self._closed:  # the app quit while this was on its way
                raise Cancelled()
            self._server = server
        return server.start()

    def _started(self, address: str | None) -> None:
        self.start_worker = None
        if self._closed:  # shutdown() has stopped it already
            return
        if address is None:  # cancelled
            self._set("stopped")
        else:
            self._set("running", address=address)

    def _start_failed(self, message: str) -> None:
        worker, self.start_worker = self.start_worker, None
        if self._closed:
            return
        with self._lock:
            self._server = None
        error = worker.error if worker is not None else None
        self._set("stopped", error=str(error) if error is not None else message)

    def stop(self) -> None:
        """Stop taking requests, let those in progress finish, then end (in the background)."""
        server = self._server
        if self.state != "running" or server is None:
            return
        self._set("stopping", address=self.address)
        self.taskman.run(server.stop, self._stopped, self._stop_failed)

    def _stopped(self, _result: object = None) -> None:
        with self._lock:
            self._server = None
        self._set("stopped")

    def _stop_failed(self, exc: BaseException) -> None:
        log.error("stopping the API server failed", exc_info=exc)
        self._stopped()

    def shutdown(self, timeout_s: float = CLOSE_WAIT_S) -> bool:
        """For the app's exit: stop the server, waiting at most ``timeout_s``; True if it ended.

        Requests still running after that end with the process (the thread is a daemon).
        A server still loading its model cannot end before the load does; the task
        manager's shutdown bounds that wait.
        """
        with self._lock:
            self._closed = True
            server, self._server = self._server, None
        starting = self.state == "starting"
        if self.state != "stopped":
            self._set("stopped")
        if server is None:  # not started, or a start that will see _closed and give up
            return True
        server.stop(0 if starting else timeout_s)
        if server.running:
            log.warning("the API server had not ended when the app quit")
            return False
        return True
