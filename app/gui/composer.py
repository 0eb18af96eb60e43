"""The input box: Enter sends, Shift+Enter starts a new line; Send and Stop beside it. Its
placeholder and the Send button say what the model's state allows (loading, ready, failed)."""

from __future__ import annotations

from app.gui.icons import icon
from app.gui.qt import (
    QEvent,
    QHBoxLayout,
    QKeyEvent,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


class ComposerEdit(QPlainTextEdit):
    """A plain-text editor whose Enter key submits instead of breaking the line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")  # Shift+Enter: a new line, never a send
                return
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                self.submitted.emit()
                return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source) -> None:  # noqa: N802, ANN001 - Qt's name
        # Pasted rich text arrives as plain text; long pastes go in as one edit.
        if source.hasText():
            self.insertPlainText(source.text())
        else:
            super().insertFromMimeData(source)


class Composer(QWidget):
    """Where the user writes; emits ``send_requested(text)`` and ``stop_requested``."""

    send_requested = Signal(str)
    stop_requested = Signal()

    MIN_LINES, MAX_LINES = 2, 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._generating = False
        self._state = "loading"  # the model's: loading | ready | failed
        self.edit = ComposerEdit()
        self.edit.setObjectName("composerEdit")
        self.edit.setTabChangesFocus(True)
        self.edit.submitted.connect(self.submit)
        self.edit.textChanged.connect(self._update)
        self.send_button = QPushButton(icon("send"), "")
        self.send_button.setObjectName("sendButton")
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton(icon("stop"), "")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setVisible(False)
        for b in (self.send_button, self.stop_button):
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 8)
        row.addWidget(self.edit, 1)
        row.addLayout(buttons)
        self._fit_height()
        self.edit.document().contentsChanged.connect(self._fit_height)
        self.retranslate()
        self._update()

    # -- state --------------------------------------------------------------------------------

    def set_model_state(self, state: str) -> None:
        """loading | ready | failed: what the placeholder and the Send button say. Typing is
        always allowed, sending only when ready."""
        self._state = state
        self.retranslate()
        self._update()

    def set_generating(self, generating: bool) -> None:
        self._generating = generating
        self.send_button.setVisible(not generating)
        self.stop_button.setVisible(generating)
        self._update()

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def submit(self) -> None:
        text = self.edit.toPlainText()
        if not text.strip() or self._generating or self._state != "ready":
            return
        self.edit.clear()
        self.send_requested.emit(text)

    def _update(self) -> None:
        self.send_button.setEnabled(
            self._state == "ready" and not self._generating and bool(self.edit.toPlainText().strip())
        )

    def _fit_height(self) -> None:
        line = self.edit.fontMetrics().lineSpacing()
        lines = max(self.MIN_LINES, min(self.MAX_LINES, int(self.edit.document().size().height())))
        margins = int(self.edit.document().documentMargin() * 2) + self.edit.frameWidth() * 2
        self.edit.setFixedHeight(lines * line + margins + 4)

    # -- translation --------------------------------------------------------------------------

    def retranslate(self) -> None:
        if self._state == "ready":
            placeholder = self.tr("Message the assistant (Enter sends, Shift+Enter adds a line)")
            tip = self.tr("Send the message (Enter)")
        elif self._state == "failed":
            placeholder = self.tr("No model is loaded: choose one in the model manager "
                                  "(Ctrl+Shift+M); you can still type")
            tip = self.tr("No model is loaded: choose one in the model manager")
        else:
            placeholder = self.tr("The model is loading; you can type, and send once it is ready")
            tip = self.tr("Sending is possible once the model has loaded")
        self.edit.setPlaceholderText(placeholder)
        # Qt repaints the editor only when the placeholder appears or disappears, not when
        # its text changes: without this the old text stays on screen.
        self.edit.viewport().update()
        self.edit.setAccessibleName(self.tr("Message"))
        self.send_button.setText(self.tr("Send"))
        self.send_button.setToolTip(tip)
        self.send_button.setAccessibleName(self.tr("Send"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the reply (Esc)"))
        self.stop_button.setAccessibleName(self.tr("Stop"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
