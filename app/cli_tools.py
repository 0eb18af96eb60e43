"""`autoglm tools list|set|ask` and `autoglm ask --tool NAME …`: the tools a model may call
(built in, and from the user's local MCP servers), one question at a time or in a saved
conversation."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_tools(args: argparse.Namespace) -> int:
    if args.tools_cmd == "set":
        return _set_conversation_tools(args)
    if args.tools_cmd == "ask":
        return _ask_in_conversation(args)
    from app.cli_support import cli_context, emit_json
    from app.services.policy import policy_report
    from app.services.storage import open_user_store
    from app.services.tools import available

    ctx = cli_context(args)
    policy = policy_report().policy
    store = open_user_store(ctx)
    problems: list[str] = []
    try:
        tools = available(store, settings=ctx.settings, policy=policy, problems=problems)
    finally:
        store.close()
    for problem in problems:
        sys.stderr.write(f"warning: {problem}\n")
    if not policy.tools.enabled:
        sys.stderr.write(f"Tools are forbidden by the administrator's policy ({policy.source}).\n")
    if args.json:
        emit_json([{**t.as_openai()["function"], "effects": t.effects} for t in tools.values()])
        return 0
    for tool in tools.values():
        mark = " (asks before each call)" if tool.effects else ""
        print(f"{tool.name:22} {tool.description}{mark}")
    return 0


def _set_conversation_tools(args: argparse.Namespace) -> int:
    """`autoglm tools set ID [NAME …]`: the tools this conversation's replies may call."""
    from app.cli_support import cli_context, emit_json, open_conversations_for
    from app.services.conversation_tools import set_tools

    convs = open_conversations_for(cli_context(args))
    try:
        cid = convs.get(args.id).id
        required = None if args.tool_choice is None else args.tool_choice == "required"
        names = set_tools(convs, cid, args.names, required)
    finally:
        convs.close()
    if args.json:
        emit_json({"conversation_id": cid, "tools": names})
    else:
        print(f"tools for {cid[:8]}: {', '.join(names) if names else '(none)'}")
    return 0


def _ask_in_conversation(args: argparse.Namespace) -> int:
    """`autoglm tools ask ID PROMPT`: the next message of a saved conversation, answered
    with the tools enabled for it; a tool with effects asks on the terminal first."""
    from app.cli_support import (
        cli_context,
        emit_json,
        load_model_for,
        open_conversations_for,
        safety_note,
        sampling_for,
    )
    from app.services.conversation_tools import enabled_tools, send_with_tools

    ctx = cli_context(args)
    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    convs = open_conversations_for(ctx)
    model = None
    try:
        cid = convs.get(args.id).id
        if not enabled_tools(convs, cid):  # said before the model loads
            from app.errors import AppError

            raise AppError(f"no tools are enabled for conversation {cid[:8]}: "
                           "`autoglm tools set ID NAME…` first")
        model = load_model_for(args, ctx)
        convs.model = model
        reply = send_with_tools(convs, cid, prompt, approve=_approve,
                                on_call=None if args.json else _show_call,
                                params=sampling_for(args, ctx),
                                required=args.tool_choice == "required")
    finally:
        convs.close()  # first: a title being made still uses the model
        if model is not None:
            model.close()
    if args.json:
        emit_json({"conversation_id": cid, "message_id": reply.message.id if reply.message else None,
                   "text": reply.text, "status": reply.status,
                   "tool_calls": [c.as_dict() for c in reply.calls],
                   "safety": [e.as_dict() for e in reply.safety]})
    else:
        sys.stdout.write(reply.text + "\n")
        safety_note(reply.safety)
    return 0


def _show_call(call: Any) -> None:
    sys.stderr.write(f"[tool] {call.name}({json.dumps(call.arguments, ensure_ascii=False)})"
                     f" → {call.result[:200]}\n")


def ask_with_tools(args: argparse.Namespace, prompt: str) -> int:
    """`autoglm ask --tool …`: each call is shown on stderr as it is made, the answer on
    stdout; with history on, the question and the answer (with its calls) are saved."""
    from app.cli_support import (
        cli_context,
        emit_json,
        load_model_for,
        safety_for,
        safety_note,
        sampling_for,
        saved_note,
    )
    from app.services import tools as tool_service
    from app.services.storage import open_user_store

    ctx = cli_context(args)
    store = open_user_store(ctx)
    try:
        problems: list[str] = []
        found = tool_service.available(store, settings=ctx.settings, problems=problems)
        try:
            chosen = tool_service.choose(found, args.tool)
        except tool_service.UnknownTool as exc:
            raise tool_service.UnknownTool("; ".join([str(exc), *problems])) from None
        model = load_model_for(args, ctx)
        try:
            def shown(call: Any) -> None:
                if not args.json:
                    sys.stderr.write(f"[tool] {call.name}({json.dumps(call.arguments, ensure_ascii=False)})"
                                     f" → {call.result[:200]}\n")

            system = args.system if args.system is not None else ctx.settings.get("system_prompt")
            result = tool_service.answer(
                ctx, model.engine, prompt, chosen, sampling_for(args, ctx), system=system or None,
                required=args.tool_choice == "required", approve=_approve, on_call=shown,
                safety=safety_for(ctx))
        finally:
            model.close()
        conversation_id = None
        if not args.no_history:
            with store.repo() as repo:
                conv = repo.create_conversation(prompt.strip().splitlines()[0][:60],
                                                system_prompt=system or None, model=model.name)
                repo.add_message(conv.id, "user", prompt)
                reply = repo.add_message(conv.id, "assistant", result.text, model=model.name)
                repo.add_tool_calls(reply.id, [c.as_dict() for c in result.calls])
                conversation_id = conv.id
    finally:
        store.close()
    if args.json:
        emit_json({"model": model.name, "text": result.text,
                   "tool_calls": [c.as_dict() for c in result.calls],
                   "safety": [e.as_dict() for e in result.safety],
                   "conversation_id": conversation_id})
    else:
        sys.stdout.write(result.text + "\n")
        safety_note(result.safety)
        saved_note(conversation_id)
    return 0


def _approve(name: str, arguments: dict[str, Any]) -> bool:
    """A tool with effects runs only when the user says yes on the terminal."""
    if not sys.stdin.isatty():
        return False
    answer = input(f"Allow {name}({json.dumps(arguments, ensure_ascii=False)})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def add_tool_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tool", action="append", default=[], metavar="NAME",
                   help="let the model call this tool (repeat for more; see `autoglm tools list`)")
    p.add_argument("--tool-choice", choices=("auto", "required"), default="auto",
                   help="required: the model must call a tool before it answers")


def add_tools_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    from app.cli_support import add_model_opts, add_sampling_opts

    p = sub.add_parser("tools", parents=[common], help="the tools a model can call")
    tsub = p.add_subparsers(dest="tools_cmd", metavar="ACTION")
    tsub.add_parser("list", parents=[common], help="list the tools of this computer")
    s = tsub.add_parser("set", parents=[common],
                        help="choose the tools a saved conversation's replies may call")
    s.add_argument("id", help="the conversation (an id or a unique prefix)")
    s.add_argument("names", nargs="*", metavar="NAME", help="the tools (none: no tools)")
    s.add_argument("--tool-choice", choices=("auto", "required"), default=None,
                   help="required: each reply must call a tool before it answers")
    a = tsub.add_parser("ask", parents=[common],
                        help="continue a saved conversation with its tools")
    a.add_argument("id", help="the conversation (an id or a unique prefix)")
    a.add_argument("prompt", nargs="*", help="the message (or standard input)")
    a.add_argument("--tool-choice", choices=("auto", "required"), default="auto",
                   help="required: the model must call a tool before it answers")
    add_model_opts(a)
    add_sampling_opts(a)
    p.set_defaults(func=cmd_tools, tools_cmd=None)
