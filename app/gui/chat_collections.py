"""Documents in the chat: the collections the open conversation answers from (with
long-context mode beside them), and the cited passages shown under each answer from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from app.gui.qt import (
    QAction,
    QCheckBox,
    QDesktopServices,
    QEvent,
    QHBoxLayout,
    QLabel,
    QMenu,
    Qt,
    QToolButton,
    QUrl,
    QWidget,
    Signal,
    translate,
)
from app.services.doc_chat import DocumentChoice


class CollectionChooser(QWidget):
    """"Answer from: …" with a menu of the collections (any number may be ticked) and the
    "Read whole documents" box; ``changed`` says when the user changes either."""

    changed = Signal(object)  # the DocumentChoice

    def __init__(self, names: Callable[[], Sequence[str]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatCollections")
        self._names = names or (lambda: [])
        self._chosen: tuple[str, ...] = ()
        self.label = QLabel()
        self.button = QToolButton()
        self.button.setObjectName("chatCollectionsButton")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self.menu.aboutToShow.connect(self.refresh)
        self.button.setMenu(self.menu)
        self.whole = QCheckBox()
        self.whole.setObjectName("chatWholeDocuments")
        self.whole.toggled.connect(lambda _on: self._changed())
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(self.label)
        row.addWidget(self.button)
        row.addWidget(self.whole)
        row.addStretch(1)
        self.refresh()
        self.retranslate()

    def choice(self) -> DocumentChoice:
        return DocumentChoice(self._chosen, self.whole.isChecked() and bool(self._chosen))

    def set_choice(self, choice: DocumentChoice) -> None:
        """Show a conversation's choice (no ``changed``: the user did not change it)."""
        self._chosen = tuple(choice.collections)
        self.whole.blockSignals(True)
        self.whole.setChecked(choice.whole)
        self.whole.blockSignals(False)
        self.refresh()
        self.retranslate()

    def refresh(self) -> None:
        """The menu again, with the collections as they are now (kept ticks included)."""
        self.menu.clear()
        names = list(dict.fromkeys([*self._names(), *self._chosen]))
        for name in names:
            action = QAction(name, self.menu)
            action.setCheckable(True)
            action.setChecked(name in self._chosen)
            action.toggled.connect(lambda on, n=name: self._toggle(n, on))
            self.menu.addAction(action)
        if not names:
            empty = QAction(self.tr("No collections yet: add documents with File → Documents…"),
                            self.menu)
            empty.setEnabled(False)
            self.menu.addAction(empty)

    def actions_by_name(self) -> dict[str, QAction]:
        return {a.text(): a for a in self.menu.actions() if a.isCheckable()}

    def add_control(self, widget: QWidget) -> None:
        """Put another of the conversation's choices on this row (the tools menu)."""
        row = self.layout()
        if isinstance(row, QHBoxLayout):
            row.insertWidget(row.count() - 1, widget)  # before the stretch

    def _toggle(self, name: str, on: bool) -> None:
        chosen = [n for n in self._chosen if n != name]
        if on:
            chosen.append(name)
        self._chosen = tuple(chosen)
        self._changed()

    def _changed(self) -> None:
        self.retranslate()
        self.changed.emit(self.choice())

    def retranslate(self) -> None:
        self.label.setText(self.tr("Answer from:"))
        self.button.setText(", ".join(self._chosen) if self._chosen
                            else self.tr("the model alone"))
        self.button.setToolTip(self.tr("Collections of documents this conversation answers "
                                       "from, citing their passages"))
        self.whole.setText(self.tr("Read whole documents"))
        self.whole.setToolTip(self.tr("Give the model whole documents instead of passages "
                                      "when they fit its window (long-context mode)"))
        self.whole.setEnabled(bool(self._chosen))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def sources_html(record: Mapping[str, Any]) -> str:
    """The passages an answer from documents rests on (or was given), each a link that opens
    its file (at its page, for viewers that read ``#page=N``); how the documents were given
    (whole, or passages because they did not fit) above them."""
    parts = []
    if record.get("mode") == "whole":
        said = translate("SourcesView", "Whole documents were read (long-context mode).")
        parts.append(f"<p><i>{escape(said)}</i></p>")
    elif record.get("note"):
        said = translate("SourcesView", "The documents do not fit the model’s window whole, so "
                                        "the answer is from passages.")
        parts.append(f"<p><i>{escape(said)}</i></p>")
    sources = record.get("sources") or []
    if sources:
        title = (translate("SourcesView", "Sources") if record.get("cited")
                 else translate("SourcesView", "Passages given (none cited)"))
        parts.append(f"<p><b>{escape(title)}</b></p>")
    restated = translate("SourcesView", "restated, not cited")
    for s in sources:
        note = f" — {escape(restated)}" if s.get("how") == "matched" else ""
        url = QUrl.fromLocalFile(str(s.get("path", "")))
        if s.get("page") is not None and s.get("sheet") is None:
            url.setFragment(f"page={s['page']}")
        parts.append(f'<p>[{s.get("number")}] <a href="{url.toString()}">'
                     f'{escape(str(s.get("source", "")))}</a>{note}<br>'
                     f'<i>{escape(str(s.get("excerpt", "")))}</i></p>')
    return "".join(parts)


class SourcesView(QLabel):
    """The cited passages under an answer from documents."""

    def __init__(self, record: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageSources")
        self.record = dict(record)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(sources_html(self.record))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def attach_sources(widget: QWidget, stats: Mapping[str, Any] | None) -> SourcesView | None:
    """Show under a message widget the passages its stats record (once; None if none)."""
    record = (stats or {}).get("documents")
    found = widget.findChild(SourcesView, "messageSources")
    if not record or found is not None:
        return found
    view = SourcesView(record, widget)
    layout = widget.layout()
    if layout is not None:
        layout.addWidget(view)
    return view
