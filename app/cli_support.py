"""What every `autoglm` command shares: the app context with its passphrase prompt, the
model and sampling from the options, streaming to stdout, progress and notes on stderr,
and JSON output."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

from app.errors import AppError

# -- output helpers ---------------------------------------------------------------------------

def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


class Progress:
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

def cli_context(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The app context, once the administrator's policy has been checked (a policy that
    cannot be used stops the command here, with its message)."""
    from app.services.context import open_context
    from app.services.policy import enforce_policy

    ctx = attach_prompt(open_context(args.data_dir))
    enforce_policy(ctx)
    return ctx


def open_conversations_for(ctx: Any) -> Any:
    """The conversations service, its store encrypted (with progress if it must convert)."""
    from app.services.conversations import open_conversations

    convs = open_conversations(ctx, progress=Progress("encrypting the conversation database"))
    say_store_notice(ctx)
    return convs


def load_model_for(args: argparse.Namespace, ctx: Any) -> Any:
    from app.services.models import load_model

    return load_model(
        ctx, args.model, allow_unsigned=args.allow_unsigned, n_ctx=args.ctx,
        gpu_layers=args.gpu_layers, threads=args.threads, gpu=getattr(args, "gpu", None),
        progress=Progress("verifying model"),
    )


def sampling_for(args: argparse.Namespace, ctx: Any) -> Any:
    from app.services.chat import sampling_from_settings

    return sampling_from_settings(
        ctx.settings, seed=args.seed, temperature=args.temperature, max_tokens=args.max_tokens,
        top_p=args.top_p, top_k=args.top_k, min_p=args.min_p, repeat_penalty=args.repeat_penalty,
        stop=args.stop or None,
    )


def stream_to_stdout(gen: Any, cancel: threading.Event | None = None, *, show: bool = True) -> bool:
    """Print a reply as it streams; True when Ctrl-C stopped it. A stopped reply is read
    to its end (the engine stops within a token) so that it is saved as interrupted."""
    out = sys.stdout
    stopped = False
    while True:
        try:
            for piece in gen:
                if show:
                    out.write(piece)
                    out.flush()
            return stopped
        except KeyboardInterrupt:
            if cancel is None or stopped:
                raise
            cancel.set()
            stopped = True


def safety_for(ctx: Any) -> Any:
    from app.services.safety import Safety

    return Safety.for_context(ctx)


def safety_note(events: Sequence[Any]) -> None:
    """One line on stderr per thing the safety filter did, so scripts keep a clean stdout."""
    for event in events:
        sys.stderr.write(f"safety: {event.describe()}\n")


def saved_note(conversation_id: str | None) -> None:
    if conversation_id and sys.stderr.isatty():
        short = conversation_id[:8]
        sys.stderr.write(f"saved as conversation {short} (autoglm chat --continue {short})\n")


# -- passphrases ------------------------------------------------------------------------------

def prompt_passphrase(creating: bool) -> str | None:
    """Ask on the terminal for the passphrase of the locked key file; None without one."""
    if not sys.stdin.isatty():
        return None
    from app.security.secrets import MIN_PASSPHRASE

    if creating:
        sys.stderr.write(
            "No system keyring was found. Choose a passphrase to lock the key file that "
            f"protects your conversations (at least {MIN_PASSPHRASE} characters; you will "
            "type it once each time Open-AutoGLM starts).\n"
        )
        first = getpass.getpass("New passphrase: ")
        if first != getpass.getpass("Type it again: "):
            raise AppError("The two passphrases differ; nothing was stored.")
        return first
    return getpass.getpass("Passphrase for Open-AutoGLM's key file: ")


def signing_key_passphrase(*, creating: bool, key_file: Any = None) -> str | None:
    """The passphrase of a private signing key: $AUTOGLM_KEY_PASSPHRASE, else asked on the
    terminal; None where neither can be had."""
    import os

    from app.security.keys import PASSPHRASE_ENV

    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        return None
    if creating:
        first = getpass.getpass("Passphrase for the new signing key: ")
        if first != getpass.getpass("Type it again: "):
            raise AppError("The two passphrases differ; no key was made.")
        return first or None
    return getpass.getpass(f"Passphrase for the signing key {key_file}: ")


def attach_prompt(ctx: Any) -> Any:
    ctx.secrets.ask_passphrase = prompt_passphrase
    return ctx


def say_store_notice(ctx: Any) -> None:
    """Once per run, when the conversation store had to stay unencrypted."""
    if ctx.store_notice:
        sys.stderr.write(f"autoglm: warning: {ctx.store_notice}\n")


def add_model_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", help="model file or name (default: the configured or default model)")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="load a model without a trusted signature (refused if policy forbids)")
    p.add_argument("--ctx", type=int, help="context length in tokens")
    p.add_argument("--gpu-layers", type=int, help="layers to offload (-1: automatic)")
    p.add_argument("--gpu", type=int, metavar="N",
                   help="keep the model on GPU N where there are several (default: the gpu_device setting)")
    p.add_argument("--threads", type=int, help="CPU threads (0: physical cores)")


def add_sampling_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--system", help="system prompt")
    p.add_argument("--seed", type=int)
    p.add_argument("--temperature", "-t", type=float)
    p.add_argument("--max-tokens", "-n", type=int)
    p.add_argument("--top-p", type=float)
    p.add_argument("--top-k", type=int)
    p.add_argument("--min-p", type=float)
    p.add_argument("--repeat-penalty", type=float)
    p.add_argument("--stop", action="append", help="stop string (repeatable)")
