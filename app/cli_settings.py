"""`autoglm settings list|get|set|reset`: the user's preferences from the command line,
declared once in app.config and locked where the administrator's policy says so."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.errors import AppError


def cmd_settings(args: argparse.Namespace) -> int:
    from app.cli_support import cli_context, emit_json
    from app.config import SETTINGS

    ctx = cli_context(args)
    settings = ctx.settings
    action = args.settings_cmd or "list"
    if action == "list":
        locked = settings.locked()
        rows = [{"name": s.name, "value": settings.get(s.name), "locked": s.name in locked}
                for s in SETTINGS if s.kind == "preference"]
        if args.json:
            emit_json(rows)
        for r in [] if args.json else rows:
            print(f"{r['name']:<20} {json.dumps(r['value'], ensure_ascii=False)}"
                  + ("  (locked by policy)" if r["locked"] else ""))
        return 0
    if action == "get":
        value = settings.get(args.name)
        print(json.dumps(value, ensure_ascii=False) if args.json or not isinstance(value, str)
              else value)
        return 0
    if action == "set":
        settings.set(args.name, _value(args.value))
        print(f"{args.name} = {json.dumps(settings.get(args.name), ensure_ascii=False)}")
        return 0
    if action == "reset":
        settings.reset(args.name)
        print(f"{args.name} = {json.dumps(settings.get(args.name), ensure_ascii=False)} (default)")
        return 0
    raise AppError("choose a settings command: list, get, set or reset")


def _value(text: str) -> Any:
    """JSON where the text is JSON (numbers, true, an object), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def add_settings_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("settings", parents=[common], help="list, read and change settings")
    ssub = p.add_subparsers(dest="settings_cmd", metavar="ACTION")
    ssub.add_parser("list", parents=[common], help="every setting, its value, and whether "
                                                   "the policy locks it")
    q = ssub.add_parser("get", parents=[common], help="one setting's value")
    q.add_argument("name")
    q = ssub.add_parser("set", parents=[common], help="change a setting (refused if locked)")
    q.add_argument("name")
    q.add_argument("value")
    q = ssub.add_parser("reset", parents=[common], help="back to the default (refused if locked)")
    q.add_argument("name")
    p.set_defaults(func=cmd_settings, settings_cmd=None)
