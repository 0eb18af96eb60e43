"""Sync in the running app: when a sync runs (when due, after local changes, on "Sync now"),
always on a worker thread over the store the window already holds, and the indicator in
the status bar that shows where sync stands.

Nothing here connects unless a server is configured: the due check and the check after
local changes ask the sync service first, and it says no when there is no server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from app.gui.qt import QEvent, QObject, QPushButton, QTimer, QWidget, Signal
from app.gui.taskman import Worker

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.sync import SyncStatus
    from app.store.store import Store
    from app.sync.engine import SyncReport

log = logging.getLogger(__name__)

CHECK_MS = 15_000  # how often the window asks whether a sync is due
AFTER_CHANGE_MS = 10_000  # quiet time after a local change before it is sent


class SyncWorker(Worker):
    """One sync run (push, then pull); ``finished(SyncReport)`` or ``failed(message)``."""

    phase = Signal(str)  # "push" or "pull", as the run goes

    def __init__(self, ctx: AppContext, store: Store) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = store

    def work(self) -> SyncReport:
        from app.services import sync

        def progress(phase: str, done: int, total: int) -> None:
            self.phase.emit(phase)
            self.progress.emit(done, total)

        return sync.sync_now(self.ctx, self.store, progress)


def _wanted_after_change(ctx: AppContext, store: Store) -> bool:
    """A local change goes out soon, unless there is nothing to send, no server, a refused
    password, or the server is failing and its back-off has not run out yet."""
    from app.services import sync

    st = sync.status(ctx, store)
    if not st.configured or st.paused or not st.pending:
        return False
    return not st.failures or sync.due(ctx, store)


class SyncController(QObject):
    """Runs sync for the main window and keeps the latest status; the window owns it, so
    sync carries on whether Settings is open or not."""

    status_changed = Signal()  # ``status``, ``syncing`` or ``error`` changed
    synced = Signal(object)  # the SyncReport of a run that succeeded
    sync_failed = Signal(str)  # a run failed: the message, in plain words
    merged = Signal()  # a run changed local conversations: lists and views reload

    def __init__(self, ctx: AppContext, taskman: TaskManager,
                 store: Callable[[], Store | None], parent: QObject | None = None) -> None:
        """``store``: the window's open store, or None while it is still opening."""
        super().__init__(parent)
        self.ctx = ctx
        self.taskman = taskman
        self._store = store
        self.status: SyncStatus | None = None
        self.worker: SyncWorker | None = None
        self.error = ""  # the last run's failure, as said to the user ("" after a good run)
        self._again = False  # asked to run while a run was going: run once more after it
        self._reads = self._shown = 0  # status reads asked for, and the newest one shown
        self._closed = False
        self.due_timer = QTimer(self)
        self.due_timer.setInterval(CHECK_MS)
        self.due_timer.timeout.connect(self.check_due)
        self.change_timer = QTimer(self)
        self.change_timer.setSingleShot(True)
        self.change_timer.setInterval(AFTER_CHANGE_MS)
        self.change_timer.timeout.connect(self._after_change)

    @property
    def syncing(self) -> bool:
        return self.worker is not None

    def start(self) -> None:
        """The store is open: show the status and begin checking whether a sync is due."""
        self.due_timer.start()
        self.refresh()
        self.check_due()

    def stop(self) -> None:
        """The window is closing: no new run starts (one under way ends with the app)."""
        self._closed = True
        self.due_timer.stop()
        self.change_timer.stop()

    # -- when to run --------------------------------------------------------------------------

    def check_due(self) -> None:
        store = self._store()
        if self._closed or store is None or self.syncing:
            return
        from app.services import sync

        ctx = self.ctx
        self.taskman.run(lambda: sync.due(ctx, store), self._run_if_idle, self._check_failed)

    def local_change(self) -> None:
        """Something changed here: refresh the count at once, send it after a quiet spell."""
        if self._closed:
            return
        self.refresh()
        self.change_timer.start()  # restarts: a burst of changes goes in one run

    def _after_change(self) -> None:
        store = self._store()
        if self._closed or store is None:
            return
        ctx = self.ctx
        self.taskman.run(lambda: _wanted_after_change(ctx, store), self._run_if,
                         self._check_failed)

    def _run_if(self, wanted: bool) -> None:
        if wanted:
            self.sync_now()  # while a run goes, once more after it: it may miss the change

    def _run_if_idle(self, due: bool) -> None:
        if due and not self.syncing:
            self.sync_now()

    def _check_failed(self, exc: BaseException) -> None:
        log.info("could not check whether a sync is due: %s", exc)

    # -- a run --------------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start a run now (or right after the one under way); False while the store is
        not open yet."""
        store = self._store()
        if self._closed or store is None:
            return False
        if self.syncing:
            self._again = True
            return True
        worker = SyncWorker(self.ctx, store)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        self.worker = worker
        self.status_changed.emit()
        self.taskman.start(worker)
        return True

    def _finished(self, report: SyncReport | None) -> None:
        self.worker = None
        if self._closed:
            return
        self.error = ""
        if report is not None:
            self.synced.emit(report)
            if report.merged or report.pulled:
                self.merged.emit()
        self._next()

    def _failed(self, message: str) -> None:
        worker, self.worker = self.worker, None
        if self._closed:
            return
        self.error = sentence(message)
        if worker is not None and worker.error is not None:
            log.info("sync failed: %s", worker.error)
        self.sync_failed.emit(self.error)
        self._next()

    def _next(self) -> None:
        self.refresh()
        if self._again:
            self._again = False
            self.sync_now()

    # -- status -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the status again in the background; ``status_changed`` when it is in."""
        store = self._store()
        if self._closed or store is None:
            return
        from app.services import sync

        ctx = self.ctx
        self._reads += 1
        read = self._reads
        self.taskman.run(lambda: sync.status(ctx, store), lambda st: self._show(st, read),
                         self._check_failed)

    def _show(self, status: SyncStatus, read: int) -> None:
        if self._closed or read < self._shown:
            return  # an older read that finished late
        self._shown = read
        self.status = status
        self.status_changed.emit()

    def after_settings_changed(self) -> None:
        """New server, user or password, or a new key: try again, now."""
        store = self._store()
        if self._closed or store is None:
            return
        from app.services import sync

        ctx = self.ctx

        def resume() -> bool:
            sync.resume(store)
            return sync.config(ctx).configured

        self.taskman.run(resume, self._resumed, self._check_failed)

    def _resumed(self, configured: bool) -> None:
        self.refresh()
        if configured:
            self.sync_now()


def sentence(message: str, *, full_stop: bool = True) -> str:
    """A service message as a sentence on screen: capitalised, and (``full_stop``) ending
    with a full stop."""
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if not full_stop or text.endswith((".", "!", "?", "。")):
        return text
    return text + "."


def local_time(epoch: float | None = None, iso: str | None = None, *, seconds: bool = False) -> str:
    """A moment as the user's clock shows it (HH:MM, with the date when it is not today)."""
    try:
        moment = datetime.fromtimestamp(epoch) if epoch is not None else (
            datetime.fromisoformat(iso).astimezone() if iso else None)
    except (ValueError, OSError, OverflowError):
        return iso or ""
    if moment is None:
        return ""
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    if moment.date() != datetime.now().date():
        return moment.strftime("%Y-%m-%d ") + clock
    return clock


class SyncIndicator(QPushButton):
    """Sync in a word or two at the right of the status bar, hidden while sync is off;
    a click opens what helps: the conflicts view for conflicts, the Sync page otherwise."""

    settings_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        self.setFlat(True)
        self.state = "off"  # off | syncing | offline | paused | conflicts | pending | synced
        self._status: SyncStatus | None = None
        self._error = ""
        self.clicked.connect(self._clicked)
        self.setVisible(False)
        self.retranslate()

    def show_status(self, status: SyncStatus | None, *, syncing: bool = False,
                    error: str = "") -> None:
        self._status = status
        self._error = error
        if status is None or not status.configured:
            self.state = "off"
        else:
            self.state = "syncing" if syncing else status.state
        self.setVisible(self.state != "off")
        self.retranslate()

    def _clicked(self) -> None:
        if self.state == "conflicts":
            self.conflicts_requested.emit()
        else:
            self.settings_requested.emit()

    def retranslate(self) -> None:
        st = self._status
        text = tip = ""
        error = sentence(st.last_error or "") if st is not None else ""
        error = error or self._error
        if st is not None and self.state != "off":
            last = local_time(iso=st.last_sync) if st.last_sync else ""
            if self.state == "syncing":
                text = self.tr("Syncing…")
            elif self.state == "offline":
                if st.next_attempt:
                    text = self.tr("Sync offline · retrying at %1").replace(
                        "%1", local_time(max(st.next_attempt, time.time())))
                else:
                    text = self.tr("Sync offline")
                tip = error
            elif self.state == "paused":
                text = self.tr("Sync paused")
                tip = error + "\n" + self.tr("Click to open the sync settings.")
            elif self.state == "conflicts":
                text = self.tr("%1 sync conflict(s)").replace("%1", str(st.conflicts))
                tip = self.tr("Click to compare and choose what to keep.")
            elif self.state == "pending":
                text = self.tr("%1 change(s) to sync").replace("%1", str(st.pending))
            else:
                text = self.tr("Synced")
            if self.state in ("synced", "pending", "conflicts", "syncing"):
                when = (self.tr("Last sync at %1").replace("%1", last) if last
                        else self.tr("Not synced yet"))
                tip = when + ("\n" + tip if tip else "")
        self.setText(text)
        self.setToolTip(tip.strip())
        self.setAccessibleName(self.tr("Sync status"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

