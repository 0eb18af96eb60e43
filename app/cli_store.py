"""The command line's side of the encrypted store: the passphrase prompt, what it says when
the store stays unencrypted, and `autoglm store status|rekey`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app.errors import AppError


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


def cmd_store(args: argparse.Namespace) -> int:
    from app.cli import _ctx, _emit_json, _Progress
    from app.services.storage import open_user_store, rekey_store, store_status

    ctx = _ctx(args)
    action = args.store_cmd or "status"
    if action == "rekey":
        status = rekey_store(ctx, progress=_Progress("re-encrypting the conversation database"))
        if args.json:
            _emit_json(status.as_dict())
        else:
            print(f"The conversation database has a new key, kept in {status.key_store}.")
        return 0
    if action == "encrypt":
        open_user_store(ctx, progress=_Progress("encrypting the conversation database")).close()
        say_store_notice(ctx)
    status = store_status(ctx)
    if args.json:
        _emit_json(status.as_dict())
        return 0
    print(f"database: {status.path}")
    print(f"state: {status.state}")
    print(f"keys kept in: {status.key_store}")
    if status.notice:
        print(status.notice)
    return 0


def add_store_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("store", parents=[common],
                       help="the conversation database's encryption: status, rekey")
    ssub = p.add_subparsers(dest="store_cmd", metavar="ACTION")
    ssub.add_parser("status", parents=[common],
                    help="whether the database is encrypted and where its key is kept")
    ssub.add_parser("encrypt", parents=[common],
                    help="encrypt a database left unencrypted (needs a key store)")
    ssub.add_parser("rekey", parents=[common],
                    help="re-encrypt the database under a new key and retire the old one")
    p.set_defaults(func=cmd_store, store_cmd=None)
