"""The Settings page of sync: the server, the user and password, the CA bundle and client
certificate, how often; "Sync now" and where sync stands; and the buttons that enrol devices
(see sync_enrol).

Saving goes through app.services.sync.setup (the password behind the secrets door, never
shown back); a sync runs through the main window's SyncController, off the GUI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import N_
from app.errors import AppError
from app.gui.qt import (
    QDialogButtonBox,
    QEvent,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from app.gui.sync_enrol import ERROR_STYLE, KeyFileDialog, export_key_file, import_key_file
from app.gui.sync_status import local_time, sentence
from app.gui.widgets import wrapped_label

if TYPE_CHECKING:
    from app.gui.settings_dialog import SettingsDialog
    from app.gui.sync_status import SyncController
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext

log = logging.getLogger(__name__)

PAGE_TITLE = N_("Sync")
FIELDS = ("sync_url", "sync_user", "sync_ca_bundle", "sync_client_cert", "sync_interval_minutes")


def pinned_fields(ctx: AppContext) -> dict[str, str]:
    """Sync settings the administrator's policy fixes → the policy file that does."""
    from app.services import sync
    from app.services.policy import locked_settings, policy_report

    locked = {name: source for name, source in locked_settings().items() if name in FIELDS}
    try:
        report = policy_report()
    except AppError:
        return locked
    source = str(report.path)
    if sync.config(ctx).pinned:
        locked.setdefault("sync_url", source)
    if report.policy.sync_ca_bundle:
        locked.setdefault("sync_ca_bundle", source)
    return locked


class FileField(QWidget):
    """A path typed in, or chosen with "Choose…"."""

    def __init__(self, name: str, value: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(value)
        self.edit.setObjectName(name)
        self.choose_button = QPushButton()
        self.choose_button.setObjectName(name + "Choose")
        self.choose_button.clicked.connect(self.choose)
        self.chooser: QFileDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.choose_button)
        self.retranslate()

    def text(self) -> str:
        return self.edit.text().strip()

    def choose(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose a PEM file"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([self.tr("PEM files (*.pem *.crt *.cer)"), self.tr("All files (*)")])
        if self.text():
            dialog.selectFile(self.text())
        dialog.fileSelected.connect(self.edit.setText)
        self.chooser = dialog
        dialog.open()

    def retranslate(self) -> None:
        self.choose_button.setText(self.tr("Choose…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class SyncPage(QWidget):
    """Settings → Sync."""

    saved = Signal()  # the settings (and the password, if typed) were saved
    key_done = Signal(str)  # a key was exported or imported: what happened, in words
    conflicts_requested = Signal()

    def __init__(self, ctx: AppContext, sync: SyncController, taskman: TaskManager,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPage")
        self.ctx = ctx
        self.sync = sync
        self.taskman = taskman
        self.locked = pinned_fields(ctx)
        self.key_dialog: KeyFileDialog | None = None
        self.notice = ""  # the outcome of the last thing done on this page
        self.notice_is_error = False
        settings = ctx.settings
        self.url = QLineEdit(str(settings.get("sync_url")))
        self.url.setObjectName("sync_url")
        self.user = QLineEdit(str(settings.get("sync_user")))
        self.user.setObjectName("sync_user")
        self.password = QLineEdit()
        self.password.setObjectName("syncPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_bundle = FileField("sync_ca_bundle", str(settings.get("sync_ca_bundle")))
        self.client_cert = FileField("sync_client_cert", str(settings.get("sync_client_cert")))
        self.interval = QSpinBox()
        self.interval.setObjectName("sync_interval_minutes")
        self.interval.setRange(1, 24 * 60)
        self.interval.setValue(int(settings.get("sync_interval_minutes")))
        if {"sync_url", "sync_ca_bundle"} & set(self.locked):  # what the policy fixes
            from app.services import sync as sync_service

            enforced = sync_service.config(ctx)
            if "sync_url" in self.locked:
                self.url.setText(enforced.url)
            if "sync_ca_bundle" in self.locked:
                self.ca_bundle.edit.setText(enforced.ca_bundle)
        self.inputs: dict[str, QWidget] = {
            "sync_url": self.url, "sync_user": self.user, "sync_ca_bundle": self.ca_bundle,
            "sync_client_cert": self.client_cert, "sync_interval_minutes": self.interval,
        }
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, widget in (*self.inputs.items(), ("password", self.password)):
            label = QLabel()
            label.setBuddy(widget.edit if isinstance(widget, FileField) else widget)
            self.labels[name] = label
            if name == "password":
                form.insertRow(2, label, widget)
            else:
                form.addRow(label, widget)
            if name in self.locked:
                widget.setEnabled(False)
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveSyncButton")
        self.save_button.clicked.connect(self.save)
        self.sync_button = QPushButton()
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.clicked.connect(self.sync_now)
        self.conflicts_button = QPushButton()
        self.conflicts_button.setObjectName("openConflictsButton")
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        run_row = QHBoxLayout()
        run_row.addWidget(self.save_button)
        run_row.addWidget(self.sync_button)
        run_row.addWidget(self.conflicts_button)
        run_row.addStretch(1)
        self.status_label = wrapped_label("syncState")
        self.error_label = wrapped_label("syncError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        for label in (self.status_label, self.error_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton()
        self.export_button.setObjectName("exportKeyButton")
        self.export_button.clicked.connect(lambda: self.ask_key("export"))
        self.import_button = QPushButton()
        self.import_button.setObjectName("importKeyButton")
        self.import_button.clicked.connect(lambda: self.ask_key("import"))
        self.key_label = wrapped_label("syncDeviceKey")
        key_buttons = QHBoxLayout()
        key_buttons.addWidget(self.export_button)
        key_buttons.addWidget(self.import_button)
        key_buttons.addStretch(1)
        self.devices_box = QGroupBox()
        box = QVBoxLayout(self.devices_box)
        box.addWidget(self.key_label)
        box.addLayout(key_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.devices_box)
        layout.addStretch(1)
        sync.status_changed.connect(self.show_state)
        sync.synced.connect(self._run_ended)
        sync.sync_failed.connect(self._run_ended)
        self.retranslate()
        sync.refresh()

    def follow(self, dialog: SettingsDialog) -> None:
        """OK and Apply of the Settings dialog save this page too, when it was changed."""
        apply = dialog.buttons.button(QDialogButtonBox.StandardButton.Apply)
        apply.clicked.connect(self.save_if_changed)
        dialog.accepted.connect(lambda: self._save_on_close(dialog.parentWidget()))

    def _save_on_close(self, window: QWidget | None) -> None:
        """OK closed Settings: a value setup refused is said in a message box, as the page
        is gone."""
        if self.save_if_changed():
            return
        from app.gui.qt import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Sync settings not saved"),
                          self.error_label.text(), parent=window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- saving -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What setup gets (a field the policy fixes shows, and gives, the policy's value)."""
        return {
            "sync_url": self.url.text().strip(), "sync_user": self.user.text().strip(),
            "sync_ca_bundle": self.ca_bundle.text(), "sync_client_cert": self.client_cert.text(),
            "sync_interval_minutes": self.interval.value(),
        }

    def changed(self) -> bool:
        values = self.values()
        return bool(self.password.text()) or any(
            values[name] != self.ctx.settings.get(name) for name in FIELDS)

    def save_if_changed(self) -> bool:
        return self.save() if self.changed() else True

    def save(self) -> bool:
        """Save through the sync service; a bad value is said on the page and nothing is
        saved. A new server, user or password lets sync try again at once."""
        from app.services import sync

        v = self.values()
        password = self.password.text() or None
        try:
            sync.setup(self.ctx, v["sync_url"], v["sync_user"], password,
                       ca_bundle=v["sync_ca_bundle"], client_cert=v["sync_client_cert"],
                       interval_minutes=v["sync_interval_minutes"])
        except AppError as exc:
            self._say(sentence(str(exc), full_stop=False), error=True)
            return False
        self.password.clear()  # saved behind the secrets door; never shown again
        self._say(self.tr("Saved."))
        self.saved.emit()
        self.sync.after_settings_changed()
        return True

    def sync_now(self) -> None:
        """Save what was changed, then sync in the background."""
        if self.changed() and not self.save():
            return
        from app.services import sync

        if not sync.config(self.ctx).configured:
            self._say(self.tr("Type the address of your sync server first."), error=True)
            return
        if not self.sync.sync_now():
            self._say(self.tr("Your conversations are still opening; try again in a moment."),
                      error=True)
            return
        self._say("")

    def _run_ended(self, _outcome: object) -> None:
        """A run's outcome replaces what the page said before it ("Saved.", a bad value)."""
        self.notice, self.notice_is_error = "", False

    def _say(self, text: str, *, error: bool = False) -> None:
        self.notice, self.notice_is_error = text, error
        self.show_state()

    # -- enrolment ----------------------------------------------------------------------------

    def ask_key(self, mode: str) -> None:
        dialog = KeyFileDialog(mode, self)
        dialog.accepted.connect(lambda: self._key_chosen(dialog))
        self.key_dialog = dialog
        dialog.open()

    def _key_chosen(self, dialog: KeyFileDialog) -> None:
        ctx = self.ctx
        path = Path(dialog.path.text().strip()).expanduser()
        passphrase = dialog.passphrase.text()
        if dialog.mode == "export":
            self.taskman.run(lambda: export_key_file(ctx, path, passphrase), self._exported,
                             self._key_failed)
        else:
            store = self.sync._store()
            self.taskman.run(lambda: import_key_file(ctx, path, passphrase, store),
                             self._imported, self._key_failed)

    def _exported(self, path: str) -> None:
        message = self.tr("The key is saved in %1. Take it to the other device with its "
                          "passphrase.").replace("%1", path)
        self.key_done.emit(message)
        if is_alive(self):
            self._say(message)
            self.sync.refresh()

    def _imported(self, fingerprint: str) -> None:
        message = self.tr("This device now uses the key %1.").replace("%1", fingerprint)
        self.key_done.emit(message)
        if is_alive(self):
            self._say(message)
        self.sync.after_settings_changed()

    def _key_failed(self, exc: BaseException) -> None:
        if is_alive(self):
            self._say(sentence(str(exc), full_stop=False), error=True)

    # -- state --------------------------------------------------------------------------------

    def status_text(self) -> str:
        st = self.sync.status
        if self.sync.syncing:
            return self.tr("Syncing…")
        if st is None:
            return ""
        if not st.configured:
            return self.tr("Sync is off: this computer connects to no server.")
        if st.paused:
            text = self.tr("Paused: the server refused the password, or this device needs "
                           "the key of your other devices. Change the settings or use a key, "
                           "and sync starts again.")
        elif st.failures:
            text = self.tr("The server could not be reached; the next try is at %1.").replace(
                "%1", local_time(st.next_attempt) if st.next_attempt else "?")
        elif st.last_sync:
            text = self.tr("Last synced at %1.").replace("%1", local_time(iso=st.last_sync))
        else:
            text = self.tr("Not synced yet.")
        text += " " + self.tr("Waiting to go: %1. Conflicts: %2.").replace(
            "%1", str(st.pending)).replace("%2", str(st.conflicts))
        return text

    def error_text(self) -> str:
        st = self.sync.status
        if self.notice_is_error:
            return self.notice
        if self.sync.syncing:
            return ""
        error = self.sync.error or (st.last_error if st is not None and st.configured else "")
        return self.tr("Last error: %1").replace("%1", sentence(error, full_stop=False)) if error else ""

    def show_state(self) -> None:
        if not is_alive(self):  # Settings was closed; the controller lives on
            return
        st = self.sync.status
        status = self.status_text()
        if self.notice and not self.notice_is_error:
            status = self.notice + (" " + status if status else "")
        self.status_label.setText(status)
        self.error_label.setText(self.error_text())
        self.error_label.setVisible(bool(self.error_label.text()))
        self.sync_button.setEnabled(not self.sync.syncing)
        self.conflicts_button.setVisible(bool(st and st.conflicts))
        has_key = bool(st and st.device_key)
        self.export_button.setEnabled(has_key)
        self.key_label.setText(
            self.tr("This device's sync key: %1").replace("%1", str(st.device_key)) if has_key
            else self.tr("This device has no sync key yet: the first sync makes one, or use "
                         "the key of your other devices."))

    def retranslate(self) -> None:
        titles = {
            "sync_url": self.tr("Server address"),
            "sync_user": self.tr("User name"),
            "password": self.tr("Password"),
            "sync_ca_bundle": self.tr("CA bundle"),
            "sync_client_cert": self.tr("Client certificate"),
            "sync_interval_minutes": self.tr("Sync every (minutes)"),
        }
        self.url.setPlaceholderText("https://dav.example.org/remote.php/dav/files/me/")
        self.url.setToolTip(self.tr("A WebDAV folder. Empty: this computer never connects to "
                                    "a sync server."))
        for name, label in self.labels.items():
            text = titles[name]
            if name in self.locked:
                text = self.tr("%1 (locked by policy)").replace("%1", text)
                self.inputs[name].setToolTip(self.tr("Locked by your administrator's policy (%1)")
                                             .replace("%1", self.locked[name]))
            label.setText(text)
        self.password.setPlaceholderText(self.tr("Unchanged when left empty"))
        self.password.setToolTip(self.tr("Kept with the app's other secrets (the system "
                                         "keyring), never in the settings file, and never "
                                         "shown again."))
        self.save_button.setText(self.tr("Save"))
        self.sync_button.setText(self.tr("Sync now"))
        self.conflicts_button.setText(self.tr("Conflicts…"))
        self.export_button.setText(self.tr("Enrol another device…"))
        self.import_button.setText(self.tr("Use a key from another device…"))
        self.devices_box.setTitle(self.tr("Your devices"))
        self.show_state()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
