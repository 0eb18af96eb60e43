"""`autoglm privacy records|export|erase|retention|purge`: the user's data rights on the
command line (the work is app.services.privacy's)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.errors import AppError

CONFIRM_WORD = "erase"


def cmd_privacy(args: argparse.Namespace) -> int:
    from app.cli_support import cli_context, emit_json

    ctx = cli_context(args)
    try:
        return _run(ctx, args.privacy_cmd or "records", args, emit_json)
    finally:
        ctx.audit.close()  # its checkpoint, if one is due, before the store closes


def _run(ctx: Any, action: str, args: argparse.Namespace, emit_json: Any) -> int:
    from app.services import privacy

    if action == "records":
        from app.services.processing_records import records_document

        emit_json(records_document(ctx))
        return 0
    if action == "retention":
        ret = privacy.set_retention(ctx, args.days) if args.days is not None else privacy.retention(ctx)
        if args.json:
            emit_json({"retention_days": ret.days, "locked_by": ret.locked_by})
        else:
            kept = (f"erased {ret.days} days after their last change" if ret.days
                    else "kept until you delete them")
            lock = f" (fixed by the administrator's policy {ret.locked_by})" if ret.locked_by else ""
            print(f"Conversations are {kept}{lock}.")
        return 0
    if action == "erase" and not args.yes:
        _confirm_erase()
    from app.cli_support import open_conversations_for

    convs = open_conversations_for(ctx)
    try:
        if action == "export":
            return _export(ctx, convs.store, args, emit_json)
        if action == "erase":
            report = privacy.erase_all(ctx, convs.store)
            if args.json:
                emit_json(report.as_dict())
            else:
                print(f"Erased {report.conversations} conversation(s) with {report.messages} "
                      f"message(s), {report.documents} document(s) and {report.chunks} "
                      f"passage(s), {report.settings} stored setting(s) and {report.backups} "
                      "backup(s). The sync server is told through tombstones.")
            return 0
        if action == "purge":
            n = privacy.purge_expired(ctx, convs.store)
            if args.json:
                emit_json({"erased_conversations": n})
            else:
                print(f"{n} conversation(s) past the retention period erased.")
            return 0
    finally:
        ctx.audit.close()
        convs.close()
    raise AppError("choose a privacy command: records, export, erase, retention or purge")


def _export(ctx: Any, store: Any, args: argparse.Namespace, emit_json: Any) -> int:
    from app.services import privacy

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path.cwd() / f"autoglm-my-data-{stamp}.zip"
    report = privacy.export_archive(ctx, store, out, progress=_progress())
    if args.json:
        emit_json(report.as_dict())
    else:
        print(f"Your data was written to {report.path}: {report.conversations} conversation(s) "
              f"with {report.messages} message(s), {report.documents} document(s), "
              f"{report.audit_records} audit record(s).")
    return 0


def _progress() -> Any:
    """``exporting: 12 of 40`` on stderr, on a terminal only."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if tty:
            sys.stderr.write(f"\rexporting: {done} of {total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return show


def _confirm_erase() -> None:
    """Ask on the terminal; without one, refuse (a script says --yes)."""
    from app.services.privacy import EraseNotConfirmed

    if not sys.stdin.isatty():
        raise EraseNotConfirmed(
            "Erasing your data cannot be undone, and there is no terminal to confirm it on: "
            "run `autoglm privacy erase --yes` to erase. Nothing was erased.")
    sys.stderr.write(
        "This erases every conversation, document and stored setting of yours on this "
        "computer (the sync server is told to delete its copies). It cannot be undone; "
        "`autoglm privacy export` keeps a copy first.\n"
        f"Type {CONFIRM_WORD!r} to go on: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer != CONFIRM_WORD:
        raise EraseNotConfirmed("Not confirmed: nothing was erased.")


def add_privacy_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("privacy", parents=[common],
                       help="your data: processing records, export, erase, retention")
    psub = p.add_subparsers(dest="privacy_cmd", metavar="ACTION")
    psub.add_parser("records", parents=[common],
                    help="what the app processes, why, on what legal basis, for how long and "
                         "where (JSON)")
    q = psub.add_parser("export", parents=[common],
                        help="everything the app holds about you, in one zip archive")
    q.add_argument("--out", "-o", metavar="FILE",
                   help="the archive to write (default: autoglm-my-data-<time>.zip here)")
    q = psub.add_parser("erase", parents=[common],
                        help="erase your conversations, documents and settings on this computer "
                             "(asks first)")
    q.add_argument("--yes", action="store_true", help="do not ask: erase (for scripts)")
    q = psub.add_parser("retention", parents=[common],
                        help="show or set how many days unused conversations are kept")
    q.add_argument("days", nargs="?", type=int,
                   help="erase conversations not changed for this many days (0: keep them)")
    psub.add_parser("purge", parents=[common],
                    help="erase the conversations past the retention period now")
    p.set_defaults(func=cmd_privacy, privacy_cmd=None, out=None, yes=False, days=None)
