"""Tools in the window, with the real default model and a tiny MCP server started through
the user's configuration: ticked in the chat's Tools menu, each call shown as a block of
its own, and a tool with effects asking first — denied (the server is never called, the
denial shown) and allowed (its result shown and stored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import WAIT_MS, send

from app.gui.chat_tools import tool_call_views
from app.gui.qt import Qt
from app.tools import mcp
from tests.mcp_helpers import notes, notes_server

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def stop_servers() -> Iterator[None]:
    yield
    mcp.close_all()


def answer_approval(qtbot, window, allow: bool) -> None:  # type: ignore[no-untyped-def]
    """Wait for the question a tool with effects asks, then press Allow or Deny."""
    controller = window.controller
    qtbot.waitUntil(lambda: controller.approval is not None and controller.approval.isVisible(),
                    timeout=WAIT_MS)
    dialog = controller.approval
    assert "notes.add_note" in dialog.text()
    qtbot.mouseClick(dialog.allow_button if allow else dialog.deny_button, Qt.MouseButton.LeftButton)


def test_a_tool_call_is_asked_for_shown_as_a_block_and_stored(
    qtbot, ctx, make_window, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "notes"
    ctx.settings.set("mcp_servers", [notes_server(folder)])
    ctx.settings.set("temperature", 0.0)
    window = make_window()
    chooser = window.controller.tools_chooser
    qtbot.waitUntil(lambda: "notes.add_note" in chooser.actions_by_name(), timeout=WAIT_MS)
    chooser.actions_by_name()["notes.add_note"].trigger()
    chooser.require_action.trigger()
    assert chooser.button.text() == "notes.add_note"

    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        send(qtbot, window, "Save a note that says: buy milk.")
        answer_approval(qtbot, window, allow=False)
    assert notes(folder) == []  # denied: the server was never called
    reply = window.chat_view.message_widgets()[-1]
    denied = tool_call_views(reply)
    assert len(denied) == 1 and "denied by you" in denied[0].label.text()
    cid = window.controller.current_id
    stored = window.controller.conversations.get(cid).messages[-1]
    assert [c.outcome for c in stored.tool_calls] == ["refused"]

    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        send(qtbot, window, "Save a note that says: call mum.")
        answer_approval(qtbot, window, allow=True)
    assert len(notes(folder)) == 1
    reply = window.chat_view.message_widgets()[-1]
    shown = tool_call_views(reply)
    assert len(shown) == 1 and f"Saved the note: {notes(folder)[0]}" in shown[0].label.text()
    assert "done" in shown[0].label.text()
    stored = window.controller.conversations.get(cid).messages[-1]
    assert [(c.outcome, c.result) for c in stored.tool_calls] == [
        ("ok", f"Saved the note: {notes(folder)[0]}")]


def test_the_policy_view_says_which_tools_the_model_may_call(
    qtbot, ctx, gui_settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from app.gui.policy_view import PolicyDialog
    from tests.policy_helpers import write_policy

    write_policy(tmp_path / "no-policy.json", {"tools": {
        "allowed": ["calculator", "files.*"], "mcp_servers": False,
        "api_function_calling": False}})
    dialog = PolicyDialog(ctx)
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    assert rows["Tools the model may call"] == "Only: calculator, files.* (no MCP servers)"
    assert rows["Function calling on the API"] == "Forbidden"


def test_mcp_servers_are_configured_from_the_tools_menu_and_a_mistake_is_named(
    qtbot, ctx, make_window, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    window = make_window()
    chooser = window.controller.tools_chooser
    chooser.servers_action.trigger()
    dialog = window.controller.servers_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.editor.setPlainText('[{"name": "web", "command": "https://example.org/mcp"}]')
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert "only local programs" in dialog.error.text() and dialog.isVisible()
    assert ctx.settings.get("mcp_servers") == []  # nothing saved
    import json

    dialog.editor.setPlainText(json.dumps([notes_server(tmp_path / "notes")]))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert ctx.settings.get("mcp_servers")[0]["name"] == "notes"
    qtbot.waitUntil(lambda: "notes.add_note" in chooser.actions_by_name(), timeout=WAIT_MS)
