"""Tools in a stored conversation: which ones the user enabled for it, and a reply written
with them, its calls kept with the reply (and exported with the conversation).

The reply is made by the same machinery as a one-off question (app.services.tools): the
policy decides which tools may be offered, each call with effects waits for the user's
approval, each call is audited, and the answer passes the safety filter as any reply does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.errors import AppError, Cancelled
from app.services import tools as tool_service

if TYPE_CHECKING:
    from app.engine.types import ReplyStats, SamplingParams
    from app.services.conversations import Conversations, MessageView
    from app.services.safety import SafetyEvent
    from app.tools.builtin import Tool

SETTING = "tools"  # the conversation's own setting: the names of the tools it may call
REQUIRED = "tool_choice"  # and whether each reply must call one first ("required")

Approve = Callable[[str, dict[str, Any]], bool]


def _no_stats() -> ReplyStats:
    from app.engine.types import ReplyStats

    return ReplyStats()


@dataclass(frozen=True)
class ToolChoice:
    """A tool the user can enable for a conversation, as a menu shows it."""

    name: str
    description: str
    effects: bool
    server: str | None
    enabled: bool


@dataclass
class ToolsReply:
    """A reply written with tools: the stored message (with its calls), and what the
    safety filter did."""

    conversation_id: str
    message: MessageView | None = None
    text: str = ""
    calls: list[tool_service.ToolCall] = field(default_factory=list)
    safety: list[SafetyEvent] = field(default_factory=list)
    status: str = "streaming"
    message_id: str = ""
    stats: ReplyStats = field(default_factory=_no_stats)
    context_used: int = 0  # tokens of the window the last step took
    context_window: int = 0


def enabled_tools(convs: Conversations, conversation_id: str) -> list[str]:
    """The tools the user enabled for this conversation (none: it is answered without)."""
    conv, _ = convs._branch(conversation_id)
    names = conv.settings.get(SETTING) or []
    return [str(n) for n in names] if isinstance(names, list) else []


def tools_required(convs: Conversations, conversation_id: str) -> bool:
    """Whether each reply in this conversation must call a tool before it answers."""
    conv, _ = convs._branch(conversation_id)
    return conv.settings.get(REQUIRED) == "required"


def tool_choices(convs: Conversations, conversation_id: str | None = None,
                 problems: list[str] | None = None) -> list[ToolChoice]:
    """Every tool the policy lets the model call here, and whether this conversation has it
    enabled; a server that cannot start adds a line to ``problems``."""
    enabled = set(enabled_tools(convs, conversation_id)) if conversation_id else set()
    found = tool_service.available(convs.store, settings=convs.ctx.settings, problems=problems)
    return [ToolChoice(t.name, t.description, t.effects, t.server, t.name in enabled)
            for t in found.values()]


def set_tools(convs: Conversations, conversation_id: str, names: Sequence[str],
              required: bool | None = None) -> list[str]:
    """Enable exactly ``names`` for the conversation (ToolForbidden for one the policy does
    not allow, UnknownTool for one that does not exist), and with ``required`` have each
    reply call one first (None: as it was); returns the names."""
    from app.security.policy import check_tool_allowed, load_policy

    policy = load_policy()
    names = list(dict.fromkeys(names))
    for name in names:  # refused by the policy before any MCP server is started for it
        check_tool_allowed(policy, name, from_mcp="." in name)
    if names:
        tool_service.choose(tool_service.available(convs.store, settings=convs.ctx.settings,
                                                   policy=policy), names, policy)
    conv, _ = convs._branch(conversation_id)
    settings = {**conv.settings, SETTING: names}
    if required is not None:
        settings[REQUIRED] = "required" if required else "auto"
    with convs.store.repo() as repo:
        repo.update_conversation(conv.id, settings=settings)
    return names


def send_with_tools(
    convs: Conversations,
    conversation_id: str,
    text: str,
    *,
    approve: Approve | None,
    on_call: Callable[[tool_service.ToolCall], None] | None = None,
    on_text: Callable[[str], None] | None = None,
    params: SamplingParams | None = None,
    cancel: threading.Event | None = None,
    required: bool = False,
    on_start: Callable[[str, str], None] | None = None,
) -> ToolsReply:
    """Save ``text`` as the user's next message and answer it with the conversation's
    tools: each call is kept with the reply as it is made, the answer is saved as it
    streams. ``approve`` is asked before each call of a tool with effects (None: never
    allowed); ``required``: the model must call a tool first (as the conversation's own
    setting may say too). ``on_start`` hears the
    conversation's and the reply's ids once both messages are saved."""
    names = enabled_tools(convs, conversation_id)
    if not names:
        raise AppError("No tools are enabled for this conversation: choose some first.")
    required = required or tools_required(convs, conversation_id)
    problems: list[str] = []
    found = tool_service.available(convs.store, settings=convs.ctx.settings, problems=problems)
    try:
        tools: list[Tool] = tool_service.choose(found, names)
    except tool_service.UnknownTool as exc:  # a server that would not start says why
        raise tool_service.UnknownTool("; ".join([str(exc), *problems])) from None
    job = convs.start_send(conversation_id, text, params=params, cancel=cancel,
                           prepare=convs._require_fit)
    reply_id = job.writer.message_id
    out = ToolsReply(job.conversation.id, safety=list(job.screened), message_id=reply_id,
                     context_window=job.model.engine.n_ctx)
    if on_start is not None:
        on_start(job.conversation.id, reply_id)

    def kept(call: tool_service.ToolCall) -> None:
        with convs.store.repo() as repo:  # kept as it is made: a later failure loses no call
            repo.add_tool_calls(reply_id, [call.as_dict()])
        if on_call is not None:
            on_call(call)

    def streamed(piece: str) -> None:
        job.writer.add(piece)
        if on_text is not None:
            on_text(piece)

    status = "interrupted"
    result: tool_service.ToolAnswer | None = None
    try:
        plan = convs._plan(job)
        result = tool_service.answer_messages(
            convs.ctx, job.model.engine, plan.messages, tools, job.params, required=required,
            approve=approve, on_call=kept, on_text=streamed, safety=job.safety,
            cancel=job.cancel)
        out.text, out.calls = result.text, result.calls
        if result.stats is not None:
            out.stats = result.stats
            out.context_used = result.stats.prompt_tokens + result.stats.generated_tokens
        out.safety += result.safety
        stopped = result.stats is not None and result.stats.finish_reason == "cancelled"
        status = "interrupted" if stopped else "complete"
    except Cancelled:
        status = "interrupted"
    finally:
        stats = result.stats.as_dict() if result is not None and result.stats else {}
        if out.safety:
            stats["safety"] = [e.as_dict() for e in out.safety]
        record = job.writer.finish(status, stats=stats,
                                   token_count=(stats or {}).get("generated_tokens"))
        out.status = status
        out.message = convs._view_of(record)
    convs._after_reply(job, status)
    return out
