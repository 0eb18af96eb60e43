"""The administrator's policy in the desktop app: a policy that cannot be used stops the app
with a message box before any window opens; a setting the policy locks is shown locked, at
the policy's value, and the dialog cannot change it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.gui.main_window import MainWindow
from app.gui.qt import QApplication, QDialogButtonBox, QLabel, QMessageBox, Qt, QTimer
from app.gui.settings_dialog import SettingsDialog
from tests.policy_helpers import BROKEN_IDS, BROKEN_POLICIES, admin_key, write_policy


def run_app_closing_the_first_message_box(data: Path) -> tuple[int, list[str]]:
    """Start the app as `autoglm gui` does; read and close the message box it shows."""
    from app.gui.app import main

    (data / "config").mkdir(parents=True)
    (data / "config" / "settings.json").write_text('{"language": "en"}')  # as the other tests
    seen: list[str] = []
    timer = QTimer()

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.extend([box.objectName(), box.windowTitle(), box.text(), box.informativeText()])
            box.done(0)

    timer.timeout.connect(close_box)
    timer.start(20)
    try:
        code = main(["--data-dir", str(data)])
    finally:
        timer.stop()
    return code, seen


@pytest.mark.parametrize("make, error, message", BROKEN_POLICIES, ids=BROKEN_IDS)
def test_a_policy_that_cannot_be_used_stops_the_app_with_a_message_before_the_window(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, error, message) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.json"
    make(policy)
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    code, seen = run_app_closing_the_first_message_box(tmp_path / "data")
    assert code == error.exit_code
    name, title, text, detail = seen
    assert name == "policyRejected" and title == "Open-AutoGLM cannot start"
    assert "will not start" in text and message in detail and str(policy) in detail
    assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())


def test_a_setting_the_policy_locks_is_shown_at_its_value_and_cannot_be_changed(
        qtbot, ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ctx.settings.set("temperature", 1.1)
    policy = write_policy(tmp_path / "policy.json", {"locked_settings": {"temperature": 0.2}})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    spin = dialog.editor("temperature")
    assert not spin.isEnabled() and spin.value() == pytest.approx(0.2)
    assert str(policy) in spin.toolTip()
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is spin]
    assert labels == ["Temperature (locked by policy)"]
    spin.setValue(1.9)  # what no user can do (it is disabled); the dialog still keeps it out
    dialog.editor("top_k").setValue(12)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert ctx.settings.get("temperature") == 0.2 and ctx.settings.get("top_k") == 12
    saved = json.loads(ctx.settings.path.read_text(encoding="utf-8"))
    assert saved["temperature"] == 1.1  # the user's own choice, back when the policy goes


def test_a_key_made_in_settings_carries_the_role_chosen(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from app.gui.server_page import ServerPage

    window.settings_action.trigger()
    page = window.settings_dialog.findChild(ServerPage)
    assert [page.role_choice.itemData(i) for i in range(page.role_choice.count())] == [
        "user", "auditor", "admin"]
    page.role_choice.setCurrentIndex(page.role_choice.findData("auditor"))
    qtbot.mouseClick(page.create_key_button, Qt.MouseButton.LeftButton)
    page.name_dialog.setTextValue("audit dashboard")
    with qtbot.waitSignal(page.keys_changed, timeout=10_000):
        page.name_dialog.accept()
    page.secret_dialog.reject()
    assert [(k.name, k.role) for k in window.ctx.api_keys.list()] == [("audit dashboard", "auditor")]
    assert page.row_texts(0)["role"] == "Auditor: also reads the audit log"
    window.settings_dialog.reject()


def test_serving_other_computers_is_locked_where_the_policy_forbids_it(
        qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from app.gui.server_page import ServerPage

    policy = write_policy(tmp_path / "policy.json", {"serve_off_loopback": False})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    window.settings_action.trigger()
    page = window.settings_dialog.findChild(ServerPage)
    assert not page.allow_network.isEnabled() and not page.allow_network.isChecked()
    assert "policy" in page.allow_network.toolTip()
    window.settings_dialog.reject()


def test_help_shows_what_the_administrators_policy_fixes(
        qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from app.gui.policy_view import PolicyDialog

    window.policy_action.trigger()
    empty = window.findChild(PolicyDialog)
    assert "built-in defaults apply" in empty.summary.text() and empty.rows() == {}
    empty.close()
    policy = write_policy(tmp_path / "policy.json", {
        "retention_days": 30, "allow_unsigned_models": False,
        "sync_server": "https://dav.example.org/", "locked_settings": {"temperature": 0.2}})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    window.policy_action.trigger()
    qtbot.waitUntil(lambda: len(window.findChildren(PolicyDialog)) == 1)
    dialog = window.findChild(PolicyDialog)
    assert str(policy) in dialog.summary.text() and admin_key().key_id in dialog.summary.text()
    rows = dialog.rows()
    assert rows["Retention (days)"] == "30" and rows["Unsigned models allowed"] == "No"
    assert rows["Sync server"] == "https://dav.example.org/"
    assert rows["Locked settings"] == ("temperature = 0.2, allow_unsigned = False, "
                                       "retention_days = 30")
    assert rows["API roles"] == "admin, auditor, user"
    dialog.close()
