"""The sync conflicts view: what a merge kept and what it set aside, side by side, with
"Restore the other" and "Keep". The work is app.services.sync's, off the GUI thread."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QEvent,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from app.gui.widgets import row_table, wrapped_label

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.conversations import Conversations
    from app.store.sync_rows import ConflictRecord

log = logging.getLogger(__name__)

COLUMNS = 4  # conversation, what, kept, the other
CELL_CHARS = 60


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def _cell(value: str) -> str:
    line = " ".join(value.split())
    return line if len(line) <= CELL_CHARS else line[: CELL_CHARS - 1] + "…"


class ConflictsDialog(QDialog):
    """Open sync conflicts, newest first; the one picked is shown in full below."""

    loaded = Signal()  # the list shows what the store holds now
    resolved = Signal(str)  # a conflict of this conversation was restored or kept

    def __init__(self, conversations: Conversations, taskman: TaskManager,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.conversations = conversations
        self.taskman = taskman
        self.rows: list[tuple[ConflictRecord, str | None]] = []  # conflict, conversation title
        self.intro = wrapped_label()
        self.table = row_table(COLUMNS, "conflictTable")
        self.table.itemSelectionChanged.connect(self._picked)
        self.kept_label, self.other_label = QLabel(), QLabel()
        self.kept_text, self.other_text = QPlainTextEdit(), QPlainTextEdit()
        self.kept_text.setObjectName("keptValue")
        self.other_text.setObjectName("otherValue")
        sides = QHBoxLayout()
        for label, text in ((self.kept_label, self.kept_text), (self.other_label, self.other_text)):
            text.setReadOnly(True)
            label.setBuddy(text)
            column = QVBoxLayout()
            column.addWidget(label)
            column.addWidget(text, 1)
            sides.addLayout(column, 1)
        self.restore_button = QPushButton()
        self.restore_button.setObjectName("restoreOtherButton")
        self.restore_button.clicked.connect(self.restore_other)
        self.keep_button = QPushButton()
        self.keep_button.setObjectName("keepButton")
        self.keep_button.clicked.connect(self.keep)
        self.message = wrapped_label("conflictMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        actions = QHBoxLayout()
        actions.addWidget(self.restore_button)
        actions.addWidget(self.keep_button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(sides, 1)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)
        self.resize(820, 560)
        self.retranslate()
        self._picked()
        self.refresh()

    # -- the list -----------------------------------------------------------------------------

    def refresh(self) -> None:
        convs = self.conversations

        def load() -> list[tuple[ConflictRecord, str | None]]:
            from app.errors import AppError
            from app.services import sync

            found = sync.conflicts(convs.store)
            titles: dict[str, str | None] = {}
            for c in found:
                if c.conversation_id not in titles:
                    try:
                        titles[c.conversation_id] = convs.get(c.conversation_id).title
                    except AppError:  # deleted since
                        titles[c.conversation_id] = None
            return [(c, titles[c.conversation_id]) for c in found]

        self.taskman.run(load, self._show, self._failed)

    def _show(self, rows: list[tuple[ConflictRecord, str | None]]) -> None:
        if not is_alive(self):
            return
        picked = self.current()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, (conflict, title) in enumerate(rows):
            kept, other = _text(conflict.kept), _text(conflict.other)
            cells = (self._title(title), self.what(conflict), _cell(kept), _cell(other))
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip((kept, other)[col - 2] if col >= 2 else value)
                self.table.setItem(r, col, item)
        again = next((r for r, (c, _t) in enumerate(rows) if picked and c.pk == picked.pk), 0)
        if rows:
            self.table.selectRow(again)
        self._picked()
        self.loaded.emit()

    def _title(self, title: str | None) -> str:
        if title is None:
            return self.tr("(a deleted conversation)")
        return title or self.tr("(untitled)")

    def what(self, conflict: ConflictRecord) -> str:
        """What the conflict is about, in words."""
        if conflict.kind == "field":
            names = {
                "title": self.tr("Title"),
                "system_prompt": self.tr("System prompt"),
                "model": self.tr("Model"),
                "settings": self.tr("Conversation settings"),
                "summary": self.tr("Summary"),
            }
            return names.get(conflict.item, conflict.item)
        if conflict.kind == "message":
            return self.tr("Message text")
        if conflict.kind == "deleted":
            if conflict.item == "conversation":
                return self.tr("Deleted on another device, kept because it was edited here")
            return self.tr("Message deleted on one device, edited on another: kept")
        return conflict.kind

    def current(self) -> ConflictRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()][0]

    def _picked(self) -> None:
        conflict = self.current()
        self.kept_text.setPlainText(_text(conflict.kept) if conflict else "")
        self.other_text.setPlainText(_text(conflict.other) if conflict else "")
        self.keep_button.setEnabled(conflict is not None)
        self.restore_button.setEnabled(conflict is not None and conflict.other is not None)

    def _failed(self, exc: BaseException) -> None:
        if is_alive(self):
            self.message.setText(str(exc))

    # -- restore, keep ------------------------------------------------------------------------

    def restore_other(self) -> None:
        conflict = self.current()
        if conflict is None or conflict.other is None:
            return
        from app.services import sync

        convs, pk = self.conversations, conflict.pk
        what = self.what(conflict)
        self._busy(True)
        self.taskman.run(lambda: sync.restore(convs.ctx, convs.store, pk),
                         lambda _done: self._done(conflict, self.tr("Restored: %1").replace("%1", what)),
                         self._action_failed)

    def keep(self) -> None:
        conflict = self.current()
        if conflict is None:
            return
        from app.services import sync

        convs, pk = self.conversations, conflict.pk
        self._busy(True)
        self.taskman.run(lambda: sync.dismiss(convs.store, pk),
                         lambda _r: self._done(conflict, self.tr("Kept what is shown on the left.")),
                         self._action_failed)

    def _busy(self, on: bool) -> None:
        self.table.setEnabled(not on)
        self.restore_button.setEnabled(not on)
        self.keep_button.setEnabled(not on)

    def _done(self, conflict: ConflictRecord, message: str) -> None:
        self.resolved.emit(conflict.conversation_id)
        if not is_alive(self):
            return
        self._busy(False)
        self.message.setText(message)
        self.refresh()

    def _action_failed(self, exc: BaseException) -> None:
        if not is_alive(self):
            return
        self._busy(False)
        self._picked()
        self.message.setText(str(exc))

    # -- words --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sync conflicts"))
        self.intro.setText(self.tr(
            "The same thing was changed on two devices. Sync kept one version everywhere and "
            "set the other aside here: restore it, or keep what was kept."))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Conversation"), self.tr("What"), self.tr("Kept"), self.tr("The other")])
        self.kept_label.setText(self.tr("Kept"))
        self.other_label.setText(self.tr("The other"))
        self.restore_button.setText(self.tr("Restore the other"))
        self.keep_button.setText(self.tr("Keep"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        if self.rows:
            self._show(self.rows)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
