"""The conversation in the middle of the window: its messages (``MessageWidget``) in a
scrolling column, and the reply being written shown live.

Streaming text is coalesced: tokens only update a string, and a short timer
re-renders the live message at most every ``RENDER_INTERVAL_MS``, so a fast
model never floods the event loop with layout work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.chat_collections import attach_sources
from app.gui.chat_tools import attach_tool_calls
from app.gui.message_widget import MessageWidget
from app.gui.qt import (
    QEvent,
    QFrame,
    QLabel,
    QScrollArea,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from app.services.conversations import ConversationView, MessageView

RENDER_INTERVAL_MS = 40


class ChatView(QWidget):
    """The messages of the open conversation, and the live reply when it belongs here."""

    regenerate_requested = Signal()
    edit_requested = Signal(str, str)  # message id, new text
    version_requested = Signal(str)  # show the branch through this message (another version)
    rendered = Signal()  # the live message was re-rendered (tests and benches wait on it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversation_id: str | None = None
        self.conversation: ConversationView | None = None
        self.widgets: list[MessageWidget] = []
        self.live: MessageWidget | None = None
        self.welcome: QWidget | None = None  # shown above an empty chat until dismissed
        self._busy = False
        self._live_text = ""
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render_live)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("emptyHint")
        self.summary_label.setWordWrap(True)
        self.summary_label.setVisible(False)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.container = QWidget()
        self.column = QVBoxLayout(self.container)
        self.column.setContentsMargins(12, 12, 12, 12)
        self.column.setSpacing(10)
        self.column.addWidget(self.summary_label)
        self.column.addWidget(self.empty_label)
        self.column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("chatScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.container)
        self._stick_to_bottom = True
        bar = self.scroll.verticalScrollBar()
        bar.valueChanged.connect(self._remember_position)
        bar.rangeChanged.connect(self._follow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.retranslate()

    # -- showing a conversation ---------------------------------------------------------------

    def show_conversation(self, view: ConversationView | None, live_message_id: str | None = None,
                          live_text: str = "") -> None:
        """Show ``view``; if its ``live_message_id`` is being written, show ``live_text`` for it."""
        self._clear()
        self.conversation = view
        self.conversation_id = view.id if view is not None else None
        messages = [m for m in view.messages if m.role != "system"] if view is not None else []
        last_assistant = max((i for i, m in enumerate(messages) if m.role == "assistant"),
                             default=None)
        for i, m in enumerate(messages):
            w = self._add(m.role, m.content, message=m, can_regenerate=i == last_assistant)
            if live_message_id is not None and m.id == live_message_id:
                self.live = w
                w.set_status("streaming")
                w.set_content(live_text or m.content)
        if live_message_id is not None and self.live is None:
            # The reply's row is not stored yet: show it as it is being written.
            self.begin_pending(None)
            self.update_live(live_text)
        self.summary_label.setVisible(bool(view is not None and view.summary))
        self._stick_to_bottom = True
        self._update_empty()

    def refresh_messages(self, view: ConversationView) -> None:
        """Show ``view`` again, reusing the bubbles when only ids, status or stats changed.

        After a reply the stored messages are the ones on screen; patching them in
        place avoids re-rendering a long conversation's Markdown.
        """
        messages = [m for m in view.messages if m.role != "system"]
        same = len(messages) == len(self.widgets) and all(
            w.role == m.role and w.content == m.content for w, m in zip(self.widgets, messages, strict=True)
        )
        if not same or self.live is not None:
            self.show_conversation(view)
            return
        self.conversation = view
        last_assistant = max((i for i, m in enumerate(messages) if m.role == "assistant"),
                             default=None)
        for i, (w, m) in enumerate(zip(self.widgets, messages, strict=True)):
            w.set_message(m, can_regenerate=i == last_assistant)
            attach_sources(w, m.stats)  # an answer from documents: its cited passages
            attach_tool_calls(w, m.tool_calls)  # the tools it called, each a block
        self.summary_label.setVisible(bool(view.summary))

    def begin_pending(self, user_text: str | None) -> None:
        """Show at once what was just asked (if anything) and an empty reply to fill."""
        if user_text is not None:
            self._add("user", user_text)
        for w in self.widgets:
            w.regenerate_button.setVisible(False)
        self.live = self._add("assistant", "")
        self._live_text = ""
        self._stick_to_bottom = True
        self._update_empty()

    def truncate_after(self, message_id: str, *, keep: bool) -> None:
        """Drop the messages after ``message_id`` (and it too unless ``keep``), for a resend."""
        for i, w in enumerate(self.widgets):
            if w.message_id == message_id:
                for gone in self.widgets[i + (1 if keep else 0):]:
                    gone.deleteLater()
                del self.widgets[i + (1 if keep else 0):]
                return

    def drop_last_reply(self) -> None:
        if self.widgets and self.widgets[-1].role == "assistant":
            self.widgets.pop().deleteLater()

    def update_live(self, text: str) -> None:
        """The live reply's text so far; drawn on the next render tick."""
        self._live_text = text
        if not self._render_timer.isActive():
            self._render_timer.start()

    def end_live(self, status: str) -> None:
        self._render_live()
        if self.live is not None:
            self.live.set_status(status)
        self.live = None

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for w in self.widgets:
            w.set_busy(busy)

    def message_widgets(self) -> list[MessageWidget]:
        return list(self.widgets)

    # -- internals ----------------------------------------------------------------------------

    def _add(self, role: str, content: str, *, message: MessageView | None = None,
             can_regenerate: bool = False) -> MessageWidget:
        w = MessageWidget(role, content, message=message, can_regenerate=can_regenerate)
        attach_sources(w, message.stats if message is not None else None)
        attach_tool_calls(w, message.tool_calls if message is not None else ())
        w.regenerate_requested.connect(self.regenerate_requested)
        w.edit_submitted.connect(self.edit_requested)
        w.version_requested.connect(self.version_requested)
        w.set_busy(self._busy)
        self.column.insertWidget(self.column.count() - 1, w)
        self.widgets.append(w)
        return w

    def _clear(self) -> None:
        self._render_timer.stop()
        for w in self.widgets:
            w.setParent(None)
            w.deleteLater()
        self.widgets.clear()
        self.live = None

    def _render_live(self) -> None:
        self._render_timer.stop()
        if self.live is not None:
            self.live.set_content(self._live_text)
            self.rendered.emit()

    def set_welcome(self, welcome: QWidget | None) -> None:
        """Show ``welcome`` at the top of an empty chat (None takes it away)."""
        if self.welcome is not None:
            self.welcome.setParent(None)
            self.welcome.deleteLater()
        self.welcome = welcome
        if welcome is not None:
            self.column.insertWidget(0, welcome)
        self._update_empty()

    def _update_empty(self) -> None:
        if self.welcome is not None:
            self.welcome.setVisible(not self.widgets)
        self.empty_label.setVisible(not self.widgets and self.welcome is None)

    def _remember_position(self, value: int) -> None:
        bar = self.scroll.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - 24

    def _follow(self, _min: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.scroll.verticalScrollBar().setValue(maximum)

    def retranslate(self) -> None:
        self.empty_label.setText(self.tr("Write a message below to start the conversation."))
        self.summary_label.setText(
            self.tr("Earlier messages were summarised so the conversation fits the model's context.")
        )
        self.scroll.setAccessibleName(self.tr("Conversation"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
