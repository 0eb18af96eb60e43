"""Tools in the chat: the menu of tools the open conversation may call, each call shown as
a block of its own in the reply (tool, arguments, result, time), and the question asked
before a tool with effects runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from app.gui.qt import (
    QAction,
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    translate,
)
from app.services.conversation_tools import ToolChoice

RESULT_CHARS = 1500  # of a result shown in the chat (the export keeps it whole)


class ToolsChooser(QWidget):
    """"Tools: …" with a menu of the tools this computer offers (any number may be ticked);
    ``changed`` gives the names ticked when the user changes them."""

    changed = Signal(object, bool)  # the names ticked, and whether a reply must call one
    servers_requested = Signal()  # "MCP servers…": the user wants to configure them

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatTools")
        self._choices: list[ToolChoice] = []
        self._chosen: tuple[str, ...] = ()
        self._problems: list[str] = []
        self._required = False
        self.require_action: QAction | None = None
        self.label = QLabel()
        self.button = QToolButton()
        self.button.setObjectName("chatToolsButton")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self.button.setMenu(self.menu)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.button)
        self.refresh()
        self.retranslate()

    def chosen(self) -> list[str]:
        return list(self._chosen)

    def required(self) -> bool:
        return self._required

    def set_choices(self, choices: Sequence[ToolChoice], problems: Sequence[str] = (),
                    required: bool = False) -> None:
        """The tools to offer and which are ticked for the open conversation (no
        ``changed``: the user did not change them)."""
        self._choices = list(choices)
        self._required = required
        self._chosen = tuple(c.name for c in choices if c.enabled)
        self._problems = list(problems)
        self.refresh()
        self.retranslate()

    def _builtin_text(self, name: str) -> tuple[str, str]:
        """The built-in tools' names and descriptions as the user reads them (the model
        reads the English ones of app.tools.builtin)."""
        texts = {
            "calculator": (self.tr("Calculator"),
                           self.tr("Works out arithmetic exactly, on this computer")),
            "current_time": (self.tr("Current date and time"),
                             self.tr("This computer's date, time and time zone")),
            "search_conversations": (self.tr("Search your conversations"),
                                     self.tr("Finds words in your earlier conversations on "
                                             "this computer")),
        }
        return texts.get(name, ("", ""))

    def refresh(self) -> None:
        self.menu.clear()
        self.require_action = None
        for choice in self._choices:
            label, tip = self._builtin_text(choice.name)
            text = label or choice.name  # an MCP server's tool keeps the server's name for it
            if choice.effects:
                text += " " + self.tr("(asks first)")
            action = QAction(text, self.menu)
            action.setObjectName(choice.name)
            action.setData(choice.name)
            action.setCheckable(True)
            action.setChecked(choice.name in self._chosen)
            action.setToolTip(tip or choice.description)
            action.toggled.connect(lambda on, n=choice.name: self._toggle(n, on))
            self.menu.addAction(action)
        if not self._choices:
            empty = QAction(self.tr("No tools are available"), self.menu)
            empty.setEnabled(False)
            self.menu.addAction(empty)
        else:
            self.menu.addSeparator()
            self.require_action = QAction(self.tr("Call a tool before answering"), self.menu)
            self.require_action.setObjectName("toolsRequired")
            self.require_action.setCheckable(True)
            self.require_action.setChecked(self._required)
            self.require_action.toggled.connect(self._require)
            self.menu.addAction(self.require_action)
        for problem in self._problems:  # a server that would not start, in its own words
            note = QAction(problem[:120], self.menu)
            note.setEnabled(False)
            self.menu.addAction(note)
        self.menu.addSeparator()
        self.servers_action = QAction(self.tr("MCP servers…"), self.menu)
        self.servers_action.setObjectName("toolServers")
        self.servers_action.triggered.connect(self.servers_requested.emit)
        self.menu.addAction(self.servers_action)

    def actions_by_name(self) -> dict[str, QAction]:
        return {str(a.data()): a for a in self.menu.actions() if a.isCheckable()}

    def _toggle(self, name: str, on: bool) -> None:
        chosen = [n for n in self._chosen if n != name]
        if on:
            chosen.append(name)
        self._chosen = tuple(chosen)
        self.retranslate()
        self.changed.emit(list(self._chosen), self._required)

    def _require(self, on: bool) -> None:
        self._required = on
        self.changed.emit(list(self._chosen), on)

    def retranslate(self) -> None:
        self.label.setText(self.tr("Tools:"))
        self.button.setText(", ".join(self._builtin_text(n)[0] or n for n in self._chosen)
                            if self._chosen else self.tr("none"))
        self.button.setToolTip(self.tr("Tools the model may call in this conversation; those "
                                       "that change something ask you first"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.refresh()
        super().changeEvent(event)


def call_html(call: Any) -> str:
    """A tool call as the chat shows it: the tool, how it ended and how long it took, its
    arguments and its result."""
    outcome = {
        "ok": translate("ToolCallView", "done"),
        "failed": translate("ToolCallView", "failed"),
        "refused": translate("ToolCallView", "denied by you"),
    }.get(call.outcome, call.outcome)
    head = translate("ToolCallView", "Tool %1").replace("%1", call.name)
    seconds = translate("ToolCallView", "%1 s").replace("%1", f"{call.seconds:.2f}")
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    result = call.result if len(call.result) <= RESULT_CHARS else call.result[:RESULT_CHARS] + "…"
    return (f"<p><b>{escape(head)}</b> — {escape(outcome)}, {escape(seconds)}</p>"
            f"<p><code>{escape(arguments)}</code></p>"
            f"<pre style='white-space: pre-wrap'>{escape(result)}</pre>")


class ToolCallView(QFrame):
    """One call the model made while writing a reply."""

    def __init__(self, call: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCall")
        self.setProperty("outcome", call.outcome)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.call = call
        self.label = QLabel()
        self.label.setObjectName("toolCallText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        self.retranslate()

    def retranslate(self) -> None:
        self.label.setText(call_html(self.call))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def add_tool_call(widget: QWidget, call: Any) -> ToolCallView:
    """Show ``call`` in a message's widget, after the calls already there and above the
    reply's text (the calls came first)."""
    shown = len(tool_call_views(widget))
    view = ToolCallView(call, widget)
    layout = widget.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(1 + shown, view)  # 0 is the header
    return view


def tool_call_views(widget: QWidget) -> list[ToolCallView]:
    return widget.findChildren(ToolCallView, "toolCall")


def attach_tool_calls(widget: QWidget, calls: Sequence[Any]) -> None:
    """Show a stored reply's calls (once)."""
    if calls and not tool_call_views(widget):
        for call in calls:
            add_tool_call(widget, call)


class ToolApproval(QMessageBox):
    """Asks whether a tool with effects may run, with what it would be given; ``decided``
    says Allow (True) or Deny (False), closing the box any other way denies."""

    decided = Signal(bool)

    def __init__(self, name: str, arguments: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolApproval")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(self.tr("Allow a tool?"))
        self.setText(self.tr("The model wants to call %1, which can change things outside "
                             "this conversation.").replace("%1", name))
        self.setInformativeText(self.tr("It would be given: %1").replace(
            "%1", json.dumps(arguments, ensure_ascii=False)[:800]))
        self.allow_button = self.addButton(self.tr("Allow"), QMessageBox.ButtonRole.AcceptRole)
        self.deny_button = self.addButton(self.tr("Deny"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.deny_button)
        self.setEscapeButton(self.deny_button)
        self._sent = False
        self.finished.connect(lambda _r: self._decide(self.clickedButton() is self.allow_button))

    def _decide(self, allowed: bool) -> None:
        if not self._sent:
            self._sent = True
            self.decided.emit(allowed)
