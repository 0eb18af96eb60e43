"""Writing administrator policies for tests: signed with one administrator key made for the
test session, whose public half is installed beside the policy as the app expects."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from app.security.keys import KeyInfo, generate_key, load_private_key, sign_fields, signer_id
from app.security.policy import (
    POLICY_FORMAT,
    PolicyMalformed,
    PolicyTampered,
    PolicyUnknownKey,
    PolicyUnsigned,
    PolicyWrongShape,
    admin_key_path,
    policy_text,
)


@cache
def admin_key() -> KeyInfo:
    """The session's administrator key pair (an unencrypted private key in a temp folder)."""
    return generate_key(Path(tempfile.mkdtemp(prefix="policy-admin-")), "Test administrator",
                        passphrase="")


def write_policy(path: Path, body: dict[str, Any], *, sign: bool = True,
                 install_key: bool = True) -> Path:
    """``body`` as the policy at ``path``, signed by the administrator key, whose public key
    is installed beside it (either can be left out, to test what a missing one does).

    The body is signed as it is, unchecked (``autoglm policy sign`` refuses a wrong one), so
    tests can show what loading makes of a mistake an administrator signed."""
    key = admin_key()
    assert key.private_path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    if sign:
        private = load_private_key(key.private_path, "")
        fields = {"format": POLICY_FORMAT, **body, "signer": signer_id(private),
                  "signed_at": "2026-01-01T00:00:00Z"}
        fields["signature"] = sign_fields(private, fields)
        path.write_text(policy_text(fields), encoding="utf-8")
    else:
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    if install_key:
        admin_key_path(path).write_text(key.public_line() + "\n", encoding="utf-8")
    return path


def make_unsigned(path: Path) -> None:
    write_policy(path, {"retention_days": 5}, sign=False)


def make_tampered(path: Path) -> None:
    write_policy(path, {"allow_unsigned_models": False})
    fields = json.loads(path.read_text())
    path.write_text(json.dumps({**fields, "allow_unsigned_models": True}))


def make_unknown_key(path: Path) -> None:
    write_policy(path, {"retention_days": 5})
    path.with_name("policy-admin.pub").write_text(
        "autoglm-ed25519 " + "B" * 43 + "= someone else\n")


def make_malformed(path: Path) -> None:
    path.write_text('{"retention_days": 5')


def make_list(path: Path) -> None:
    path.write_text('["allow_unsigned_models"]')


def make_number(path: Path) -> None:
    path.write_text("3")


# Each way a policy file can be unusable: how to make it, the error, and what it says.
BROKEN_POLICIES = [
    (make_unsigned, PolicyUnsigned, "is not signed"),
    (make_tampered, PolicyTampered, "was changed after it was signed"),
    (make_unknown_key, PolicyUnknownKey, "is signed by an unknown key"),
    (make_malformed, PolicyMalformed, "is not valid JSON"),
    (make_list, PolicyWrongShape, "must be a JSON object, not a list"),
    (make_number, PolicyWrongShape, "must be a JSON object, not a number"),
]
BROKEN_IDS = ["unsigned", "tampered", "unknown-key", "malformed", "list", "number"]
