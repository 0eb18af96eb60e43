"""The `autoglm` command line: a thin adapter over app.services."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.cli_support import (
    Progress,
    add_model_opts,
    add_sampling_opts,
    cli_context,
    emit_json,
    load_model_for,
    open_conversations_for,
    safety_for,
    safety_note,
    sampling_for,
    saved_note,
    stream_to_stdout,
)
from app.config import DATA_DIR_ENV
from app.errors import AppError, Cancelled

log = logging.getLogger("app.cli")


# -- commands ---------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace) -> int:
    from app.services.chat import ask

    ctx = cli_context(args)
    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    if not prompt.strip():
        raise AppError("nothing to ask: give a prompt or pipe text on standard input")
    if args.docs:
        from app.cli_docs import ask_docs

        return ask_docs(args, prompt)
    if args.tool:
        from app.cli_tools import ask_with_tools

        return ask_with_tools(args, prompt)
    convs = None if args.no_history else open_conversations_for(ctx)
    model = load_model_for(args, ctx)
    cancel = threading.Event()
    conversation_id = None
    try:
        if convs is None:
            system = args.system if args.system is not None else ctx.settings.get("system_prompt")
            reply: Any = ask(model, prompt, sampling_for(args, ctx), system=system or None, cancel=cancel,
                             safety=safety_for(ctx))
        else:
            convs.model = model
            conversation_id = convs.create(system_prompt=args.system).id
            reply = convs.send(conversation_id, prompt, params=sampling_for(args, ctx), cancel=cancel)
        stopped = stream_to_stdout(reply, cancel, show=not args.json)
        if args.json:
            out = {"model": model.name, "text": reply.text, "stats": reply.stats.as_dict(),
                   "safety": [e.as_dict() for e in reply.safety]}
            if conversation_id:
                out.update(conversation_id=conversation_id, message_id=reply.message_id,
                           status=reply.status)
            emit_json(out)
        else:
            sys.stdout.write("\n")
        safety_note(reply.safety)
        saved_note(conversation_id)
        if stopped:
            sys.stderr.write("stopped\n")
            return 130
    finally:
        if convs is not None:
            convs.close()  # first: a title being made still uses the model
        model.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from app.services.chat import ChatSession

    ctx = cli_context(args)
    if args.continue_id and args.no_history:
        raise AppError("--continue needs the history: leave out --no-history")
    convs = None if args.no_history else open_conversations_for(ctx)
    try:
        # A wrong id fails before the model loads.
        resumed = convs.get(args.continue_id) if convs and args.continue_id else None
        model = load_model_for(args, ctx)
    except BaseException:
        if convs is not None:
            convs.close()
        raise
    params = sampling_for(args, ctx)
    system = args.system if args.system is not None else ctx.settings.get("system_prompt")
    session = ChatSession(model, params, system=system or None, safety=safety_for(ctx))
    conversation_id = resumed.id if resumed else None
    interactive = sys.stdin.isatty()
    if interactive:
        sys.stderr.write(
            f"Open-AutoGLM {__version__} — {model.name} ({model.plan.backend.name}). "
            "Ctrl-C stops a reply, Ctrl-D or /quit leaves.\n"
        )
        if resumed:
            sys.stderr.write(f"Continuing “{resumed.title or 'untitled'}” "
                             f"({len(resumed.messages)} messages).\n")
    try:
        while True:
            try:
                line = input("> " if interactive else "")
            except EOFError:
                break
            except KeyboardInterrupt:
                sys.stderr.write("\n")
                break
            text = line.strip()
            if not text:
                continue
            if text in {"/quit", "/exit"}:
                break
            cancel = threading.Event()
            try:
                if convs is None:
                    reply: Any = session.send(text, cancel)
                else:
                    convs.model = model
                    if conversation_id is None:
                        conversation_id = convs.create(system_prompt=args.system).id
                    reply = convs.send(conversation_id, text, params=params, cancel=cancel)
            except AppError as exc:
                if not interactive:
                    raise
                sys.stderr.write(f"autoglm: error: {exc}\n")
                continue
            if stream_to_stdout(reply, cancel):
                sys.stderr.write("\n[stopped]")
            if convs is None:
                session.commit(reply)
            sys.stdout.write("\n")
            sys.stdout.flush()
            safety_note(reply.safety)
            if args.json:
                out: dict[str, Any] = {"stats": reply.stats.as_dict(),
                                       "safety": [e.as_dict() for e in reply.safety]}
                if conversation_id:
                    out.update(conversation_id=conversation_id, message_id=reply.message_id)
                emit_json(out)
    finally:
        if convs is not None:
            convs.close()  # first: a title being made still uses the model
        model.close()
        saved_note(conversation_id)
    return 0


def cmd_history(args: argparse.Namespace) -> int:

    action = args.history_cmd or "list"
    with open_conversations_for(cli_context(args)) as convs:
        if action in ("list", "search"):
            query = " ".join(args.text) if action == "search" else None
            if action == "search" and not (query or "").strip():
                raise AppError("search for what? give one or more words")
            found = convs.list(query=query, limit=args.limit, offset=args.offset)
            if args.json:
                emit_json([{"id": c.id, "title": c.title, "updated_at": c.updated_at.isoformat(),
                             "snippet": c.snippet} for c in found])
            elif not found:
                print(f"No conversation matches {query!r}." if query else "No conversations yet.")
            for c in [] if args.json else found:
                print(f"{c.id[:8]}  {_local_time(c.updated_at)}  {c.title or '(untitled)'}")
                if c.snippet:
                    print(f"          {c.snippet}")
        elif action == "show":
            view = convs.get(args.id)
            if args.json:
                emit_json(json.loads(convs.export(view.id, "json", outbound=False)))
            else:
                _print_conversation(view)
        elif action == "export":
            fmt = args.format or ("json" if args.json else "markdown")
            text = convs.export(args.id, fmt)
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
                print(f"exported to {args.output}")
            else:
                sys.stdout.write(text)
        elif action == "rename":
            convs.rename(args.id, " ".join(args.title))
        elif action == "delete":
            view = convs.get(args.id)
            convs.delete(view.id)
            if args.json:
                emit_json({"deleted": view.id, "title": view.title})
            else:
                print(f"deleted {view.id[:8]}  {view.title or '(untitled)'}")
    return 0


def _local_time(moment: Any) -> str:
    return str(moment.astimezone().strftime("%Y-%m-%d %H:%M"))


def _print_conversation(view: Any) -> None:
    print(f"{view.title or '(untitled)'}  [{view.id}]")
    print(f"last active {_local_time(view.updated_at)}" + (f", model {view.model}" if view.model else ""))
    if view.system_prompt:
        print(f"System: {view.system_prompt}")
    if view.summary:
        print("Summary of the earlier turns (written by the model):")
        print("  " + view.summary.replace("\n", "\n  "))
    for m in view.messages:
        notes = [f"version {m.sibling_index + 1} of {m.n_siblings}"] if m.n_siblings > 1 else []
        notes += [m.status] if m.status != "complete" else []
        label = {"user": "You", "assistant": "Assistant"}.get(m.role, m.role)
        print(f"\n{label}" + (f" ({', '.join(notes)})" if notes else "") + ":")
        print(m.content)


def cmd_models(args: argparse.Namespace) -> int:
    from app.services import models as svc

    ctx = cli_context(args)
    if args.models_cmd == "list":
        entries = svc.list_models(ctx, verify=args.verify, progress=Progress("verifying"))
        if args.json:
            emit_json([_entry_json(e) for e in entries])
            return 0
        if not entries:
            print("No models found. Folders searched: " + ", ".join(map(str, ctx.model_dirs())))
        for e in entries:
            i = e.info
            size = f"{i.file_size / 2**20:.0f} MiB"
            meta = (f"{i.architecture or '?'} {i.quantization or '?'} ctx {i.context_length or '?'}"
                    if i.ok else "")
            flag = " (default)" if e.is_default else ""
            line = f"{e.status:<9} {e.name}{flag}  {size}  {meta}"
            print(line.rstrip() + (f"\n          {e.reason}" if e.reason else ""))
        return 0
    if args.models_cmd == "verify":
        cancel = threading.Event()
        try:
            verified = svc.verify(ctx, Path(args.path), progress=Progress("hashing"), cancel=cancel)
        except KeyboardInterrupt:
            cancel.set()
            raise Cancelled() from None
        verified.close()
        result = {"path": str(args.path), "status": "verified", "sha256": verified.sha256,
                  "signer": verified.signer}
        if args.json:
            emit_json(result)
        else:
            print(f"verified: {args.path} (sha256 {verified.sha256[:16]}…, signed by {verified.signer})")
        return 0
    if args.models_cmd == "sign":
        from app.cli_support import signing_key_passphrase
        from app.security.keys import key_is_encrypted
        from app.security.manifest import sign_model

        key = Path(args.key) if args.key else _only_key(ctx)
        passphrase = (signing_key_passphrase(creating=False, key_file=key)
                      if key_is_encrypted(key) else None)
        out = sign_model(Path(args.path), key, passphrase=passphrase)
        print(f"signed: wrote {out}")
        return 0
    if args.models_cmd == "import":
        from app.catalog.catalog import import_model

        dest = import_model(Path(args.path), ctx.paths.models, copy=not args.reference)
        print(f"imported: {dest}")
        return 0
    raise AppError("choose a models command: list, verify, sign or import")


def _only_key(ctx: Any) -> Path:
    keys = sorted(ctx.paths.keys_dir.glob("*.key")) if ctx.paths.keys_dir.exists() else []
    if len(keys) != 1:
        raise AppError("say which signing key to use with --key (found "
                       f"{len(keys)} in {ctx.paths.keys_dir}; `autoglm keys generate NAME` makes one)")
    return keys[0]


def _entry_json(e: Any) -> dict[str, Any]:
    i = e.info
    return {
        "name": e.name, "path": str(e.path), "status": e.status, "reason": e.reason,
        "signer": e.signer, "default": e.is_default, "ok": i.ok, "error": i.error,
        "architecture": i.architecture, "parameters": i.parameters,
        "quantization": i.quantization, "context_length": i.context_length,
        "has_chat_template": i.has_chat_template, "file_size": i.file_size,
        "estimated_memory_bytes": i.estimate_memory(min(4096, i.context_length or 4096)) if i.ok else None,
    }


def cmd_keys(args: argparse.Namespace) -> int:
    from app.security.keys import generate_key
    from app.services.models import trust_key, untrust_key

    ctx = cli_context(args)
    if args.keys_cmd == "generate":
        from app.cli_support import signing_key_passphrase
        from app.security.keys import PASSPHRASE_ENV

        passphrase = "" if args.no_passphrase else signing_key_passphrase(creating=True)
        if passphrase is None:
            raise AppError("A signing key is protected by a passphrase: type one when asked (run "
                           f"this in a terminal), set {PASSPHRASE_ENV}, or pass --no-passphrase "
                           "to keep the key unprotected.")
        info = generate_key(ctx.paths.keys_dir, args.name, passphrase=passphrase)
        trust_key(ctx, Path(info.public_path) if hasattr(info, "public_path") else info)
        print(f"generated key {info.key_id} ({args.name}); it is trusted on this machine")
        return 0
    if args.keys_cmd == "list":
        keys = ctx.trust.list()
        if args.json:
            emit_json([{"key_id": k.key_id, "name": k.name, "source": str(getattr(k, "source", ""))}
                        for k in keys])
        else:
            for k in keys:
                print(f"{k.key_id}  {k.name}  {getattr(k, 'source', '')}")
        return 0
    if args.keys_cmd == "trust":
        info = trust_key(ctx, Path(args.file))
        print(f"trusted {getattr(info, 'key_id', args.file)}")
        return 0
    if args.keys_cmd == "untrust":
        untrust_key(ctx, args.key_id)
        print(f"no longer trusted: {args.key_id}")
        return 0
    raise AppError("choose a keys command: generate, list, trust or untrust")


def cmd_scan(args: argparse.Namespace) -> int:
    """Each finding as a JSON line, or (``--redact``) the text as the filter leaves it."""
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AppError(f"cannot read {args.file}: {exc}") from None
    safety = safety_for(cli_context(args))
    if args.redact:
        sys.stdout.write(safety.redact(text, args.direction))
        return 0
    for f in safety.scanner.scan(text):
        line = {"category": f.category, "start": f.start, "end": f.end, "match": f.masked,
                "action": safety.rules.action(f.category, args.direction)}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from app.gui import main as gui_main

    argv = ["--data-dir", args.data_dir] if args.data_dir else []
    if args.debug:
        argv.append("--debug")
    if args.screenshot:  # an installer's check: ask, save the window, quit (app.gui.screenshot)
        argv += ["--screenshot", args.screenshot, "--prompt", args.prompt]
    return gui_main(argv)


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.services.doctor import NO_SBOM, diagnose, shipped_sbom

    if args.sbom:
        sbom = shipped_sbom()
        if args.json:
            emit_json({"sbom": str(sbom) if sbom else None})
        elif sbom:
            print(sbom)
        else:
            sys.stderr.write(f"autoglm: {NO_SBOM}\n")
        return 0 if sbom else 1
    report = diagnose(cli_context(args), args.model)
    if args.json:
        emit_json(report)
        return 0
    b = report.get("backend", {})
    print(f"Open-AutoGLM {report['version']} on Python {report['python']} ({report['platform']})")
    print(f"llama-cpp-python: {report.get('llama_cpp_python')}")
    if b:
        print(f"backend: {b['name']}" + (f" — {', '.join(b['devices'])}, {b['free_memory_mib']} MiB free"
                                         if b["gpu_offload"] else " (no GPU offload in this build)"))
    m = report.get("model", {})
    if "plan" in m:
        p = m["plan"]
        print(f"model: {m['path']}")
        print(f"  GPU layers: {p['n_gpu_layers']} of {p['layers_total']} ({p['reason']})")
        if p.get("gpu"):
            print(f"  GPU: {p['gpu']}")
        print(f"  context: {p['n_ctx']} tokens, threads: {p['threads']}, "
              f"estimated memory: {p['estimated_memory_mib']} MiB")
    elif m:
        print(f"model: {m.get('path', '')} {m.get('error') or ''}")
    spec = report.get("speculative")
    if spec and spec["mode"] != "off":
        how = (f"with the draft model {spec['draft_model'] or '(none set)'}" if spec["mode"] == "model"
               else "by prompt lookup")
        print(f"  speculative decoding: {how}, up to {spec['draft_tokens']} tokens at a time")
    print(f"trusted keys: {', '.join(report['trusted_keys']) or 'none'}")
    store = report["store"]
    print(f"conversation store: {store['state']}, keys kept in {store['key_store']}")
    if store["notice"]:
        print(f"  {store['notice']}")
    print(f"data: {report['paths']['data']}")
    print(f"SBOM: {report['sbom'] or 'none in this install'}")
    print(f"network: {report['network']}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.serve_cmd == "keys":
        return _serve_keys(args)
    from app.api.server import serve
    from app.api.state import ServeOptions

    options = ServeOptions(
        host=args.host, port=args.port, model=args.model, slots=args.slots, n_ctx=args.ctx,
        threads=args.threads, gpu_layers=args.gpu_layers, gpu=args.gpu, allow_unsigned=args.allow_unsigned,
        queue_depth=args.queue_depth, rate_limit=args.rate_limit, max_body_bytes=args.max_body,
        max_tokens=args.max_tokens_limit, cors_origins=tuple(args.cors_origin or ()),
        drain_s=args.drain_timeout, require_key=args.require_key, kv_unified=args.kv_unified,
        n_batch=args.batch_size,
    )
    return serve(cli_context(args), options)


def _serve_keys(args: argparse.Namespace) -> int:
    store = cli_context(args).api_keys
    if args.serve_keys_cmd == "create":
        key, secret = store.create(args.name, args.rate_limit, args.role)
        if args.json:
            emit_json({"key_id": key.key_id, "name": key.name, "role": key.role, "key": secret})
        else:
            sys.stderr.write(f"API key {key.key_id} ({key.name}, role {key.role}); it is shown "
                             "only this once:\n")
            print(secret)
        return 0
    if args.serve_keys_cmd == "list":
        keys = store.list()
        if args.json:
            emit_json([{"key_id": k.key_id, "name": k.name, "role": k.role,
                        "created_at": k.created_at, "revoked_at": k.revoked_at,
                        "rate_limit": k.rate_limit} for k in keys])
        elif not keys:
            print("No API keys. `autoglm serve keys create NAME` makes one.")
        for k in [] if args.json else keys:
            state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
            limit = f"{k.rate_limit}/min" if k.rate_limit else "default limit"
            print(f"{k.key_id}  {k.hint:<18} {k.name:<20} {k.role:<8} {state:<28} {limit}  "
                  f"created {k.created_at}")
        return 0
    if args.serve_keys_cmd == "revoke":
        key = store.revoke(args.key)
        print(f"revoked {key.key_id} ({key.name})")
        return 0
    raise AppError("choose a keys command: create, list or revoke")


def _byte_size(text: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    try:
        return int(float(t[:-1]) * units[t[-1]]) if t and t[-1] in units else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 4M, 512K)") from None


def _add_serve_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve the model over an OpenAI-compatible HTTP API",
                       description="Serve the model over an OpenAI-compatible HTTP API.")
    p.add_argument("--model", "-m", "--model-path", dest="model",
                   help="model file or name (default: the configured or default model)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs API keys)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--slots", "--parallel", "-np", type=int, default=4,
                   help="requests decoded together in one batch (default 4)")
    p.add_argument("--ctx", type=int, help="context of each slot in tokens (default: the context_length setting)")
    p.add_argument("--threads", type=int, help="CPU threads (0: physical cores)")
    p.add_argument("--gpu-layers", type=int, help="layers to offload (-1: automatic)")
    p.add_argument("--gpu", type=int, metavar="N",
                   help="keep the model on GPU N where there are several (default: the gpu_device setting)")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="load a model without a trusted signature (refused if policy forbids)")
    p.add_argument("--queue-depth", type=int, default=64,
                   help="requests that may wait for a free slot; more get 503 (default 64)")
    p.add_argument("--rate-limit", type=int, default=600,
                   help="requests per minute per API key, 0 for none (default 600)")
    p.add_argument("--max-body", type=_byte_size, default=4 * 2**20,
                   help="largest request body; larger gets 413 (default 4M)")
    p.add_argument("--max-tokens-limit", type=int,
                   help="most tokens a request may ask for (default: a slot's context)")
    p.add_argument("--cors-origin", action="append",
                   help="allow browser pages from this origin (repeatable; default: CORS off)")
    p.add_argument("--drain-timeout", type=float, default=30.0,
                   help="seconds SIGTERM waits for requests in progress (default 30)")
    p.add_argument("--require-key", action="store_true",
                   help="require an API key even on 127.0.0.1 (it is required anyway once a key exists)")
    p.add_argument("--kv-unified", action="store_true",
                   help="one KV pool shared by all slots (helps when prompts share a long prefix)")
    p.add_argument("--batch-size", type=int, default=512, help="most tokens per decode step (default 512)")
    ssub = p.add_subparsers(dest="serve_cmd", metavar="keys")
    k = ssub.add_parser("keys", parents=[common], help="manage the API keys of the server")
    ksub = k.add_subparsers(dest="serve_keys_cmd", metavar="ACTION")
    q = ksub.add_parser("create", parents=[common], help="make a key; it is shown once")
    q.add_argument("name")
    q.add_argument("--rate-limit", type=int, help="requests per minute for this key")
    q.add_argument("--role", default="user",
                   help="what the key may do: user (chat, complete, embed; the default), auditor "
                        "(also read the audit log), admin (also manage keys, models and "
                        "settings), or a role the policy defines")
    ksub.add_parser("list", parents=[common], help="list keys (never the keys themselves)")
    q = ksub.add_parser("revoke", parents=[common], help="revoke a key by id or name")
    q.add_argument("key")
    p.set_defaults(func=cmd_serve, serve_cmd=None, serve_keys_cmd=None)


# -- parser -----------------------------------------------------------------------------------

def _add_history_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-history", action="store_true",
                   help="do not save this conversation (it is saved by default)")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help=f"keep all state in this folder (also ${DATA_DIR_ENV})")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable output")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logs")

    parser = argparse.ArgumentParser(
        prog="autoglm", parents=[common],
        description="Open-AutoGLM: a local assistant that runs signed models on your own machine.",
    )
    parser.add_argument("--version", action="version", version=f"autoglm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ask", parents=[common], help="ask one question and stream the answer")
    p.add_argument("prompt", nargs="*", help="the question (or standard input)")
    add_model_opts(p)
    add_sampling_opts(p)
    _add_history_opt(p)
    from app.cli_tools import add_tool_options

    add_tool_options(p)
    p.add_argument("--docs", metavar="COLLECTION",
                   help="answer from this collection's documents, citing them")
    p.add_argument("--whole", action="store_true",
                   help="with --docs: give the documents whole when they fit the model's "
                        "window (long-context mode), else say so and use passages")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="talk with the model interactively")
    add_model_opts(p)
    add_sampling_opts(p)
    _add_history_opt(p)
    p.add_argument("--continue", dest="continue_id", metavar="ID",
                   help="continue a saved conversation (an id or its first characters)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("history", parents=[common], help="list, show, search, export and delete "
                       "saved conversations")
    hsub = p.add_subparsers(dest="history_cmd", metavar="ACTION")
    for name, text in (("list", "saved conversations, most recent first"),
                       ("search", "conversations whose title or messages hold every word")):
        q = hsub.add_parser(name, parents=[common], help=text)
        if name == "search":
            q.add_argument("text", nargs="+")
        q.add_argument("--limit", type=int, default=50)
        q.add_argument("--offset", type=int, default=0)
    q = hsub.add_parser("show", parents=[common], help="print a conversation")
    q.add_argument("id", help="conversation id (its first characters are enough)")
    q = hsub.add_parser("export", parents=[common], help="write a conversation as Markdown or JSON")
    q.add_argument("id")
    q.add_argument("--format", choices=("markdown", "json"))
    q.add_argument("--output", "-o", help="file to write (default: standard output)")
    q = hsub.add_parser("rename", parents=[common], help="give a conversation a new title")
    q.add_argument("id")
    q.add_argument("title", nargs="+")
    q = hsub.add_parser("delete", parents=[common], help="delete a conversation")
    q.add_argument("id")
    p.set_defaults(func=cmd_history, history_cmd=None, limit=50, offset=0)

    p = sub.add_parser("models", parents=[common], help="list, verify, sign and import models")
    msub = p.add_subparsers(dest="models_cmd", metavar="ACTION")
    q = msub.add_parser("list", parents=[common], help="list models and their signature status")
    q.add_argument("--verify", action="store_true", help="check every signature (hashes each file once)")
    q = msub.add_parser("verify", parents=[common], help="check a GGUF against its manifest")
    q.add_argument("path")
    q = msub.add_parser("sign", parents=[common], help="sign a GGUF with one of your keys")
    q.add_argument("path")
    q.add_argument("--key", help="private key file (default: your only key)")
    q = msub.add_parser("import", parents=[common], help="copy a GGUF and its manifest into your models")
    q.add_argument("path")
    q.add_argument("--reference", action="store_true", help="link instead of copying")
    p.set_defaults(func=cmd_models, models_cmd=None)

    p = sub.add_parser("keys", parents=[common], help="manage signing keys and the trust store")
    ksub = p.add_subparsers(dest="keys_cmd", metavar="ACTION")
    q = ksub.add_parser("generate", parents=[common], help="make a signing key pair")
    q.add_argument("name")
    q.add_argument("--no-passphrase", action="store_true",
                   help="keep the private key unprotected (by default it is locked with a passphrase)")
    ksub.add_parser("list", parents=[common], help="list trusted keys")
    q = ksub.add_parser("trust", parents=[common], help="trust a public key file")
    q.add_argument("file")
    q = ksub.add_parser("untrust", parents=[common], help="stop trusting a key")
    q.add_argument("key_id")
    p.set_defaults(func=cmd_keys, keys_cmd=None)

    p = sub.add_parser("scan", parents=[common], help="find personal and secret data in a file",
                       description="Find personal and secret data in a file (or - for standard "
                       "input) with the safety filter: one JSON line per finding, with its "
                       "category, character offsets, masked text and the policy's action.")
    p.add_argument("file", help="a UTF-8 text file, or - for standard input")
    p.add_argument("--redact", action="store_true",
                   help="print the text with what the policy removes replaced by labels")
    p.add_argument("--direction", choices=("input", "output", "outbound"), default="outbound",
                   help="whose actions apply (default outbound: the text is leaving the machine)")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("gui", parents=[common], help="open the desktop app")
    p.add_argument("--screenshot", help=argparse.SUPPRESS)
    p.add_argument("--prompt", default="Say hello in one short sentence.", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("doctor", parents=[common], help="show the build, hardware and choices made")
    p.add_argument("--model", "-m")
    p.add_argument("--sbom", action="store_true",
                   help="print the path of the SBOM (CycloneDX) shipped with this install")
    p.set_defaults(func=cmd_doctor)

    _add_serve_parser(sub, common)
    from app.cli_store import add_store_parser

    add_store_parser(sub, common)
    from app.cli_docs import add_docs_parser

    add_docs_parser(sub, common)
    from app.cli_audit import add_audit_parser

    add_audit_parser(sub, common)
    from app.cli_privacy import add_privacy_parser

    add_privacy_parser(sub, common)
    from app.cli_policy import add_policy_parser

    add_policy_parser(sub, common)
    from app.cli_settings import add_settings_parser

    add_settings_parser(sub, common)
    from app.cli_sync import add_sync_parser

    add_sync_parser(sub, common)
    from app.cli_tools import add_tools_parser

    add_tools_parser(sub, common)
    return parser


def _configure_logging(debug: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        logging.getLogger("app.engine.llama_cpp").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("data_dir", None), ("json", False), ("debug", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    if args.data_dir:
        os.environ[DATA_DIR_ENV] = str(Path(args.data_dir).resolve())
    _configure_logging(args.debug)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except Cancelled:
        sys.stderr.write("stopped\n")
        return 130
    except AppError as exc:
        if args.debug:
            log.exception("failed")
        sys.stderr.write(f"autoglm: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("stopped\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected bug: one line unless --debug
        if args.debug:
            raise
        sys.stderr.write(f"autoglm: internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)\n")
        return 70
