"""The local API server in the desktop app: the controller that owns it for the main
window's lifetime, and the Settings page that starts and stops it, shows its address
and manages the API keys it accepts.

Starting loads and verifies a model (a worker thread) and stopping lets requests in
progress finish (the task manager's pool), so neither holds up the window; the page
only shows the controller's state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.config import N_, SETTINGS
from app.errors import AppError, Cancelled
from app.gui.icons import icon
from app.gui.qt import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFontDatabase,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QObject,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
    translate,
)
from app.gui.taskman import Worker
from app.security.api_keys import ApiKey, ApiKeyStore

if TYPE_CHECKING:
    from app.api.server import LocalServer
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext

log = logging.getLogger(__name__)

PAGE_TITLE = N_("Local API server")
LOOPBACK, EVERY_ADDRESS = "127.0.0.1", "0.0.0.0"
DRAIN_S = 10.0  # Stop lets requests in progress finish for up to this long
CLOSE_WAIT_S = 5.0  # quitting the app waits at most this long for the server to end
ERROR_STYLE = "color: #d1242f;"
KEY_COLUMNS = ("name", "key", "created", "state")


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

    def __init__(self, ctx: AppContext, taskman: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.taskman = taskman
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
        worker = ServerStartWorker(lambda: self._start(options))
        worker.finished.connect(self._started)
        worker.failed.connect(self._start_failed)
        self.start_worker = worker
        self._set("starting")
        self.taskman.start(worker)

    def _start(self, options: dict[str, Any]) -> str:  # on the worker's thread
        from app.api.server import LocalServer
        from app.api.state import ServeOptions

        server = LocalServer(self.ctx, ServeOptions(**options))
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


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class ServerPage(QWidget):
    """Settings → Local API server: port and reach, Start/Stop, the address, and the keys."""

    keys_changed = Signal()  # the key table shows a key just created or revoked

    def __init__(self, ctx: AppContext, server: ServerController, taskman: TaskManager,
                 parent: QWidget | None = None) -> None:
        from app.gui.settings_dialog import SettingEditor  # built when Settings opens

        super().__init__(parent)
        self.setObjectName("serverPage")
        self.ctx = ctx
        self.server = server
        self.taskman = taskman
        self.store = ApiKeyStore(ctx.paths.data)
        self.keys: list[ApiKey] = []
        self.name_dialog: QInputDialog | None = None
        self.secret_dialog: NewKeyDialog | None = None
        self.revoke_box: QMessageBox | None = None
        self.revoke_confirm_button: QPushButton | None = None
        self._needs_key = False  # Start was refused: other computers need a key first
        # The port and the reach are settings: OK and Apply save them too.
        self.editors = {name: SettingEditor(SETTINGS.get(name), ctx.settings.get(name))
                        for name in ("api_port", "api_allow_network")}
        port, allow_network = (self.editors[n].widget for n in ("api_port", "api_allow_network"))
        assert isinstance(port, QSpinBox) and isinstance(allow_network, QCheckBox)
        self.port, self.allow_network = port, allow_network
        self.allow_network.toggled.connect(self._reach_changed)
        self.port_label, self.network_label = QLabel(), QLabel()
        self.port_label.setBuddy(self.port)
        self.network_label.setBuddy(self.allow_network)
        form = QFormLayout()
        form.addRow(self.port_label, self.port)
        form.addRow(self.network_label, self.allow_network)

        self.start_button = QPushButton()
        self.start_button.setObjectName("startServerButton")
        self.start_button.clicked.connect(self.start_or_stop)
        self.status_label = QLabel()
        self.status_label.setObjectName("serverStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton(icon("copy"), "")
        self.copy_button.setObjectName("copyAddressButton")
        self.copy_button.clicked.connect(self.copy_address)
        run_row = QHBoxLayout()
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.status_label, 1)
        run_row.addWidget(self.copy_button)

        self.key_table = QTableWidget(0, len(KEY_COLUMNS))
        self.key_table.setObjectName("apiKeyTable")
        self.key_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.key_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.key_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.key_table.verticalHeader().setVisible(False)
        header = self.key_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.key_table.itemSelectionChanged.connect(self._update_key_buttons)
        self.create_key_button = QPushButton()
        self.create_key_button.setObjectName("createKeyButton")
        self.create_key_button.clicked.connect(self.ask_new_key)
        self.revoke_key_button = QPushButton(icon("delete"), "")
        self.revoke_key_button.setObjectName("revokeKeyButton")
        self.revoke_key_button.clicked.connect(self.ask_revoke)
        self.keys_note = QLabel()
        self.keys_note.setWordWrap(True)
        self.keys_error = QLabel()
        self.keys_error.setObjectName("apiKeyError")
        self.keys_error.setWordWrap(True)
        self.keys_error.setStyleSheet(ERROR_STYLE)
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.create_key_button)
        key_buttons.addWidget(self.revoke_key_button)
        key_buttons.addStretch(1)
        self.keys_box = QGroupBox()
        box_layout = QVBoxLayout(self.keys_box)
        box_layout.addWidget(self.keys_note)
        box_layout.addWidget(self.key_table, 1)
        box_layout.addLayout(key_buttons)
        box_layout.addWidget(self.keys_error)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.keys_box, 1)
        server.changed.connect(self.show_state)
        self.refresh_keys()
        self.retranslate()

    # -- the server ---------------------------------------------------------------------------

    def status_text(self) -> str:
        s = self.server
        if s.state == "starting":
            return self.tr("Starting… (loading the model)")
        if s.state == "stopping":
            return self.tr("Stopping… (requests in progress may finish)")
        if s.state == "running":
            text = self.tr("Running at %1").replace("%1", s.address)
            if s.host != LOOPBACK:
                text += " " + self.tr("Other computers reach it at this computer's network "
                                      "address, with this port.")
            return text
        if self._needs_key:
            return self.tr("Letting other computers in needs an API key: create one below first.")
        if s.error:
            return self.tr("Could not start: %1").replace("%1", s.error)
        return self.tr("Stopped")

    def show_state(self) -> None:
        if not is_alive(self):  # Settings was closed; the controller lives on
            return
        state = self.server.state
        stopped = state == "stopped"
        self.port.setEnabled(stopped)
        self.allow_network.setEnabled(stopped)
        self.start_button.setEnabled(state in ("stopped", "running"))
        self.start_button.setText(self.tr("Start") if stopped or state == "starting"
                                  else self.tr("Stop"))
        self.copy_button.setEnabled(state == "running")
        failed = stopped and (self._needs_key or bool(self.server.error))
        self.status_label.setStyleSheet(ERROR_STYLE if failed else "")
        self.status_label.setText(self.status_text())

    def _reach_changed(self) -> None:
        if self._needs_key:
            self._needs_key = False
            self.show_state()

    def start_or_stop(self) -> None:
        if self.server.state == "running":
            self.server.stop()
            return
        if self.server.state != "stopped":
            return
        port, network = self.port.value(), self.allow_network.isChecked()
        self._needs_key = network and not any(k.active for k in self.keys)
        if self._needs_key:
            self.show_state()
            return
        for name, value in (("api_port", port), ("api_allow_network", network)):
            if self.ctx.settings.get(name) != value:
                self.ctx.settings.set(name, value)  # started with these: remember them
        self.server.start(EVERY_ADDRESS if network else LOOPBACK, port)

    def copy_address(self) -> None:
        if self.server.address:
            QApplication.clipboard().setText(self.server.address)

    # -- API keys -----------------------------------------------------------------------------

    def refresh_keys(self) -> None:
        try:
            self.keys = self.store.list()
        except AppError as exc:  # a damaged key file: say so, list nothing
            self.keys = []
            self.keys_error.setText(str(exc))
        self._fill_keys()

    def _fill_keys(self) -> None:
        selected = self.selected_key()
        self.key_table.setRowCount(len(self.keys))
        for row, key in enumerate(self.keys):
            state = self.tr("Active") if key.active else self.tr("Revoked")
            for col, text in enumerate((key.name, key.hint, _local_time(key.created_at), state)):
                item = QTableWidgetItem(text)
                if not key.active:
                    item.setForeground(self.palette().placeholderText())
                self.key_table.setItem(row, col, item)
            if selected is not None and key.key_id == selected.key_id:
                self.key_table.selectRow(row)
        self._update_key_buttons()

    def row_texts(self, row: int) -> dict[str, str]:
        return {name: self.key_table.item(row, col).text() for col, name in enumerate(KEY_COLUMNS)}

    def selected_key(self) -> ApiKey | None:
        rows = {i.row() for i in self.key_table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self.keys[row] if row < len(self.keys) else None

    def _update_key_buttons(self) -> None:
        key = self.selected_key()
        self.revoke_key_button.setEnabled(key is not None and key.active)

    def ask_new_key(self) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("keyNameDialog")
        dialog.setWindowTitle(self.tr("New API key"))
        dialog.setLabelText(self.tr("Name of the key (who or what will use it):"))
        dialog.setOkButtonText(self.tr("Create"))
        dialog.setCancelButtonText(self.tr("Cancel"))
        dialog.textValueSelected.connect(self.create_key)
        dialog.finished.connect(lambda _result: self._dialog_closed("name_dialog", dialog))
        self.name_dialog = dialog
        dialog.open()

    def _dialog_closed(self, attribute: str, dialog: QDialog) -> None:
        if getattr(self, attribute) is dialog:
            setattr(self, attribute, None)
        dialog.deleteLater()

    def create_key(self, name: str) -> None:
        name = name.strip()
        if not name:
            self.keys_error.setText(self.tr("Give the key a name."))
            return
        self.keys_error.clear()
        self.create_key_button.setEnabled(False)
        self.taskman.run(lambda: self.store.create(name), self._key_created, self._key_failed)

    def _key_created(self, created: tuple[ApiKey, str]) -> None:
        if not is_alive(self):
            return
        key, secret = created
        self.create_key_button.setEnabled(True)
        self._needs_key = False
        self.refresh_keys()
        self.show_state()
        dialog = NewKeyDialog(key.name, secret, self)
        dialog.finished.connect(lambda _result: self._dialog_closed("secret_dialog", dialog))
        self.secret_dialog = dialog
        dialog.open()
        self.keys_changed.emit()

    def ask_revoke(self) -> None:
        key = self.selected_key()
        if key is None or not key.active:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Revoke API key"), self.tr(
            "Revoke the key “%1”? Programs that use it are refused from now on. This cannot be "
            "undone.").replace("%1", key.name), parent=self)
        box.setObjectName("revokeKeyBox")
        confirm = box.addButton(self.tr("Revoke"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole))

        def answered(_result: int) -> None:
            self.revoke_box = self.revoke_confirm_button = None
            if box.clickedButton() is confirm:
                self.revoke_key(key.key_id)

        box.finished.connect(answered)
        self.revoke_box, self.revoke_confirm_button = box, confirm
        box.open()

    def revoke_key(self, key_id: str) -> None:
        self.keys_error.clear()
        self.taskman.run(lambda: self.store.revoke(key_id), self._key_revoked, self._key_failed)

    def _key_revoked(self, _key: ApiKey) -> None:
        if is_alive(self):
            self.refresh_keys()
            self.keys_changed.emit()

    def _key_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, AppError):
            log.error("changing the API keys failed", exc_info=exc)
        if is_alive(self):
            self.create_key_button.setEnabled(True)
            self.keys_error.setText(str(exc))

    # -- language -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        for label, name in ((self.port_label, "api_port"), (self.network_label, "api_allow_network")):
            label.setText(translate("", SETTINGS.get(name).title))
        self.port.setSpecialValueText(self.tr("Any free port"))
        self.copy_button.setText(self.tr("Copy address"))
        self.copy_button.setToolTip(self.tr("Copy the server's address to the clipboard"))
        self.keys_box.setTitle(self.tr("API keys"))
        self.keys_note.setText(self.tr(
            "Programs send a key with each request. Once a key exists, every request needs one, "
            "also from this computer."))
        self.key_table.setHorizontalHeaderLabels([
            self.tr("Name"), self.tr("Key"), self.tr("Created"), self.tr("State")])
        self.create_key_button.setText(self.tr("Create…"))
        self.revoke_key_button.setText(self.tr("Revoke…"))
        self._fill_keys()
        self.show_state()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class NewKeyDialog(QDialog):
    """A key just made, shown this once, with a button that copies it."""

    def __init__(self, name: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newKeyDialog")
        self.name = name
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.secret = QLineEdit(secret)
        self.secret.setObjectName("newKeySecret")
        self.secret.setReadOnly(True)
        self.secret.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.secret.setMinimumWidth(self.secret.fontMetrics().horizontalAdvance(secret) + 24)
        self.copy_button = QPushButton(icon("copy"), "")
        self.copy_button.setObjectName("copyKeyButton")
        self.copy_button.clicked.connect(self.copy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.secret, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.retranslate()

    def copy(self) -> None:
        QApplication.clipboard().setText(self.secret.text())
        self.copy_button.setText(self.tr("Copied"))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("API key created"))
        self.message.setText(self.tr(
            "The key “%1”. Copy it now: it will not be shown again (only a fingerprint of it is "
            "kept).").replace("%1", self.name))
        self.secret.setAccessibleName(self.tr("The new API key"))
        self.copy_button.setText(self.tr("Copy"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
