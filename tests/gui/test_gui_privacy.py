"""Help → Privacy and your data…: the processing records with the retention period, an
export through the file dialog, and an erasure that asks first (Cancel keeps everything,
Erase empties the conversation list); the daily retention purge while the window is open."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta

from gui_helpers import WAIT_MS
from sqlalchemy import update

from app.gui import privacy_dialog
from app.gui.privacy_dialog import PrivacyDialog, RetentionTimer
from app.gui.qt import QApplication, Qt
from app.services.processing_records import RECORDS
from app.store.schema import Conversation

ENGLISH = "The Lisbon office renews its lease in September"
CHINESE = "杭州办公室九月续租"


def _add_conversation(qtbot, window, title: str) -> str:  # type: ignore[no-untyped-def]
    store = window.controller.conversations.store
    with store.repo() as repo:
        conv = repo.create_conversation(title)
        repo.add_message(conv.id, "user", ENGLISH)
        repo.add_message(conv.id, "assistant", CHINESE)
    with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
        window.controller.refresh_list()
    return conv.id


def _open_dialog(qtbot, window) -> PrivacyDialog:  # type: ignore[no-untyped-def]
    assert window.privacy_action in window.help_menu.actions()
    window.privacy_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, PrivacyDialog) and w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == len(RECORDS), timeout=WAIT_MS)
    return dialog


def test_the_records_dialog_lists_every_record_and_saves_the_retention(
        qtbot, window, ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, window)
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(6)]
    assert headers == ["Data", "Purpose", "Legal basis", "Kept for", "Where",
                       "Leaves this computer"]
    assert dialog.table.item(0, 0).text().startswith("Conversations:")
    assert str(ctx.paths.database) in dialog.table.item(0, 4).text()
    assert "no retention period" in dialog.table.item(0, 3).text()
    assert dialog.retention.value() == 0 and dialog.retention.isEnabled()

    dialog.retention.setValue(30)
    qtbot.mouseClick(dialog.retention_apply, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Retention saved" in dialog.status.text(), timeout=WAIT_MS)
    assert ctx.settings.get("retention_days") == 30
    qtbot.waitUntil(lambda: "30 days" in dialog.table.item(0, 3).text(), timeout=WAIT_MS)
    dialog.close()


def test_export_then_erase_asks_first_and_cancel_keeps_everything(
        qtbot, window, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cid = _add_conversation(qtbot, window, "Office lease")
    assert window.conversation_list.list.count() == 1
    dialog = _open_dialog(qtbot, window)

    target = tmp_path / "everything.zip"
    monkeypatch.setattr(privacy_dialog.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), ""))  # the user picks the file
    with qtbot.waitSignal(dialog.exported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert f"Your data was written to {target}" in dialog.status.text()
    with zipfile.ZipFile(target) as archive:
        saved = archive.read(f"conversations/{cid}.json").decode("utf-8")
    assert ENGLISH in saved and CHINESE in saved

    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    assert "cannot be undone" in box.text()
    assert box.defaultButton() is dialog.erase_cancel_button
    qtbot.mouseClick(dialog.erase_cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Nothing was erased" in dialog.status.text(), timeout=WAIT_MS)
    assert window.conversation_list.list.count() == 1

    qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    assert dialog.confirm_box is not None
    with qtbot.waitSignals([dialog.erased, window.controller.listed], timeout=WAIT_MS):
        qtbot.mouseClick(dialog.erase_confirm_button, Qt.MouseButton.LeftButton)
    assert "Erased 1 conversations with 2 messages" in dialog.status.text()
    assert window.conversation_list.list.count() == 0
    last = ctx.audit.list(limit=1)[0]
    assert (last.action, last.details["conversations"]) == ("privacy.erase", 1)
    dialog.close()


def test_the_daily_purge_erases_conversations_past_the_retention_while_the_window_runs(
        qtbot, window, ctx) -> None:  # type: ignore[no-untyped-def]
    old = _add_conversation(qtbot, window, "Old lease")
    _add_conversation(qtbot, window, "New lease")
    ctx.settings.set("retention_days", 7)
    with window.controller.conversations.store.session() as session:
        session.execute(update(Conversation).where(Conversation.id == old)
                        .values(updated_at=datetime.now(UTC) - timedelta(days=8)))
    timer = RetentionTimer(ctx, window.taskman, window, interval_ms=50)  # a day, made short
    timer.purged.connect(lambda _n: window.controller.refresh_list())
    with qtbot.waitSignals([timer.purged, window.controller.listed], timeout=WAIT_MS):
        pass
    timer.timer.stop()
    assert window.conversation_list.list.count() == 1
    assert window.controller.conversations.list()[0].title == "New lease"
    assert ctx.audit.list(limit=1, action="privacy.retention")[0].details["conversations"] == 1
    assert window.retention.timer.interval() == 24 * 60 * 60 * 1000
