"""Tools in a stored conversation, on the real default model: a tiny MCP server written
here, started through the user's configuration, whose tool the model must call (greedy
decoding, a required call: the test is about the mechanism). Denied, the server is never
called and the refusal is kept; allowed, its result is kept with the reply; both are in
the export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.types import SamplingParams
from app.security.policy import ToolForbidden
from app.services.conversation_tools import (
    enabled_tools,
    send_with_tools,
    set_tools,
    tool_choices,
)
from app.services.conversations import Conversations
from app.tools import mcp
from tests.mcp_helpers import notes, notes_server
from tests.policy_helpers import write_policy

GREEDY = SamplingParams(temperature=0.0, max_tokens=12)


@pytest.fixture(autouse=True)
def stop_servers() -> Iterator[None]:
    yield
    mcp.close_all()


def test_an_mcp_tool_runs_from_a_conversation_only_when_the_user_allows_it_and_every_call_is_kept(
    convs: Conversations, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    convs.ctx.settings.set("mcp_servers", [notes_server(folder)])
    conv = convs.create()
    set_tools(convs, conv.id, ["notes.add_note"])
    assert enabled_tools(convs, conv.id) == ["notes.add_note"]
    asked: list[tuple[str, dict[str, Any]]] = []

    def deny(name: str, arguments: dict[str, Any]) -> bool:
        asked.append((name, arguments))
        return False

    denied = send_with_tools(convs, conv.id, "Save a note that says: buy milk.", approve=deny,
                             params=GREEDY, required=True)
    assert [name for name, _ in asked] == ["notes.add_note"]
    assert denied.calls[0].outcome == "refused" and denied.status == "complete"
    assert notes(folder) == []  # the server was never called
    kept = convs.get(conv.id).messages[-1]
    assert kept.id == denied.message.id
    assert [(c.name, c.outcome, c.result) for c in kept.tool_calls] == [
        ("notes.add_note", "refused", "The user did not allow this call.")]

    allowed = send_with_tools(convs, conv.id, "Save a note that says: call mum.",
                              approve=lambda name, arguments: True, params=GREEDY, required=True)
    call = allowed.calls[0]
    assert call.outcome == "ok" and notes(folder) == [call.arguments["text"]]
    assert call.result == f"Saved the note: {call.arguments['text']}"
    view = convs.get(conv.id)
    reply = view.messages[-1]
    assert reply.content == allowed.text and reply.status == "complete"
    assert [(c.name, c.arguments, c.result, c.outcome) for c in reply.tool_calls] == [
        ("notes.add_note", call.arguments, call.result, "ok")]
    assert [m.role for m in view.messages] == ["user", "assistant", "user", "assistant"]

    markdown = convs.export(conv.id, "markdown")
    assert "**Tool call:** `notes.add_note`" in markdown and "not allowed by the user" in markdown
    assert call.result in markdown
    exported = json.loads(convs.export(conv.id, "json"))
    assert [c["outcome"] for m in exported["messages"] for c in m["tool_calls"]] == ["refused", "ok"]
    from app.services.audit import AuditTrail

    outcomes = [r.outcome for r in AuditTrail(convs.ctx).list(action="tool.call")]
    assert sorted(outcomes) == ["ok", "refused"]


def test_a_tool_the_policy_forbids_cannot_be_enabled_for_a_conversation(
    convs: Conversations, tmp_path: Path
) -> None:
    write_policy(tmp_path / "no-policy.json", {"tools": {"allowed": ["current_time"]}})
    conv = convs.create()
    with pytest.raises(ToolForbidden, match="calculator: not allowed by the administrator's policy"):
        set_tools(convs, conv.id, ["calculator"])
    assert enabled_tools(convs, conv.id) == []
    assert [c.name for c in tool_choices(convs, conv.id)] == ["current_time"]


def test_a_reply_whose_tool_server_will_not_start_is_refused_saying_why_and_saves_nothing(
    convs: Conversations, tmp_path: Path
) -> None:
    from app.services.tools import UnknownTool

    convs.ctx.settings.set("mcp_servers", [{"name": "gone", "command": str(tmp_path / "nothing")}])
    conv = convs.create()
    with convs.store.repo() as repo:  # enabled while the server still worked
        repo.update_conversation(conv.id, settings={"tools": ["gone.lookup"]})
    with pytest.raises(UnknownTool, match="the tool server 'gone' could not start"):
        send_with_tools(convs, conv.id, "Look it up.", approve=None, params=GREEDY)
    assert convs.get(conv.id).messages == ()
