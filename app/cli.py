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
from app.config import DATA_DIR_ENV
from app.errors import AppError, Cancelled

log = logging.getLogger("app.cli")


# -- output helpers ---------------------------------------------------------------------------

def _emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


class _Progress:
    """A one-line progress meter on stderr, shown only on a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.tty or total <= 0:
            return
        pct = int(done * 100 / total)
        if pct != self._last:
            self._last = pct
            sys.stderr.write(f"\r{self.label}: {pct:3d}% of {total / 2**20:.0f} MiB")
            sys.stderr.flush()
            if done >= total:
                sys.stderr.write("\n")


# -- context ----------------------------------------------------------------------------------

def _ctx(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.services.context import open_context

    return open_context(args.data_dir)


def _load(args: argparse.Namespace, ctx: Any) -> Any:
    from app.services.models import load_model

    return load_model(
        ctx, args.model, allow_unsigned=args.allow_unsigned, n_ctx=args.ctx,
        gpu_layers=args.gpu_layers, threads=args.threads,
        progress=_Progress("verifying model"),
    )


def _params(args: argparse.Namespace, ctx: Any) -> Any:
    from app.services.chat import sampling_from_settings

    return sampling_from_settings(
        ctx.settings, seed=args.seed, temperature=args.temperature, max_tokens=args.max_tokens,
        top_p=args.top_p, top_k=args.top_k, min_p=args.min_p, repeat_penalty=args.repeat_penalty,
        stop=args.stop or None,
    )


def _stream_to_stdout(gen: Any) -> None:
    out = sys.stdout
    for piece in gen:
        out.write(piece)
        out.flush()


# -- commands ---------------------------------------------------------------------------------

def cmd_ask(args: argparse.Namespace) -> int:
    from app.services.chat import ask

    ctx = _ctx(args)
    model = _load(args, ctx)
    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    if not prompt.strip():
        raise AppError("nothing to ask: give a prompt or pipe text on standard input")
    system = args.system if args.system is not None else ctx.settings.get("system_prompt")
    cancel = threading.Event()
    gen = ask(model, prompt, _params(args, ctx), system=system or None, cancel=cancel)
    try:
        if args.json:
            text = gen.read_all()
            _emit_json({"model": model.name, "text": text, "stats": gen.stats.as_dict()})
        else:
            _stream_to_stdout(gen)
            sys.stdout.write("\n")
    except KeyboardInterrupt:
        cancel.set()
        sys.stdout.write("\n")
        sys.stderr.write("stopped\n")
        return 130
    finally:
        model.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from app.services.chat import ChatSession

    ctx = _ctx(args)
    model = _load(args, ctx)
    system = args.system if args.system is not None else ctx.settings.get("system_prompt")
    session = ChatSession(model, _params(args, ctx), system=system or None)
    interactive = sys.stdin.isatty()
    if interactive:
        sys.stderr.write(
            f"Open-AutoGLM {__version__} — {model.name} ({model.plan.backend.name}). "
            "Ctrl-C stops a reply, Ctrl-D or /quit leaves.\n"
        )
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
            gen = session.send(text, cancel)
            try:
                _stream_to_stdout(gen)
            except KeyboardInterrupt:
                cancel.set()
                sys.stderr.write("\n[stopped]")
            session.commit(gen)
            sys.stdout.write("\n")
            sys.stdout.flush()
            if args.json:
                _emit_json({"stats": gen.stats.as_dict()})
    finally:
        model.close()
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from app.services import models as svc

    ctx = _ctx(args)
    if args.models_cmd == "list":
        entries = svc.list_models(ctx, verify=args.verify, progress=_Progress("verifying"))
        if args.json:
            _emit_json([_entry_json(e) for e in entries])
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
            verified = svc.verify(ctx, Path(args.path), progress=_Progress("hashing"), cancel=cancel)
        except KeyboardInterrupt:
            cancel.set()
            raise Cancelled() from None
        verified.close()
        result = {"path": str(args.path), "status": "verified", "sha256": verified.sha256,
                  "signer": verified.signer}
        if args.json:
            _emit_json(result)
        else:
            print(f"verified: {args.path} (sha256 {verified.sha256[:16]}…, signed by {verified.signer})")
        return 0
    if args.models_cmd == "sign":
        from app.security.signing import sign_model

        key = Path(args.key) if args.key else _only_key(ctx)
        out = sign_model(Path(args.path), key)
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
    from app.security import signing

    ctx = _ctx(args)
    if args.keys_cmd == "generate":
        info = signing.generate_key(ctx.paths.keys_dir, args.name)
        ctx.trust.trust(Path(info.public_path) if hasattr(info, "public_path") else info)
        print(f"generated key {info.key_id} ({args.name}); it is trusted on this machine")
        return 0
    if args.keys_cmd == "list":
        keys = ctx.trust.list()
        if args.json:
            _emit_json([{"key_id": k.key_id, "name": k.name, "source": str(getattr(k, "source", ""))}
                        for k in keys])
        else:
            for k in keys:
                print(f"{k.key_id}  {k.name}  {getattr(k, 'source', '')}")
        return 0
    if args.keys_cmd == "trust":
        info = ctx.trust.trust(Path(args.file))
        print(f"trusted {getattr(info, 'key_id', args.file)}")
        return 0
    if args.keys_cmd == "untrust":
        ctx.trust.untrust(args.key_id)
        print(f"no longer trusted: {args.key_id}")
        return 0
    raise AppError("choose a keys command: generate, list, trust or untrust")


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.services.doctor import diagnose

    report = diagnose(_ctx(args), args.model)
    if args.json:
        _emit_json(report)
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
        print(f"  context: {p['n_ctx']} tokens, threads: {p['threads']}, "
              f"estimated memory: {p['estimated_memory_mib']} MiB")
    elif m:
        print(f"model: {m.get('path', '')} {m.get('error') or ''}")
    print(f"trusted keys: {', '.join(report['trusted_keys']) or 'none'}")
    print(f"data: {report['paths']['data']}")
    print(f"network: {report['network']}")
    return 0


# -- parser -----------------------------------------------------------------------------------

def _add_model_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", help="model file or name (default: the configured or default model)")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="load a model without a trusted signature (refused if policy forbids)")
    p.add_argument("--ctx", type=int, help="context length in tokens")
    p.add_argument("--gpu-layers", type=int, help="layers to offload (-1: automatic)")
    p.add_argument("--threads", type=int, help="CPU threads (0: physical cores)")


def _add_sampling_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--system", help="system prompt")
    p.add_argument("--seed", type=int)
    p.add_argument("--temperature", "-t", type=float)
    p.add_argument("--max-tokens", "-n", type=int)
    p.add_argument("--top-p", type=float)
    p.add_argument("--top-k", type=int)
    p.add_argument("--min-p", type=float)
    p.add_argument("--repeat-penalty", type=float)
    p.add_argument("--stop", action="append", help="stop string (repeatable)")


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
    _add_model_opts(p)
    _add_sampling_opts(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="talk with the model interactively")
    _add_model_opts(p)
    _add_sampling_opts(p)
    p.set_defaults(func=cmd_chat)

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
    ksub.add_parser("list", parents=[common], help="list trusted keys")
    q = ksub.add_parser("trust", parents=[common], help="trust a public key file")
    q.add_argument("file")
    q = ksub.add_parser("untrust", parents=[common], help="stop trusting a key")
    q.add_argument("key_id")
    p.set_defaults(func=cmd_keys, keys_cmd=None)

    p = sub.add_parser("doctor", parents=[common], help="show the build, hardware and choices made")
    p.add_argument("--model", "-m")
    p.set_defaults(func=cmd_doctor)
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
