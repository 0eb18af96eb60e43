"""Writing a conversation out as Markdown (to read) or JSON (to keep or process)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.errors import AppError

if TYPE_CHECKING:
    from app.services.conversations import ConversationView, MessageView
    from app.store.records import ToolCallRecord

FORMATS = ("markdown", "json")
JSON_FORMAT = "open-autoglm.conversation"
JSON_VERSION = 1
ROLE_NAMES = {"user": "You", "assistant": "Assistant", "system": "System"}


def export_conversation(
    view: ConversationView, other_branches: Sequence[MessageView], fmt: str = "markdown"
) -> str:
    """``view``'s current branch, in ``fmt``; JSON also keeps the other branches."""
    if fmt == "markdown":
        return to_markdown(view)
    if fmt == "json":
        return json.dumps(to_json(view, other_branches), ensure_ascii=False, indent=2) + "\n"
    raise AppError(f"Unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}.")


def to_markdown(view: ConversationView) -> str:
    out = [f"# {view.title or 'Untitled conversation'}", ""]
    out.append(f"- Conversation: `{view.id}`")
    out.append(f"- Last active: {_when(view.updated_at)}")
    if view.model:
        out.append(f"- Model: {view.model}")
    out.append("")
    if view.system_prompt:
        out += ["**System prompt:**", "", _quote(view.system_prompt), ""]
    if view.summary:
        out += ["**Summary of the earlier turns** (written by the model):", ""]
        out += [_quote(view.summary), ""]
    for m in view.messages:
        heading = f"## {ROLE_NAMES.get(m.role, m.role)}"
        if m.n_siblings > 1:
            heading += f" (version {m.sibling_index + 1} of {m.n_siblings})"
        out += [heading, "", f"_{_when(m.created_at)}_", ""]
        for call in m.tool_calls:
            out += _call_markdown(call)
        out += [m.content.strip() or "_(empty)_", ""]
        if m.status != "complete":
            out += [f"_({m.status}: the reply stopped here)_", ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(view: ConversationView, other_branches: Sequence[MessageView]) -> dict[str, Any]:
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "id": view.id,
        "title": view.title,
        "updated_at": view.updated_at.isoformat(),
        "model": view.model,
        "system_prompt": view.system_prompt,
        "summary": view.summary,
        "messages": [message_json(m) for m in view.messages],
        "other_branches": [message_json(m) for m in other_branches],
    }


def message_json(m: MessageView) -> dict[str, Any]:
    return {
        "id": m.id,
        "parent_id": m.parent_id,
        "role": m.role,
        "content": m.content,
        "status": m.status,
        "created_at": m.created_at.isoformat(),
        "token_count": m.token_count,
        "stats": m.stats,
        "n_siblings": m.n_siblings,
        "sibling_index": m.sibling_index,
        "tool_calls": [call_json(c) for c in m.tool_calls],
    }


CALL_OUTCOMES = {"ok": "done", "failed": "failed", "refused": "not allowed by the user"}


def call_json(call: ToolCallRecord) -> dict[str, Any]:
    return {"name": call.name, "arguments": call.arguments, "result": call.result,
            "seconds": round(call.seconds, 3), "outcome": call.outcome}


def _call_markdown(call: ToolCallRecord) -> list[str]:
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    outcome = CALL_OUTCOMES.get(call.outcome, call.outcome)
    # The result is shown as it came, in a fence longer than any run of backticks in it.
    longest = max((len(run) for run in re.findall("`+", call.result)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"**Tool call:** `{call.name}` `{arguments}` ({outcome}, {call.seconds:.2f} s)", "",
            fence + "text", call.result, fence, ""]


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())
