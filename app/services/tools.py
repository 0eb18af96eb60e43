"""Tools in a conversation, the same for every door: which exist, and one question
answered with them.

The model is offered the tools the user enabled, in its own template's tools section or
the documented fallback (app.engine.chat_template); a call's arguments are generated
under a grammar made from the tool's JSON schema (app.tools.calls), so they always
parse. Each call is run here (a tool with effects only after the user approved it),
audited (the tool's name and the outcome, never the arguments or the result), and its
result goes back to the model, which then answers in words. Everything stays on the
machine.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from app.errors import AppError
from app.tools.builtin import BUILTIN, Tool, ToolFailed

if TYPE_CHECKING:
    from app.config import Settings
    from app.engine.llama import LlamaEngine
    from app.engine.types import SamplingParams
    from app.security.policy import Policy
    from app.services.context import AppContext
    from app.services.safety import Safety
    from app.store.store import Store
    from app.tools.mcp import McpServer

log = logging.getLogger(__name__)
MAX_ROUNDS = 3  # calls in a row before the model must answer in words
CALL_TOKENS = 256  # room for one call's JSON


class UnknownTool(AppError):
    exit_code = 86
    code = "unknown_tool"


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    result: str
    seconds: float
    outcome: str  # "ok", "failed" or "refused" (the user did not approve it)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "result": self.result,
                "seconds": round(self.seconds, 3), "outcome": self.outcome}


@dataclass
class ToolAnswer:
    text: str
    calls: list[ToolCall] = field(default_factory=list)
    safety: list[Any] = field(default_factory=list)
    stats: Any = None  # the answer's ReplyStats (tokens, timings, why it ended)


def available(store: Store | None = None, *, settings: Settings | None = None,
              policy: Policy | None = None, problems: list[str] | None = None
              ) -> dict[str, Tool]:
    """Every tool of this machine the administrator's policy lets the model call, by name:
    the built-in ones, searching the user's conversations where a store is open, and the
    tools of the MCP servers in ``settings``. A server that cannot be started or a
    configuration that cannot be read adds a line to ``problems`` (or the log) and leaves
    the other tools usable."""
    from app.security.policy import load_policy

    policy = policy or load_policy()
    if not policy.tools.enabled:
        return {}
    tools = {t.name: t for t in BUILTIN}
    if store is not None:
        tools["search_conversations"] = _search_tool(store)
    if settings is not None and policy.tools.mcp_servers:
        for message in _add_mcp_tools(tools, settings):
            if problems is None:
                log.warning("%s", message)
            else:
                problems.append(message)
    return {name: tool for name, tool in tools.items()
            if policy.tools.permits(name, from_mcp=tool.server is not None)}


def mcp_servers(settings: Settings) -> list[McpServer]:
    """The MCP servers the user configured (ConfigError when the setting is wrong)."""
    from app.tools.mcp import SETTING, servers_from

    return servers_from(settings.get(SETTING))


def set_mcp_servers(settings: Settings, servers: Any) -> list[McpServer]:
    """Configure the MCP servers (a list of {name, command, args, effects, timeout});
    ConfigError names the first mistake and nothing is changed."""
    from app.tools.mcp import SETTING, servers_from

    found = servers_from(servers)
    settings.set(SETTING, list(servers or []))
    return found


def _add_mcp_tools(tools: dict[str, Tool], settings: Settings) -> list[str]:
    from app.tools.mcp import server_tools

    try:
        servers = mcp_servers(settings)
    except AppError as exc:
        return [str(exc)]
    problems = []
    for server in servers:
        try:
            tools.update((t.name, t) for t in server_tools(server))
        except ToolFailed as exc:
            problems.append(str(exc))
    return problems


def _search_tool(store: Store) -> Tool:
    def run(args: Mapping[str, Any]) -> str:
        query = str(args.get("query", "")).strip()
        if not query:
            raise ToolFailed("give words to search for")
        with store.repo(write=False) as repo:
            found = repo.list_conversations(limit=5, query=query)
            lines = []
            for conv in found:
                hit = repo.matching_message(conv.id, query)
                snippet = (hit.content if hit else "").replace("\n", " ")[:160]
                lines.append(f"- {conv.title or '(untitled)'}: {snippet}")
        return "\n".join(lines) if lines else "No conversation mentions that."

    return Tool(
        "search_conversations",
        "Search the user's earlier conversations on this computer for words; returns titles "
        "and the matching passage.",
        {"type": "object", "properties": {"query": {"type": "string", "minLength": 1, "maxLength": 60}},
         "required": ["query"]},
        run,
    )


def choose(tools: Mapping[str, Tool], names: Sequence[str], policy: Policy | None = None
           ) -> list[Tool]:
    """The tools named, from ``tools`` (what ``available`` returned); ToolForbidden naming
    the policy for one it does not allow, UnknownTool for one that does not exist."""
    from app.security.policy import check_tool_allowed, load_policy

    policy = policy or load_policy()
    for name in names:
        tool = tools.get(name)
        check_tool_allowed(policy, name, from_mcp=tool.server is not None if tool else "." in name)
    unknown = [n for n in names if n not in tools]
    if unknown:
        raise UnknownTool(f"no tool named {', '.join(map(repr, unknown))}; "
                          f"there are: {', '.join(sorted(tools))}")
    return [tools[n] for n in dict.fromkeys(names)]


def answer(
    ctx: AppContext,
    engine: LlamaEngine,
    question: str,
    tools: Sequence[Tool],
    params: SamplingParams,
    *,
    system: str | None = None,
    required: bool = False,
    approve: Callable[[str, dict[str, Any]], bool] | None = None,
    on_call: Callable[[ToolCall], None] | None = None,
    safety: Safety | None = None,
    cancel: threading.Event | None = None,
) -> ToolAnswer:
    """Answer ``question`` with ``tools`` offered: the model calls what it needs (with
    ``required``, it must call one first), then answers in words."""
    from app.services.safety import Safety

    safety = safety or Safety()
    question, screened = safety.screen_input(question)
    messages: list[Any] = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": question})
    out = answer_messages(ctx, engine, messages, tools, params, required=required,
                          approve=approve, on_call=on_call, safety=safety, cancel=cancel)
    out.safety[:0] = screened
    return out


def answer_messages(
    ctx: AppContext,
    engine: LlamaEngine,
    messages: Sequence[Any],
    tools: Sequence[Tool],
    params: SamplingParams,
    *,
    required: bool = False,
    approve: Callable[[str, dict[str, Any]], bool] | None = None,
    on_call: Callable[[ToolCall], None] | None = None,
    on_text: Callable[[str], None] | None = None,
    safety: Safety | None = None,
    cancel: threading.Event | None = None,
) -> ToolAnswer:
    """The reply to ``messages`` (a conversation whose last message is the user's, already
    screened) with ``tools`` offered; ``on_call`` hears of each call as it is made, and
    ``on_text`` receives the answer's text as it streams, past the safety filter."""
    from app.services.audit import record
    from app.services.safety import Safety, ScreenedGeneration
    from app.tools.calls import call_grammar, functions_of, read_calls

    safety = safety or Safety()
    offered = [t.as_openai() for t in tools]
    by_name = {t.name: t for t in tools}
    template = engine.chat_template
    tags = template.tool_call_tags
    messages = list(messages)
    out = ToolAnswer("")
    for round_ in range(MAX_ROUNDS):
        must = required and round_ == 0
        grammar = call_grammar(functions_of(offered), parallel=False, optional=not must, tags=tags)
        # A call gets room of its own: the reply's token limit is for the answer.
        text = _generate(engine, messages, offered,
                         replace(params, grammar=grammar, max_tokens=CALL_TOKENS), cancel)
        calls = read_calls(text, tags).calls
        if not calls:
            break
        turn_calls = []
        for name, arguments_text in calls:
            try:
                arguments = json.loads(arguments_text, strict=False)
            except ValueError:
                arguments = None
            if not isinstance(arguments, dict):
                made = ToolCall(name, {}, "error: the call was cut short", 0.0, "failed")
            else:
                made = _run(by_name.get(name), name, arguments, approve)
            record(ctx, "tool.call", f"tool:{name}", made.outcome, {"seconds": round(made.seconds, 3)})
            out.calls.append(made)
            if on_call is not None:
                on_call(made)
            turn_calls.append((f"call_{uuid.uuid4().hex[:12]}", made))
        messages.append({"role": "assistant", "content": "", "tool_calls": [
            {"id": cid, "type": "function",
             "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}}
            for cid, c in turn_calls]})
        for cid, c in turn_calls:
            messages.append({"role": "tool", "tool_call_id": cid, "name": c.name, "content": c.result})
    final = engine.stream_tokens(_tokens(engine, messages, None), replace(params, grammar=None),
                                 cancel, extra_stops=tuple(params.stop) + template.stop_texts)
    out.stats = final.stats
    reply = ScreenedGeneration(final, safety.reply_filter(), None, cancel)
    parts = []
    for piece in reply:
        parts.append(piece)
        if on_text is not None:
            on_text(piece)
    out.text = "".join(parts)
    out.safety += reply.safety
    return out


def _run(tool: Tool | None, name: str, arguments: dict[str, Any],
         approve: Callable[[str, dict[str, Any]], bool] | None) -> ToolCall:
    started = time.perf_counter()
    if tool is None:
        return ToolCall(name, arguments, f"there is no tool named {name}", 0.0, "failed")
    if tool.effects and (approve is None or not approve(name, arguments)):
        return ToolCall(name, arguments, "The user did not allow this call.", 0.0, "refused")
    try:
        result, outcome = tool.run(arguments), "ok"
    except ToolFailed as exc:
        result, outcome = f"error: {exc}", "failed"
    return ToolCall(name, arguments, result, time.perf_counter() - started, outcome)


def _tokens(engine: LlamaEngine, messages: Sequence[Any], tools: Sequence[Any] | None) -> list[int]:
    template = engine.chat_template
    text = template.render(messages, tools=tools, parallel_tool_calls=False)
    bos = template.bos_token
    add_bos = engine.vocab.add_bos and not (bos and text.startswith(bos))
    return engine.vocab.tokenize(text, add_special=add_bos, parse_special=True)


def _generate(engine: LlamaEngine, messages: Sequence[Any], tools: Sequence[Any],
              params: SamplingParams, cancel: threading.Event | None) -> str:
    stops = tuple(params.stop) + engine.chat_template.stop_texts
    return engine.stream_tokens(_tokens(engine, messages, tools), params, cancel,
                                extra_stops=stops).read_all()
