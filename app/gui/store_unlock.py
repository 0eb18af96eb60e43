"""The desktop app's side of the encrypted store: the passphrase dialog for machines with no
keyring, and the bar above the chat that says, once, where the keys are or that the
conversations are stored unencrypted."""

from __future__ import annotations

from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)


class PassphraseDialog(QDialog):
    """Asks for the passphrase of the locked key file (twice, when it is being created)."""

    def __init__(self, creating: bool, vault: str, error: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from app.security.secrets import MIN_PASSPHRASE

        self.creating = creating
        self.setObjectName("passphraseDialog")
        self.setWindowTitle(self.tr("Unlock your conversations"))
        notice = self.tr(
            "No system keyring was found on this computer, so Open-AutoGLM keeps the key to "
            "your conversations in %1, locked with a passphrase.").replace("%1", vault)
        intro = QLabel(notice + "\n\n" + (
            self.tr("Choose a passphrase of at least %1 characters. You will type it once each "
                    "time Open-AutoGLM starts; without it your conversations cannot be read. "
                    "Cancel to go on without encryption.").replace("%1", str(MIN_PASSPHRASE))
            if creating else
            self.tr("Type your passphrase to open your conversations.")))
        intro.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("passphraseAgain")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(error)
        self.error.setObjectName("passphraseError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setVisible(bool(error))
        form = QFormLayout()
        form.addRow(self.tr("Passphrase:"), self.passphrase)
        if creating:
            form.addRow(self.tr("Type it again:"), self.again)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _accept_if_valid(self) -> None:
        from app.security.secrets import MIN_PASSPHRASE

        text = self.passphrase.text()
        if self.creating and len(text) < MIN_PASSPHRASE:
            self._say(self.tr("The passphrase must be at least %1 characters long.")
                      .replace("%1", str(MIN_PASSPHRASE)))
        elif self.creating and text != self.again.text():
            self._say(self.tr("The two passphrases differ."))
        elif not text:
            self._say(self.tr("Type the passphrase, or Cancel."))
        else:
            self.accept()

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    def value(self) -> str | None:
        return self.passphrase.text() if self.result() == QDialog.DialogCode.Accepted else None


class NoticeBar(QFrame):
    """A one-line notice above the chat, closed with its × button."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setObjectName("storeNoticeText")
        self.label.setWordWrap(True)
        close = QToolButton()
        close.setObjectName("storeNoticeClose")
        close.setText("×")
        close.clicked.connect(self.hide)
        close.clicked.connect(self.closed)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        self.setVisible(False)

    def show_notice(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))
