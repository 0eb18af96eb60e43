"""`autoglm audit list|verify|export|checkpoint`: the audit log on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.errors import AppError


class AuditBroken(AppError):
    """Verification found a record or checkpoint that does not hold."""

    exit_code = 72
    code = "audit_broken"


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def cmd_audit(args: argparse.Namespace) -> int:
    from app.cli_support import cli_context, emit_json

    action = args.audit_cmd or "list"
    if action == "verify" and args.export:
        from app.services.audit import verify_export

        return _report(verify_export(Path(args.export)), args.json, emit_json)
    ctx = cli_context(args)
    trail = ctx.audit
    try:
        if action == "list":
            entries = trail.list(limit=args.limit, action=args.action, since=args.since,
                                 until=args.until)
            if args.json:
                emit_json([e.as_json() for e in entries])
                return 0
            for e in entries:
                details = json.dumps(e.details, ensure_ascii=False, sort_keys=True)
                print(f"{e.seq:>7}  {e.time:%Y-%m-%d %H:%M:%S}  {e.actor:<20} {e.action:<18} "
                      f"{e.outcome:<8} {e.object}  {details}")
            return 0
        if action == "verify":
            checkpoint = Path(args.checkpoint) if args.checkpoint else None
            return _report(trail.verify(checkpoint), args.json, emit_json)
        if action == "export":
            if args.output:
                with open(args.output, "w", encoding="utf-8") as out:
                    n = trail.export(out)
                sys.stderr.write(f"{n} audit records written to {args.output}\n")
            else:
                trail.export(sys.stdout)
            return 0
        if action == "checkpoint":
            doc = trail.checkpoint_document()
            text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
                point = doc["checkpoint"]
                sys.stderr.write(f"checkpoint of records 1 to {point['seq']} written to "
                                 f"{args.output}; keep it off this machine\n")
            else:
                sys.stdout.write(text)
            return 0
    finally:
        trail.close()
    raise AppError("choose an audit command: list, verify, export or checkpoint")


def _report(verdict: Any, as_json: bool, emit: Any) -> int:
    if as_json:
        emit(verdict.as_json())
    elif verdict.ok:
        print(f"The audit log is intact: {verdict.records} records, "
              f"{verdict.checkpoints} signed checkpoints verified.")
    if verdict.ok:
        return 0
    raise AuditBroken(f"the audit log fails at record {verdict.first_bad}: {verdict.reason}.")


def add_audit_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("audit", parents=[common],
                       help="the tamper-evident audit log: list, verify, export, checkpoint")
    asub = p.add_subparsers(dest="audit_cmd", metavar="ACTION")
    q = asub.add_parser("list", parents=[common], help="the newest records first")
    q.add_argument("--limit", type=int, default=50)
    q.add_argument("--action", help="only this action (or its family: 'model' finds model.load)")
    q.add_argument("--since", type=_date, help="from this UTC date or time (YYYY-MM-DD[THH:MM])")
    q.add_argument("--until", type=_date, help="before this UTC date or time")
    q = asub.add_parser("verify", parents=[common],
                        help="prove nothing was altered or removed (exit 72 with the first bad "
                             "record if something was)")
    q.add_argument("--checkpoint", metavar="FILE",
                   help="a checkpoint or export kept off this machine: also finds a cut-off tail")
    q.add_argument("--export", metavar="FILE",
                   help="check an export with its public key alone (on any machine)")
    q = asub.add_parser("export", parents=[common],
                        help="every record and signed checkpoint, as JSON lines with the public key")
    q.add_argument("--output", "-o", help="file to write (default: standard output)")
    q = asub.add_parser("checkpoint", parents=[common],
                        help="sign where the log stands now, to keep off this machine")
    q.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_audit, audit_cmd=None, limit=50, action=None, since=None, until=None,
                   checkpoint=None, export=None, output=None)
