"""`autoglm policy show|verify|sign|keygen`: the administrator's policy, for administrators.

These commands check the policy themselves, so they work while a broken policy
stops every other command: that is when an administrator needs them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.errors import AppError


def _context(args: argparse.Namespace) -> Any:
    from app.cli_support import attach_prompt
    from app.services.context import open_context

    return attach_prompt(open_context(args.data_dir))


def cmd_policy(args: argparse.Namespace) -> int:
    from app.cli_support import emit_json
    from app.services import policy as svc

    ctx = _context(args)
    file = Path(args.file) if getattr(args, "file", None) else None
    admin_key = Path(args.admin_key) if getattr(args, "admin_key", None) else None
    if args.policy_cmd in ("show", "verify"):
        report = svc.check_policy_file(ctx, file, admin_key)
        if args.json or args.policy_cmd == "show":
            if args.json:
                emit_json(report.as_dict())
            else:
                _print_report(report)
            return 0
        if not report.exists:
            print(f"no policy at {report.path}: the built-in defaults apply")
        else:
            print(f"valid: {report.path} is signed by the administrator key "
                  f"{report.policy.signer} ({report.policy.signed_at})")
        return 0
    if args.policy_cmd == "sign":
        from app.cli_support import signing_key_passphrase
        from app.security.keys import key_is_encrypted

        key = Path(args.key)
        passphrase = (signing_key_passphrase(creating=False, key_file=key)
                      if key_is_encrypted(key) else None)
        out = Path(args.output) if args.output else None
        target, signer = svc.sign_policy_file(ctx, Path(args.policy), key, out, passphrase)
        print(f"signed: wrote {target} (signer {signer}); install the administrator's public "
              f"key beside it as {svc.admin_key_path(target).name}")
        return 0
    if args.policy_cmd == "keygen":
        from app.cli_support import signing_key_passphrase
        from app.security.keys import PASSPHRASE_ENV, generate_key

        passphrase = "" if args.no_passphrase else signing_key_passphrase(creating=True)
        if passphrase is None:
            raise AppError("The administrator key is protected by a passphrase: type one when "
                           f"asked (run this in a terminal), set {PASSPHRASE_ENV}, or pass "
                           "--no-passphrase.")
        info = generate_key(Path(args.dir), args.name, passphrase=passphrase)
        print(f"administrator key {info.key_id}: private {info.private_path} (keep it off the "
              f"users' machines), public {info.public_path} (install it beside the policy as "
              f"{svc.admin_key_path(Path('policy.json')).name})")
        return 0
    raise AppError("choose a policy command: show, verify, sign or keygen")


def _print_report(report: Any) -> None:
    d = report.as_dict()
    if not report.exists:
        print(f"No policy at {report.path}: the built-in defaults apply.")
    else:
        print(f"Policy {report.path}")
        print(f"  signed by {d['signer']} at {d['signed_at']}, sha256 {d['sha256'][:16]}…")
    print(f"  unsigned models allowed: {_yes(d['allow_unsigned_models'])}")
    print(f"  encryption at rest required: {_yes(d['require_encryption'])}")
    print(f"  pinned model-signing keys: {len(d['trusted_keys']) or 'none (the trust store)'}")
    print(f"  allowed models: {len(d['allowed_models']) or 'any verified model'}")
    print(f"  organisation patterns: {', '.join(d['safety']['organisation']) or 'none'}")
    print(f"  sync server: {d['sync_server'] or 'not pinned'}"
          + (f" (CA {d['sync_ca_bundle']})" if d["sync_ca_bundle"] else ""))
    print(f"  retention: {d['retention_days'] or 'unlimited'}"
          + (" days" if d["retention_days"] else ""))
    print(f"  content in audit records: {_yes(d['audit_content'])}")
    print(f"  serving other computers: {'allowed' if d['serve_off_loopback'] else 'forbidden'}"
          + (", /health open to probes" if d["health_probe_open"] else ""))
    for name, perms in d["roles"].items():
        print(f"  role {name}: {', '.join(perms)}")
    for name, value in d["locked_settings"].items():
        print(f"  locked: {name} = {value!r}")
    sys.stdout.flush()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def add_policy_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("policy", parents=[common],
                       help="the administrator's signed policy: show, verify, sign, keygen")
    psub = p.add_subparsers(dest="policy_cmd", metavar="ACTION")
    for name, text in (("show", "what the policy in force says"),
                       ("verify", "check a policy's signature and contents as start-up does "
                                  "(exit 0 when valid)")):
        q = psub.add_parser(name, parents=[common], help=text)
        q.add_argument("--file", help="the policy file (default: the one in force)")
        q.add_argument("--admin-key", help="the administrator's public key (default: "
                                           "policy-admin.pub beside the policy)")
    q = psub.add_parser("sign", parents=[common],
                        help="check a policy and sign it with the administrator's private key")
    q.add_argument("policy", help="the policy JSON file to sign")
    q.add_argument("--key", required=True, help="the administrator's private key file")
    q.add_argument("--output", "-o", help="write the signed policy here (default: in place)")
    q = psub.add_parser("keygen", parents=[common], help="make an administrator key pair")
    q.add_argument("name")
    q.add_argument("--dir", default=".", help="folder for the key files (default: here)")
    q.add_argument("--no-passphrase", action="store_true",
                   help="keep the private key unprotected")
    p.set_defaults(func=cmd_policy, policy_cmd=None)
