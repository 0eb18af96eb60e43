"""How errors reach the user: the rotating log file, the error dialog with "Copy details",
and the hooks that catch unhandled exceptions in any thread.

Errors the user can act on (``AppError``) show their message; anything else is
logged with its traceback and shown as "something went wrong" with the
details one click from the clipboard. ``Cancelled`` is the user's own doing
and is dropped quietly. The app keeps running after any of them.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from app import __version__
from app.errors import AppError, Cancelled
from app.gui.qt import (
    PYSIDE_VERSION,
    QApplication,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)

LOG_FILE_NAME = "autoglm.log"
_HANDLER_TAG = "_autoglm_gui_file"


def setup_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Send the app's log records to a rotating file in ``logs_dir`` (1 MiB x 5); idempotent."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, _HANDLER_TAG, False):
            if Path(getattr(h, "baseFilename", "")) == path:
                return path
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1 << 20, backupCount=5, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
    ))
    setattr(handler, _HANDLER_TAG, True)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def environment_summary() -> str:
    return (
        f"Open-AutoGLM {__version__}; Python {platform.python_version()}; "
        f"PySide6 {PYSIDE_VERSION}; {platform.platform()}"
    )


def describe(exc: BaseException, details: str | None = None) -> tuple[str, str]:
    """(message for the user, details for a support ticket)."""
    if isinstance(exc, AppError):
        message = str(exc)
        body = details or f"{type(exc).__name__}: {exc}"
    else:
        message = QCoreApplication.translate(
            "ErrorPresenter",
            "Something went wrong: %1. The app is still running; the details are in the log file.",
        ).replace("%1", str(exc) or type(exc).__name__)
        body = details or "".join(traceback.format_exception(exc))
    return message, f"{body.rstrip()}\n\n{environment_summary()}\n"


class ErrorDialog(QDialog):
    """A message, its details, and a button that copies the details for a support ticket."""

    def __init__(self, title: str, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.details = details
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setVisible(False)
        self.details_button = QPushButton(self.tr("Show details"))
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy details"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.details_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(self.details_view, 1)
        layout.addLayout(row)
        self.resize(520, 180)

    def _toggle_details(self, shown: bool) -> None:
        self.details_view.setVisible(shown)
        self.details_button.setText(self.tr("Hide details") if shown else self.tr("Show details"))
        self.adjustSize()

    def copy_details(self) -> None:
        QApplication.clipboard().setText(f"{self.message_label.text()}\n\n{self.details}")


class ErrorPresenter(QObject):
    """Shows errors from any thread as dialogs over the main window."""

    _post = Signal(object, str)

    def __init__(self, parent_widget: QWidget | None = None, log_file: Path | None = None) -> None:
        super().__init__()
        self.parent_widget = parent_widget
        self.log_file = log_file
        self.dialogs: list[ErrorDialog] = []
        self._post.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous_hooks: tuple[object, object] | None = None

    @property
    def last_dialog(self) -> ErrorDialog | None:
        return self.dialogs[-1] if self.dialogs else None

    def show_exception(self, exc: BaseException, details: str = "") -> None:
        """Show ``exc`` to the user; safe to call from any thread."""
        if isinstance(exc, Cancelled):
            return
        if threading.current_thread() is threading.main_thread():
            self._show(exc, details)
        else:
            self._post.emit(exc, details)

    @Slot(object, str)
    def _show(self, exc: BaseException, details: str) -> None:
        message, body = describe(exc, details or None)
        if self.log_file is not None and not isinstance(exc, AppError):
            body += f"\nLog file: {self.log_file}\n"
        for d in self.dialogs:  # the same error twice in a row opens one dialog
            if d.isVisible() and d.message_label.text() == message:
                return
        title = self.tr("Open-AutoGLM: problem") if not isinstance(exc, AppError) \
            else self.tr("Open-AutoGLM")
        dialog = ErrorDialog(title, message, body, self.parent_widget)
        dialog.finished.connect(lambda _r, d=dialog: self._forget(d))
        self.dialogs.append(dialog)
        dialog.open()

    def _forget(self, dialog: ErrorDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()

    # -- hooks for unhandled exceptions -------------------------------------------------------

    def install_hooks(self) -> None:
        """Catch unhandled exceptions on the GUI thread (and in Qt slots) and in other threads."""
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall_hooks(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks  # type: ignore[assignment]
            self._previous_hooks = None

    def _excepthook(self, etype: type[BaseException], value: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(etype, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(etype, value, tb))
        if not isinstance(value, (AppError, Cancelled)):
            log.error("unhandled exception\n%s", details)
        self.show_exception(value, details)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                     args.exc_traceback))
        name = args.thread.name if args.thread is not None else "?"
        log.error("unhandled exception in thread %s\n%s", name, details)
        self.show_exception(args.exc_value, details)
