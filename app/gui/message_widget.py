"""One message on screen: its Markdown text at full height, who wrote it, and what can be
done with it (copy, regenerate, edit and send again, show another version)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from app.gui.icons import icon
from app.gui.qt import (
    QApplication,
    QColor,
    QDesktopServices,
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    Qt,
    QTextBlockFormat,
    QTextBrowser,
    QTextCursor,
    QTextFormat,
    QTimer,
    QToolButton,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from app.gui.theme import current_colors

if TYPE_CHECKING:
    from app.services.conversations import MessageView


class MessageText(QTextBrowser):
    """Markdown shown at its full height (the chat scrolls, not each message)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.markdown = ""

    def set_markdown(self, text: str) -> None:
        if text == self.markdown:
            return
        self.markdown = text
        self.setMarkdown(text)
        self._style_code_blocks()
        self._fit()

    def _style_code_blocks(self) -> None:
        """Shade code blocks and let their long lines wrap instead of running off the bubble."""
        doc = self.document()
        shade = QColor(current_colors()["code"])
        block = doc.begin()
        while block.isValid():
            fmt = block.blockFormat()
            if fmt.hasProperty(QTextFormat.Property.BlockCodeLanguage) or fmt.hasProperty(
                QTextFormat.Property.BlockCodeFence
            ):
                change = QTextBlockFormat()
                change.setBackground(shade)
                change.setNonBreakableLines(False)
                QTextCursor(block).mergeBlockFormat(change)
            block = block.next()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # A new theme: shade the code blocks in its colours.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange) and self.markdown:
            QTimer.singleShot(0, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        if is_alive(self):
            self.setMarkdown(self.markdown)
            self._style_code_blocks()
            self._fit()

    def _fit(self, *_: object) -> None:
        height = math.ceil(self.document().size().height()) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def _open_link(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)  # the user's own click; the app itself never fetches


class MessageWidget(QFrame):
    """One message: who wrote it, its text, and what can be done with it."""

    regenerate_requested = Signal()
    edit_submitted = Signal(str, str)  # message id, new text
    version_requested = Signal(str)  # the id of the sibling (another version) to show

    def __init__(self, role: str, content: str, *, message: MessageView | None = None,
                 can_regenerate: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        self.setProperty("role", "user" if role == "user" else "assistant")
        self.role = role
        self.message = message
        self.message_id = message.id if message is not None else None
        if message is not None:
            self.status = message.status
        else:  # shown before the store has it: the question is complete, the reply is coming
            self.status = "complete" if role == "user" else "streaming"
        self.busy = False
        self.role_label = QLabel()
        self.role_label.setObjectName("messageRole")
        self.meta_label = QLabel()
        self.meta_label.setObjectName("messageMeta")
        # What the safety filter removed or flagged in this exchange, as the policy asks.
        self.safety_label = QLabel()
        self.safety_label.setObjectName("safetyMarker")
        self.safety_label.setVisible(False)
        # ‹ version i of n ›: the other versions of this message (edited, regenerated).
        self.previous_button = self._version_button("‹", -1)
        self.next_button = self._version_button("›", +1)
        self.copy_button = self._tool_button("copy", self.copy_to_clipboard)
        self.regenerate_button = self._tool_button("regenerate", self.regenerate_requested.emit)
        self.regenerate_button.setVisible(role == "assistant" and can_regenerate)
        self.edit_button = self._tool_button("edit", self.start_editing)
        self.edit_button.setVisible(role == "user" and message is not None)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(8)
        header.addWidget(self.role_label)
        header.addWidget(self.previous_button)
        header.addWidget(self.meta_label)
        header.addWidget(self.next_button)
        header.addWidget(self.safety_label)
        header.addStretch(1)
        for b in (self.copy_button, self.regenerate_button, self.edit_button):
            header.addWidget(b)
        self.text = MessageText()
        self.text.set_markdown(content)
        self.editor = QPlainTextEdit()
        self.editor.setVisible(False)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self._submit_edit)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.stop_editing)
        edit_row = QHBoxLayout()
        edit_row.addStretch(1)
        edit_row.addWidget(self.cancel_button)
        edit_row.addWidget(self.save_button)
        self.edit_bar = QWidget()
        self.edit_bar.setLayout(edit_row)
        self.edit_bar.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.text)
        layout.addWidget(self.editor)
        layout.addWidget(self.edit_bar)
        self._update_versions()
        self.retranslate()

    def _tool_button(self, name: str, slot) -> QToolButton:  # noqa: ANN001
        b = QToolButton()
        b.setObjectName(f"{name}Button")
        b.setIcon(icon(name))
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    def _version_button(self, arrow: str, step: int) -> QToolButton:
        b = QToolButton()
        b.setObjectName("previousVersionButton" if step < 0 else "nextVersionButton")
        b.setText(arrow)
        b.setAutoRaise(True)
        b.clicked.connect(lambda: self._show_version(step))
        return b

    def _show_version(self, step: int) -> None:
        m = self.message
        if m is None or self.busy:
            return
        index = m.sibling_index + step
        if 0 <= index < len(m.sibling_ids):
            self.version_requested.emit(m.sibling_ids[index])

    def _update_versions(self) -> None:
        """‹ › only where there are other versions; each off at its end and while busy."""
        m = self.message
        versions = len(m.sibling_ids) if m is not None else 0
        for b in (self.previous_button, self.next_button):
            b.setVisible(versions > 1)
        index = m.sibling_index if m is not None else 0
        self.previous_button.setEnabled(not self.busy and index > 0)
        self.next_button.setEnabled(not self.busy and index < versions - 1)

    @property
    def content(self) -> str:
        return self.text.markdown

    def set_content(self, text: str) -> None:
        self.text.set_markdown(text)

    def set_message(self, message: MessageView, *, can_regenerate: bool) -> None:
        self.message = message
        self.message_id = message.id
        self.status = message.status
        self.regenerate_button.setVisible(self.role == "assistant" and can_regenerate)
        self.edit_button.setVisible(self.role == "user")
        self._update_versions()
        self.retranslate()

    def set_status(self, status: str) -> None:
        self.status = status
        self.retranslate()

    def set_busy(self, busy: bool) -> None:
        """While a reply is being written, nothing may start another."""
        self.busy = busy
        self.regenerate_button.setEnabled(not busy)
        self.edit_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self._update_versions()

    def copy_to_clipboard(self) -> None:
        QApplication.clipboard().setText(self.content)

    def start_editing(self) -> None:
        self.editor.setPlainText(self.content)
        self.text.setVisible(False)
        self.editor.setVisible(True)
        self.edit_bar.setVisible(True)
        self.editor.setFocus()

    def stop_editing(self) -> None:
        self.editor.setVisible(False)
        self.edit_bar.setVisible(False)
        self.text.setVisible(True)

    def _submit_edit(self) -> None:
        new_text = self.editor.toPlainText()
        if not new_text.strip() or self.busy or self.message_id is None:
            return
        self.stop_editing()
        self.edit_submitted.emit(self.message_id, new_text)

    def retranslate(self) -> None:
        self.role_label.setText(self.tr("You") if self.role == "user" else self.tr("Assistant"))
        meta = []
        m = self.message
        if m is not None and m.n_siblings > 1:
            meta.append(self.tr("version %1 of %2").replace("%1", str(m.sibling_index + 1))
                        .replace("%2", str(m.n_siblings)))
        if self.status == "streaming":
            meta.append(self.tr("writing…"))
        elif self.status == "interrupted":
            meta.append(self.tr("stopped"))
        if m is not None and m.stats and self.status != "streaming":
            tps = m.stats.get("decode_tokens_per_s")
            if tps:
                meta.append(self.tr("%1 tokens/s").replace("%1", f"{tps:.0f}"))
        self.meta_label.setText(" · ".join(meta))
        events = (m.stats or {}).get("safety") if m is not None else None
        self.safety_label.setVisible(bool(events))
        self.safety_label.setText(self._safety_note(events) if events else "")
        self.safety_label.setToolTip(self.tr(
            "The administrator's policy decides what the safety filter removes or flags."))
        self.copy_button.setToolTip(self.tr("Copy this message"))
        self.copy_button.setAccessibleName(self.tr("Copy message"))
        self.regenerate_button.setToolTip(self.tr("Write this reply again"))
        self.regenerate_button.setAccessibleName(self.tr("Regenerate reply"))
        self.edit_button.setToolTip(self.tr("Edit this message and send it again"))
        self.edit_button.setAccessibleName(self.tr("Edit and resend"))
        self.previous_button.setToolTip(self.tr("Show the previous version"))
        self.previous_button.setAccessibleName(self.tr("Previous version"))
        self.next_button.setToolTip(self.tr("Show the next version"))
        self.next_button.setAccessibleName(self.tr("Next version"))
        self.text.setAccessibleName(self.tr("Message text"))
        self.editor.setAccessibleName(self.tr("Edited message"))
        self.save_button.setText(self.tr("Send edited"))
        self.cancel_button.setText(self.tr("Cancel"))

    def _safety_note(self, events: list[dict[str, object]]) -> str:
        """``Safety filter: ID number removed; your message contains phone number``."""
        names = {
            "id_number": self.tr("ID number"), "bank_card": self.tr("bank card number"),
            "phone": self.tr("phone number"), "passport": self.tr("passport number"),
            "email": self.tr("e-mail address"), "ip_address": self.tr("IP address"),
            "api_key": self.tr("API key"), "private_key": self.tr("private key"),
        }
        said = {
            ("output", "redact"): self.tr("%1 removed"), ("output", "warn"): self.tr("%1 found"),
            ("output", "block"): self.tr("reply stopped: %1 found"),
            ("input", "redact"): self.tr("%1 removed from your message"),
            ("input", "warn"): self.tr("your message contains %1"),
        }
        parts = []
        for e in events:
            category = str(e.get("category", ""))
            text = said.get((str(e.get("direction")), str(e.get("action"))))
            if text is not None:
                parts.append(text.replace("%1", names.get(category, category)))
        return "⚠ " + self.tr("Safety filter: %1").replace("%1", "; ".join(dict.fromkeys(parts)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
