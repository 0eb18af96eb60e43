"""The conversations on the left: search, new chat, rename, delete with undo, export.

The widget only shows summaries and says what the user asked for; the main
window does the work through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.icons import icon
from app.gui.qt import (
    QAbstractItemView,
    QEvent,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPoint,
    QPushButton,
    QShortcut,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from app.services.conversations import ConversationSummary

ID_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1  # the stored title; "" shows a placeholder
UNDO_SHOWN_MS = 10_000
SEARCH_DELAY_MS = 200


class ConversationList(QWidget):
    """Conversation summaries with the actions on them."""

    selected = Signal(str)
    new_requested = Signal()
    search_changed = Signal(str)
    rename_requested = Signal(str, str)
    delete_requested = Signal(str)
    undo_requested = Signal(str)
    export_requested = Signal(str, str)  # id, "markdown" | "json"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._populating = False
        self._deleted_id: str | None = None
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.search_changed.emit(self.query()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.new_button = self._button("new-chat", self.new_requested.emit, "newChatButton")
        self.rename_button = self._button("rename", self.rename_current, "renameButton")
        self.delete_button = self._button("delete", self.delete_current, "deleteButton")
        self.export_button = self._button("export", self._export_menu_at_button, "exportButton")
        self.list = QListWidget()
        self.list.setObjectName("conversationList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.DoubleClicked)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._item_edited)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.undo_label = QLabel()
        self.undo_button = QPushButton(icon("undo"), "")
        self.undo_button.setObjectName("undoButton")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_bar = QFrame()
        self.undo_bar.setObjectName("undoBar")
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(8, 4, 4, 4)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.setVisible(False)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SHOWN_MS)
        self._undo_timer.timeout.connect(self.hide_undo)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_current)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addStretch(1)
        for b in (self.rename_button, self.export_button, self.delete_button):
            actions.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.undo_bar)
        layout.addLayout(actions)
        self.retranslate()
        self._update_actions()

    def _button(self, icon_name: str, slot, name: str) -> QToolButton:  # noqa: ANN001
        b = QToolButton()
        b.setObjectName(name)
        b.setIcon(icon(icon_name))
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # -- contents -----------------------------------------------------------------------------

    def query(self) -> str:
        return self.search.text().strip()

    def populate(self, summaries: list[ConversationSummary], current_id: str | None) -> None:
        """Replace the list; keep ``current_id`` selected without re-announcing it."""
        self._populating = True
        try:
            self.list.clear()
            for s in summaries:
                item = QListWidgetItem(s.title or self.tr("New conversation"))
                item.setData(ID_ROLE, s.id)
                item.setData(TITLE_ROLE, s.title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                tip = s.snippet or s.title
                item.setToolTip(tip.replace("\n", " ")[:300] if tip else "")
                self.list.addItem(item)
                if s.id == current_id:
                    self.list.setCurrentItem(item)
        finally:
            self._populating = False
        self.empty_label.setVisible(not summaries)
        self._update_actions()

    def ids(self) -> list[str]:
        return [self.list.item(i).data(ID_ROLE) for i in range(self.list.count())]

    def titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def select(self, conversation_id: str) -> bool:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == conversation_id:
                self.list.setCurrentRow(i)
                return True
        return False

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self._update_actions()
        if current is not None and not self._populating:
            self.selected.emit(current.data(ID_ROLE))

    def _update_actions(self) -> None:
        has = self.list.currentItem() is not None
        for b in (self.rename_button, self.delete_button, self.export_button):
            b.setEnabled(has)

    # -- actions ------------------------------------------------------------------------------

    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _item_edited(self, item: QListWidgetItem) -> None:
        if self._populating:
            return
        title = item.text().strip()
        if title and title != item.data(TITLE_ROLE):
            self.rename_requested.emit(item.data(ID_ROLE), title)

    def delete_current(self) -> None:
        conversation_id = self.current_id()
        if conversation_id is not None:
            self.delete_requested.emit(conversation_id)

    def show_undo(self, conversation_id: str, title: str) -> None:
        self._deleted_id = conversation_id
        self.undo_label.setText(self.tr("Deleted “%1”").replace("%1", title or self.tr("New conversation")))
        self.undo_bar.setVisible(True)
        self._undo_timer.start()

    def hide_undo(self) -> None:
        self._undo_timer.stop()
        self.undo_bar.setVisible(False)
        self._deleted_id = None

    def undo_delete(self) -> None:
        if self._deleted_id is not None:
            conversation_id = self._deleted_id
            self.hide_undo()
            self.undo_requested.emit(conversation_id)

    def _export_menu(self) -> QMenu:
        menu = QMenu(self)
        conversation_id = self.current_id()
        if conversation_id is not None:
            menu.addAction(self.tr("Export as Markdown…"),
                           lambda: self.export_requested.emit(conversation_id, "markdown"))
            menu.addAction(self.tr("Export as JSON…"),
                           lambda: self.export_requested.emit(conversation_id, "json"))
        return menu

    def _export_menu_at_button(self) -> None:
        self._export_menu().popup(self.export_button.mapToGlobal(QPoint(0, self.export_button.height())))

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction(icon("rename"), self.tr("Rename"), self.rename_current)
        export = self._export_menu()
        export.setTitle(self.tr("Export"))
        menu.addMenu(export)
        menu.addSeparator()
        menu.addAction(icon("delete"), self.tr("Delete"), self.delete_current)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    # -- translation --------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search conversations (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.new_button.setToolTip(self.tr("New chat (Ctrl+N)"))
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.rename_button.setToolTip(self.tr("Rename the conversation (F2)"))
        self.rename_button.setAccessibleName(self.tr("Rename"))
        self.delete_button.setToolTip(self.tr("Delete the conversation (Del)"))
        self.delete_button.setAccessibleName(self.tr("Delete"))
        self.export_button.setToolTip(self.tr("Export the conversation"))
        self.export_button.setAccessibleName(self.tr("Export"))
        self.list.setAccessibleName(self.tr("Conversations"))
        self.empty_label.setText(self.tr("No conversations yet.") if not self.query()
                                 else self.tr("No conversation matches the search."))
        self.undo_button.setText(self.tr("Undo"))
        self.undo_button.setAccessibleName(self.tr("Undo delete"))
        self._populating = True
        try:
            for i in range(self.list.count()):
                item = self.list.item(i)
                if not item.data(TITLE_ROLE):
                    item.setText(self.tr("New conversation"))
        finally:
            self._populating = False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
