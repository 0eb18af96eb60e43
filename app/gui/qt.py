"""The one module that imports the Qt binding; every GUI module imports Qt names from here.

Keeping the binding behind one door means a port (or a second binding) touches
one file, and the layering test can tell at a glance that nothing outside
``app.gui`` pulls Qt in.
"""

from __future__ import annotations

from pathlib import Path

import PySide6
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QElapsedTimer,
    QEvent,
    QIODevice,
    QLibraryInfo,
    QLocale,
    QMetaObject,
    QMimeData,
    QObject,
    QPoint,
    QRect,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QThread,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QCloseEvent,
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
    QShortcut,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStatusBar,
    QStyleFactory,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

PYSIDE_VERSION: str = PySide6.__version__
PYSIDE_DIR = Path(PySide6.__file__).parent  # where Qt's tools (lrelease, lupdate) live

__all__ = [
    "PYSIDE_DIR", "PYSIDE_VERSION",
    "QAbstractButton", "QAbstractItemView", "QAction", "QApplication", "QBrush", "QBuffer", "QByteArray",
    "QCheckBox", "QCloseEvent", "QColor", "QComboBox", "QCoreApplication", "QDesktopServices",
    "QDialog", "QDialogButtonBox", "QDoubleSpinBox", "QDragEnterEvent", "QDropEvent", "QElapsedTimer", "QEvent", "QFileDialog",
    "QFont", "QFontDatabase", "QFormLayout", "QFrame", "QGridLayout", "QGroupBox",
    "QGuiApplication", "QHBoxLayout", "QHeaderView", "QIODevice", "QIcon", "QImage", "QInputDialog",
    "QKeyEvent", "QKeySequence", "QLabel", "QLibraryInfo", "QLineEdit", "QListWidget",
    "QListWidgetItem", "QLocale", "QMainWindow", "QMenu", "QMessageBox", "QMetaObject", "QMimeData",
    "QObject", "QPainter", "QPalette", "QPixmap", "QPlainTextEdit", "QPoint", "QProgressBar",
    "QPushButton", "QRadioButton", "QRect", "QScrollArea", "QSettings", "QShortcut", "QSize",
    "QSizePolicy", "QSpinBox", "QSplitter", "QStandardPaths", "QStatusBar", "QStyleFactory",
    "QSvgRenderer", "QTabWidget", "QTableWidget", "QTableWidgetItem", "QTextBlockFormat",
    "QTextBrowser", "QTextCursor", "QTextDocument", "QTextFormat", "QThread", "QTimer",
    "QToolButton", "QTranslator", "QUrl", "QVBoxLayout", "QWidget", "Qt", "Signal", "Slot",
]


def _emit_drops_a_reference() -> bool:
    """PySide6 6.12.0's ``SignalInstance.emit`` returns True without owning a reference,
    so every emit from Python takes one from ``True``; on Python 3.11 (where True is
    not immortal) the process aborts after a few thousand streamed tokens."""
    import sys

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(4):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    _restore_true(lost)
    return lost >= 4


def _restore_true(n: int) -> None:
    import ctypes

    for _ in range(max(0, n)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))


def _fix_emit() -> None:
    import ctypes

    broken = SignalInstance.emit

    def emit(self: SignalInstance, *args: object) -> object:
        result = broken(self, *args)
        if isinstance(result, bool):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))  # the reference emit did not take
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]


if _emit_drops_a_reference():
    _fix_emit()


def is_alive(obj: object) -> bool:
    """Whether the C++ side of a Qt object still exists (a window may be gone mid-reply)."""
    import shiboken6

    return bool(shiboken6.isValid(obj))


def translate(context: str, text: str) -> str:
    """Translate ``text`` now; for strings declared outside a widget (``N_()``), context ""."""
    return QCoreApplication.translate(context, text)
