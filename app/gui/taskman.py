"""The one owner of background work in the GUI: short jobs on a thread pool, streaming
workers in their own QThreads, results delivered back on the GUI thread, and a
count of what is running so shutdown can drain it.

Short jobs (``run``) take plain callables over core objects, never widgets; their
result or exception comes back through a queued signal, so callbacks always run
on the GUI thread. Long streaming work (a reply, a model load) is a ``Worker``
moved into its own ``QThread`` (``start``); it reports through the signals
``token(str)``, ``progress(int, int)``, ``finished(object)`` and ``failed(str)``.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.errors import AppError, Cancelled
from app.gui.qt import QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
_abandoned: list[tuple[QObject, QThread]] = []
Failure = Callable[[BaseException], None]


class Worker(QObject):
    """Long work for a QThread: subclasses implement ``work()`` and emit as they go."""

    token = Signal(str)
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()
        self.error: BaseException | None = None
        self.details = ""
        self.done = False

    def work(self) -> Any:  # runs on the worker thread
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Cancelled:
            self.done = True
            self.finished.emit(None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            self.error = exc
            self.details = "".join(traceback.format_exception(exc))
            if not isinstance(exc, AppError):
                log.error("background work failed\n%s", self.details)
            self.done = True
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.done = True
            self.finished.emit(result)


class TaskManager(QObject):
    """Runs background work and brings its outcome back to the GUI thread."""

    _completed = Signal(object)
    drained = Signal()  # nothing is running any more

    def __init__(self, parent: QObject | None = None, *, max_workers: int = 2,
                 on_error: Failure | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="autoglm-task")
        self._lock = threading.Lock()
        self._jobs = 0
        self._workers: dict[Worker, QThread] = {}
        self._closed = False
        self.on_error = on_error
        self._completed.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- short jobs ---------------------------------------------------------------------------

    def run(self, op: Callable[[], Any], success: Success | None = None,
            failure: Failure | None = None) -> Future[Any]:
        """Run ``op`` on the pool; ``success(result)`` or ``failure(exc)`` run on the GUI thread.

        Without ``failure`` an error goes to the error presenter (``on_error``);
        ``Cancelled`` is dropped quietly either way.
        """
        with self._lock:
            self._jobs += 1
        future = self._executor.submit(op)
        future.add_done_callback(lambda f: self._completed.emit((f, success, failure)))
        return future

    @Slot(object)
    def _deliver(self, item: tuple[Future[Any], Success | None, Failure | None]) -> None:
        future, success, failure = item
        with self._lock:
            self._jobs -= 1
        try:
            if self._closed or future.cancelled():
                return
            exc = future.exception()
            if exc is None:
                if success is not None:
                    success(future.result())
            elif isinstance(exc, Cancelled):
                pass
            elif failure is not None:
                failure(exc)
            else:
                self._report(exc)
        finally:
            self._maybe_drained()

    def _report(self, exc: BaseException) -> None:
        if not isinstance(exc, AppError):
            log.error("background job failed", exc_info=exc)
        if self.on_error is not None:
            self.on_error(exc)

    # -- streaming workers --------------------------------------------------------------------

    def start(self, worker: Worker) -> Worker:
        """Run ``worker.run`` in a new QThread; the thread ends when the worker does.

        Connect to the worker's signals before calling this.
        """
        thread = QThread()
        thread.setObjectName(type(worker).__name__)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Receivers are this object (on the GUI thread), so these arrive queued, after the
        # worker's own run() has returned.
        worker.finished.connect(self._worker_finished)
        worker.failed.connect(self._worker_failed)
        self._workers[worker] = thread
        thread.start()
        return worker

    @Slot(object)
    def _worker_finished(self, _result: object) -> None:
        self._end(self.sender())

    @Slot(str)
    def _worker_failed(self, _message: str) -> None:
        self._end(self.sender())

    def _end(self, worker: QObject) -> None:
        thread = self._workers.pop(worker, None)  # type: ignore[call-overload]
        if thread is not None:
            thread.quit()
            thread.wait()
        self._maybe_drained()

    # -- accounting and shutdown --------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Jobs and workers not yet finished (including results not yet delivered)."""
        with self._lock:
            return self._jobs + len(self._workers)

    def _maybe_drained(self) -> None:
        if self.pending == 0:
            self.drained.emit()

    def cancel_all(self) -> None:
        for worker in list(self._workers):
            worker.cancel.set()

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        """Stop accepting work, cancel workers and wait for everything to end; True if it did."""
        self._closed = True
        self.cancel_all()
        ok = True
        for worker, thread in list(self._workers.items()):
            thread.quit()  # ends the thread's event loop once the worker's run() returns
            if not thread.wait(int(timeout_s * 1000)):
                log.warning("worker %s did not stop within %.0f s", type(worker).__name__, timeout_s)
                _abandoned.append((worker, thread))  # destroying a running QThread aborts
                ok = False
        self._workers.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
        return ok
