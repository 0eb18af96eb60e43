"""The Settings page of the local API server: starts and stops it (through the
main window's ServerController), shows its address and manages the API keys it
accepts. The page only shows the controller's state."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from app.config import N_, SETTINGS
from app.errors import AppError
from app.gui.icons import icon
from app.gui.qt import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFontDatabase,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
    translate,
)
from app.gui.server_controller import EVERY_ADDRESS, LOOPBACK, ServerController
from app.gui.widgets import row_table
from app.services.policy import role_names

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.security.api_keys import ApiKey
    from app.services.context import AppContext

log = logging.getLogger(__name__)

PAGE_TITLE = N_("Local API server")
ERROR_STYLE = "color: #d1242f;"
KEY_COLUMNS = ("name", "key", "role", "created", "state")


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
        self.store = ctx.api_keys
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

        self.key_table = row_table(len(KEY_COLUMNS), "apiKeyTable")
        self.key_table.itemSelectionChanged.connect(self._update_key_buttons)
        self.create_key_button = QPushButton()
        self.create_key_button.setObjectName("createKeyButton")
        self.create_key_button.clicked.connect(self.ask_new_key)
        # What a new key may do on the API: the built-in roles and those the policy defines.
        self.role_choice = QComboBox()
        self.role_choice.setObjectName("newKeyRole")
        for role in role_names():
            self.role_choice.addItem(role, role)
        self.role_label_widget = QLabel()
        self.role_label_widget.setBuddy(self.role_choice)
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
        key_buttons.addWidget(self.role_label_widget)
        key_buttons.addWidget(self.role_choice)
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
        # Not while running, nor where the administrator's policy forbids serving the network.
        self.allow_network.setEnabled(stopped and "api_allow_network" not in
                                      self.ctx.settings.locked())
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
            cells = (key.name, key.hint, self.role_label(key.role), _local_time(key.created_at),
                     state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not key.active:
                    item.setForeground(self.palette().placeholderText())
                self.key_table.setItem(row, col, item)
            if selected is not None and key.key_id == selected.key_id:
                self.key_table.selectRow(row)
        self._update_key_buttons()

    def role_label(self, role: str) -> str:
        """A role as the user reads it: the built-in ones explained, the policy's by name."""
        labels = {"user": self.tr("User: chat, complete, embed"),
                  "auditor": self.tr("Auditor: also reads the audit log"),
                  "admin": self.tr("Administrator: also manages keys, models and settings")}
        return labels.get(role, role)

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
        role = str(self.role_choice.currentData() or "user")
        self.taskman.run(lambda: self.store.create(name, role=role), self._key_created,
                         self._key_failed)

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
            self.tr("Name"), self.tr("Key"), self.tr("Role"), self.tr("Created"),
            self.tr("State")])
        self.role_label_widget.setText(self.tr("Role of a new key:"))
        for i in range(self.role_choice.count()):
            self.role_choice.setItemText(i, self.role_label(str(self.role_choice.itemData(i))))
        self.role_choice.setToolTip(self.tr("What programs using the key may do on the API"))
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
