"""Enrolling devices for sync: the dialog that asks for a key file and its passphrase, and
the work done with them off the GUI thread (export this device's data key wrapped with the
passphrase; install one exported on another device). The keys are app.services.sync's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import ConfigError
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from app.gui.widgets import wrapped_label

if TYPE_CHECKING:
    from app.services.context import AppContext
    from app.store.store import Store

ERROR_STYLE = "color: #d1242f;"


def export_key_file(ctx: AppContext, path: Path, passphrase: str) -> str:
    """Write this device's key, wrapped with ``passphrase``, to ``path``; returns the path."""
    from app.services import sync

    text = sync.export_key(ctx, passphrase)
    path.write_text(text, encoding="utf-8")
    return str(path)


def import_key_file(ctx: AppContext, path: Path, passphrase: str, store: Store | None) -> str:
    """Install the key in the file at ``path``; returns its fingerprint."""
    from app.services import sync

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc})") from None
    return sync.import_key(ctx, text, passphrase, store)


class KeyFileDialog(QDialog):
    """Enrolment: "export" asks where to save this device's key and a passphrase twice;
    "import" asks for a key file and its passphrase."""

    def __init__(self, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyFileDialog")
        self.mode = mode
        self.intro = wrapped_label()
        self.path = QLineEdit()
        self.path.setObjectName("keyFilePath")
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self.browse)
        self.chooser: QFileDialog | None = None
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("keyPassphrase")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("keyPassphraseRepeat")
        for edit in (self.passphrase, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(self._check)
        self.path.textChanged.connect(self._check)
        self.path_label, self.passphrase_label, self.repeat_label = QLabel(), QLabel(), QLabel()
        self.path_label.setBuddy(self.path)
        self.passphrase_label.setBuddy(self.passphrase)
        self.repeat_label.setBuddy(self.repeat)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow(self.path_label, path_row)
        form.addRow(self.passphrase_label, self.passphrase)
        if mode == "export":
            form.addRow(self.repeat_label, self.repeat)
        else:
            self.repeat.setVisible(False)
            self.repeat_label.setVisible(False)
        self.problem = wrapped_label("keyFileProblem")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.retranslate()
        self._check()

    def browse(self) -> None:
        title = self.tr("Save the sync key") if self.mode == "export" else self.tr("Open a sync key")
        dialog = QFileDialog(self, title)
        if self.mode == "export":
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix("autoglm-key")
            dialog.selectFile(self.path.text() or "sync.autoglm-key")
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path.setText)
        self.chooser = dialog
        dialog.open()

    def _check(self) -> None:
        problem = ""
        if self.mode == "export" and self.repeat.text() and self.repeat.text() != self.passphrase.text():
            problem = self.tr("The two passphrases differ.")
        self.problem.setText(problem)
        complete = bool(self.path.text().strip() and self.passphrase.text())
        if self.mode == "export":
            complete = complete and self.repeat.text() == self.passphrase.text()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(complete and not problem)

    def retranslate(self) -> None:
        if self.mode == "export":
            self.setWindowTitle(self.tr("Enrol another device"))
            self.intro.setText(self.tr(
                "Save this device's sync key in a file locked with a passphrase. On the other "
                "device, choose \"Use a key from another device…\" with this file and the "
                "passphrase. Anyone with both can read your synced conversations: keep them apart."))
        else:
            self.setWindowTitle(self.tr("Use a key from another device"))
            self.intro.setText(self.tr(
                "Choose the key file saved on your other device and type its passphrase. This "
                "device then reads and writes the same synced conversations."))
        self.path_label.setText(self.tr("Key file"))
        self.browse_button.setText(self.tr("Choose…"))
        self.passphrase_label.setText(self.tr("Passphrase"))
        self.repeat_label.setText(self.tr("Passphrase again"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Save") if self.mode == "export" else self.tr("Use this key"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self._check()
