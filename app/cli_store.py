"""`autoglm store status|encrypt|rekey`: the conversation database's encryption."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_store(args: argparse.Namespace) -> int:
    from app.cli_support import Progress, cli_context, emit_json, say_store_notice
    from app.services.storage import open_user_store, rekey_store, store_status

    ctx = cli_context(args)
    action = args.store_cmd or "status"
    if action == "rekey":
        status = rekey_store(ctx, progress=Progress("re-encrypting the conversation database"))
        if args.json:
            emit_json(status.as_dict())
        else:
            print(f"The conversation database has a new key, kept in {status.key_store}.")
        return 0
    if action == "encrypt":
        open_user_store(ctx, progress=Progress("encrypting the conversation database")).close()
        say_store_notice(ctx)
    status = store_status(ctx)
    if args.json:
        emit_json(status.as_dict())
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
