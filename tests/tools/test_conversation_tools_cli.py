"""Tools in a saved conversation from the command line: chosen with `autoglm tools set`
(the policy refuses one it forbids), a reply with `autoglm tools ask`, its calls kept with
the conversation."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import autoglm

from tests.policy_helpers import write_policy


def test_tools_set_for_a_conversation_are_used_by_tools_ask_and_kept_with_it(
    tmp_path: Path
) -> None:
    from app.services.context import open_context
    from app.services.conversations import open_conversations

    with open_conversations(open_context()) as convs:
        cid = convs.create("sums").id
    refused = autoglm("tools", "ask", cid[:8], "What is 17 times 23?")
    assert refused.returncode != 0 and "no tools are enabled for conversation" in refused.stderr
    chosen = autoglm("tools", "set", cid[:8], "calculator", "--json")
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout) == {"conversation_id": cid, "tools": ["calculator"]}

    out = autoglm("tools", "ask", cid[:8], "What is 17 times 23?", "--tool-choice", "required",
                  "--temperature", "0", "--max-tokens", "8", "--threads", "1", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["tool_calls"][0]["name"] == "calculator" and data["status"] == "complete"
    with open_conversations(open_context()) as convs:
        kept = convs.get(cid).messages[-1]
    assert kept.id == data["message_id"]
    assert [(c.name, c.arguments, c.result) for c in kept.tool_calls] == [
        (c["name"], c["arguments"], c["result"]) for c in data["tool_calls"]]

    write_policy(tmp_path / "no-policy.json", {"tools": {"enabled": False}})
    forbidden = autoglm("tools", "set", cid[:8], "calculator")
    assert forbidden.returncode == 87
    assert "calculator: not allowed by the administrator's policy" in forbidden.stderr
