"""`autoglm sync setup|status|now|conflicts|enroll`: syncing with the user's WebDAV server."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.errors import AppError


def _secret(args: argparse.Namespace, prompt: str, *, twice: bool = False) -> str:
    """A password or passphrase: from stdin's first line with --*-stdin, else asked on the
    terminal (never taken from the command line, where other users could read it)."""
    if getattr(args, "stdin_secret", False):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise AppError("nothing was given on standard input")
        return line
    if not sys.stdin.isatty():
        raise AppError(f"{prompt.rstrip(': ')} is needed: give it on a terminal, or on "
                       "standard input with --stdin")
    first = getpass.getpass(prompt)
    if twice and first != getpass.getpass("Type it again: "):
        raise AppError("the two differ; nothing was changed")
    return first


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def cmd_sync(args: argparse.Namespace) -> int:
    from app.cli_support import cli_context, emit_json
    from app.services import sync
    from app.services.storage import open_user_store

    ctx = cli_context(args)
    action = args.sync_cmd or "status"
    if action == "setup":
        password = None
        if args.user and not args.keep_password:
            password = _secret(args, f"Password of {args.user} on the sync server: ")
        sync.setup(ctx, args.url, args.user or "", password, ca_bundle=args.ca_bundle or "",
                   client_cert=args.client_cert or "", interval_minutes=args.interval)
        store = open_user_store(ctx)
        try:
            sync.resume(store)
        finally:
            store.close()
        print(f"Sync server set: {args.url or '(none: sync is off)'}")
        return 0
    if action == "enroll" and args.export:
        text = sync.export_key(ctx, _secret(args, "Passphrase to protect the key file: ", twice=True))
        from app.files import atomic_write

        atomic_write(Path(args.export), text.encode("utf-8"), mode=0o600)
        print(f"Sync key written to {args.export}; move it to the other device and run "
              "`autoglm sync enroll --import FILE` there.")
        return 0
    store = open_user_store(ctx)
    try:
        if action == "enroll":
            if not args.import_file:
                raise AppError("say --export FILE (on a device that syncs) or --import FILE")
            try:
                text = Path(args.import_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise AppError(f"cannot read {args.import_file}: {exc}") from None
            fingerprint = sync.import_key(ctx, text, _secret(args, "Passphrase of the key file: "), store)
            print(f"This device now uses sync key {fingerprint}.")
            return 0
        if action == "now":
            def progress(phase: str, done: int, total: int) -> None:
                if sys.stderr.isatty():
                    sys.stderr.write(f"\r{phase}: {done}/{total}")
                    sys.stderr.flush()

            report = sync.sync_now(ctx, store, progress)
            if sys.stderr.isatty():
                sys.stderr.write("\n")
            if args.json:
                emit_json(report.as_dict())
            else:
                print(f"Synced: {report.pushed} sent, {report.pulled} received, "
                      f"{report.conflicts} conflict(s), {report.requests} requests "
                      f"in {report.seconds:.1f} s.")
            return 0
        if action == "conflicts":
            return _conflicts(args, ctx, store)
        status = sync.status(ctx, store)
        if args.json:
            emit_json(status.as_dict())
            return 0
        print(f"server: {status.url or '(none: sync is off)'}")
        print(f"state: {status.state}")
        print(f"waiting to send: {status.pending} change(s)")
        print(f"conflicts: {status.conflicts}")
        print(f"last sync: {status.last_sync or 'never'}")
        if status.last_error:
            print(f"last error: {status.last_error}")
        if status.configured and not status.paused:
            print(f"next automatic sync: {_when(status.next_attempt)}")
        print(f"this device's sync key: {status.device_key or '(none yet)'}")
        return 0
    finally:
        store.close()


def _conflicts(args: argparse.Namespace, ctx: Any, store: Any) -> int:
    from app.cli_support import emit_json
    from app.services import sync

    if args.restore is not None:
        print(sync.restore(ctx, store, args.restore))
        return 0
    if args.keep is not None:
        sync.dismiss(store, args.keep)
        print(f"Conflict {args.keep}: the merge's choice is kept.")
        return 0
    found = sync.conflicts(store, include_resolved=args.all)
    if args.json:
        emit_json([c.__dict__ for c in found])
        return 0
    if not found:
        print("No sync conflicts.")
    for c in found:
        print(f"[{c.pk}] {c.time:%Y-%m-%d %H:%M} conversation {c.conversation_id[:8]} "
              f"{c.kind} {c.item[:8] if c.kind != 'field' else c.item}: kept {_short(c.kept)!r}, "
              f"other {_short(c.other)!r}{' (resolved)' if c.resolved else ''}")
    return 0


def _short(value: Any) -> Any:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def add_sync_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common],
                       help="sync conversations with your WebDAV server, end-to-end encrypted")
    ssub = p.add_subparsers(dest="sync_cmd", metavar="ACTION")
    q = ssub.add_parser("setup", parents=[common], help="set the server, user and password")
    q.add_argument("url", help="the WebDAV folder (https://…); an empty string turns sync off")
    q.add_argument("--user", default="")
    q.add_argument("--ca-bundle", help="PEM file of your organisation's certificate authorities")
    q.add_argument("--client-cert", help="PEM file with a client certificate and its key")
    q.add_argument("--interval", type=int, help="minutes between automatic syncs")
    q.add_argument("--stdin", dest="stdin_secret", action="store_true",
                   help="read the password from standard input's first line")
    q.add_argument("--keep-password", action="store_true", help="keep the password already saved")
    ssub.add_parser("status", parents=[common], help="pending changes, conflicts, last sync")
    ssub.add_parser("now", parents=[common], help="send and receive changes now")
    q = ssub.add_parser("conflicts", parents=[common], help="what merges decided, to restore")
    q.add_argument("--all", action="store_true", help="include resolved ones")
    q.add_argument("--restore", type=int, metavar="N", help="bring back the other value of N")
    q.add_argument("--keep", type=int, metavar="N", help="keep the merge's choice for N")
    q = ssub.add_parser("enroll", parents=[common],
                        help="move the sync key to another device (export here, import there)")
    q.add_argument("--export", metavar="FILE", help="write this device's key, passphrase-protected")
    q.add_argument("--import", dest="import_file", metavar="FILE", help="use a key file from another device")
    q.add_argument("--stdin", dest="stdin_secret", action="store_true",
                   help="read the passphrase from standard input's first line")
    p.set_defaults(func=cmd_sync, sync_cmd=None)
