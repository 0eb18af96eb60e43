"""The audit log viewer: Help → Audit log… shows the records, filters them by action and
period, and Verify says whether the log is intact or where it was altered; in Chinese too."""

from __future__ import annotations

from gui_helpers import WAIT_MS

from app.cli import main
from app.gui.audit_view import AuditDialog
from app.gui.qt import QApplication, Qt
from app.services.audit import record


def _open_viewer(qtbot, window) -> AuditDialog:  # type: ignore[no-untyped-def]
    window.audit_action.trigger()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, AuditDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    return dialog


def test_the_viewer_lists_filters_and_verifies(qtbot, window, ctx) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        record(ctx, "trust.add", f"key:{i:016x}")
    dialog = _open_viewer(qtbot, window)
    rows = dialog.table.rowCount()
    newest = [dialog.table.item(0, c).text() for c in (3, 4, 5)]
    assert newest == ["trust.add", "key:0000000000000002", "ok"]
    # The settings the test's window was given are there too, older.
    shown = [dialog.table.item(r, 3).text() for r in range(rows)]
    assert shown[:3] == ["trust.add"] * 3 and "settings.change" in shown[3:]

    dialog.action_filter.setCurrentIndex(dialog.action_filter.findData("trust.add"))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT_MS)
    assert "Records shown: 3" in dialog.shown.text()
    dialog.period.setCurrentIndex(1)  # the last 24 hours: all of them
    qtbot.wait(50)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT_MS)

    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "intact" in dialog.verdict.text(), timeout=WAIT_MS)
    assert dialog.verify_button.isEnabled()

    seq = int(dialog.table.item(1, 0).text())
    with ctx.audit.store().engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("DROP TRIGGER audit_records_no_update")
        raw.execute(f"UPDATE audit_records SET outcome = 'refused' WHERE seq = {seq}")
        raw.commit()
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "altered" in dialog.verdict.text(), timeout=WAIT_MS)
    assert f"fails at record {seq}" in dialog.verdict.text()
    dialog.close()


def test_the_viewer_finds_a_cut_off_tail_against_a_kept_checkpoint(
        qtbot, window, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.gui import audit_view

    for i in range(4):
        record(ctx, "api.request", f"route:/v1/models#{i}")
    kept = tmp_path / "kept.json"
    assert main(["audit", "checkpoint", "-o", str(kept)]) == 0
    last = ctx.audit.list(limit=1)[0].seq
    with ctx.audit.store().engine.connect() as conn:
        raw = conn.connection.driver_connection
        for table in ("audit_records", "audit_checkpoints"):
            raw.execute(f"DROP TRIGGER {table}_no_delete")
        raw.execute(f"DELETE FROM audit_records WHERE seq > {last - 2}")
        raw.execute("DELETE FROM audit_checkpoints")
        raw.commit()
    dialog = _open_viewer(qtbot, window)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "intact" in dialog.verdict.text(), timeout=WAIT_MS)

    # The user picks the checkpoint file they kept (the file dialog answers for them).
    monkeypatch.setattr(audit_view.QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(kept), ""))
    qtbot.mouseClick(dialog.against_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "altered" in dialog.verdict.text(), timeout=WAIT_MS)
    assert f"fails at record {last - 1}" in dialog.verdict.text()
    assert "truncated" in dialog.verdict.text()

    kept.write_text("{}")  # not a checkpoint: said plainly, the buttons stay usable
    qtbot.mouseClick(dialog.against_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be checked" in dialog.verdict.text(), timeout=WAIT_MS)
    assert "holds no audit checkpoint" in dialog.verdict.text()
    assert dialog.against_button.isEnabled()
    dialog.close()


def test_the_viewer_speaks_chinese(qtbot, window, gui_settings) -> None:  # type: ignore[no-untyped-def]
    gui_settings.translations.apply("zh_CN")
    qtbot.waitUntil(lambda: window.audit_action.text() == "审计日志(&U)…", timeout=WAIT_MS)
    dialog = _open_viewer(qtbot, window)
    assert dialog.windowTitle() == "审计日志"
    assert dialog.verify_button.text() == "校验(&V)"
    assert dialog.action_filter.itemText(0) == "全部操作"
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(7)]
    assert headers == ["序号", "时间", "操作者", "操作", "对象", "结果", "详情"]
    assert "显示的记录" in dialog.shown.text()
    dialog.close()
