"""The administrator's policy from the command line: every command stops on a policy that
cannot be used, with its own message and exit code (`autoglm serve` too); `autoglm policy`
signs, verifies and shows; `autoglm settings` cannot change what the policy locks; API keys
are made with a role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.errors import PolicyViolation
from app.security.policy import PolicyMalformed, PolicyRejected, PolicyTampered, PolicyUnsigned
from tests.policy_helpers import (
    BROKEN_IDS,
    BROKEN_POLICIES,
    admin_key,
    make_tampered,
    write_policy,
)


def autoglm(*args: str, policy: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "AUTOGLM_POLICY_FILE": str(policy)})


def error_lines(out: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in out.stderr, out.stderr
    return [ln for ln in out.stderr.splitlines() if ln.startswith("autoglm: ")]




@pytest.mark.parametrize("make, error, message", BROKEN_POLICIES, ids=BROKEN_IDS)
def test_a_policy_that_cannot_be_used_stops_a_command_with_its_own_message_and_code(
        tmp_path: Path, make, error: type[PolicyRejected], message: str) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "etc" / "policy.json"
    policy.parent.mkdir()
    make(policy)
    out = autoglm("scan", "-", policy=policy, stdin="nothing to find")
    assert out.returncode == error.exit_code
    [line] = error_lines(out)
    assert line.startswith(f"autoglm: error: the administrator's policy {policy}")
    assert message in line and out.stdout == ""


@pytest.mark.parametrize("make, error, message", BROKEN_POLICIES, ids=BROKEN_IDS)
def test_serve_does_not_start_on_a_policy_that_cannot_be_used(
        tmp_path: Path, make, error: type[PolicyRejected], message: str) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.json"
    make(policy)
    out = autoglm("serve", "--port", "0", policy=policy)
    assert out.returncode == error.exit_code
    [line] = error_lines(out)
    assert message in line


def test_serve_refuses_a_network_address_the_policy_forbids(tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "policy.json", {"serve_off_loopback": False})
    assert autoglm("serve", "keys", "create", "lan", policy=policy).returncode == 0
    out = autoglm("serve", "--host", "0.0.0.0", "--port", "0", policy=policy)
    assert out.returncode == PolicyViolation.exit_code
    assert "does not allow" in error_lines(out)[0] and "bind 127.0.0.1" in out.stderr


def test_an_administrator_signs_verifies_and_shows_a_policy(tmp_path: Path) -> None:
    key = admin_key()
    assert key.private_path is not None
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"allow_unsigned_models": False, "retention_days": 30,
                                  "sync_server": "https://dav.example.org/autoglm",
                                  "locked_settings": {"temperature": 0.3}}))
    policy.with_name("policy-admin.pub").write_text(key.public_line() + "\n")
    assert autoglm("policy", "verify", policy=policy).returncode == PolicyUnsigned.exit_code
    signed = autoglm("policy", "sign", str(policy), "--key", str(key.private_path), policy=policy)
    assert signed.returncode == 0, signed.stderr
    assert f"signer {key.key_id}" in signed.stdout
    verified = autoglm("policy", "verify", policy=policy)
    assert verified.returncode == 0 and f"signed by the administrator key {key.key_id}" in (
        verified.stdout)
    shown = json.loads(autoglm("--json", "policy", "show", policy=policy).stdout)
    assert shown["retention_days"] == 30 and shown["sync_server"] == "https://dav.example.org/autoglm"
    assert shown["locked_settings"] == {"temperature": 0.3, "allow_unsigned": False,
                                        "retention_days": 30}
    assert shown["roles"]["auditor"] == ["audit.read", "chat", "completions", "embeddings",
                                         "metrics", "models"]
    make_tampered(policy)  # `policy verify` says what start-up would, with the same code
    tampered = autoglm("policy", "verify", policy=policy)
    assert tampered.returncode == PolicyTampered.exit_code
    assert "was changed after it was signed" in error_lines(tampered)[0]


def test_sign_refuses_a_policy_with_a_mistake(tmp_path: Path) -> None:
    key = admin_key()
    assert key.private_path is not None
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"retention_day": 30}))
    out = autoglm("policy", "sign", str(policy), "--key", str(key.private_path), policy=policy)
    assert out.returncode == PolicyMalformed.exit_code
    assert "did you mean 'retention_days'?" in error_lines(out)[0]
    assert "signature" not in policy.read_text()


def test_no_policy_file_shows_the_built_in_defaults(tmp_path: Path) -> None:
    out = autoglm("policy", "show", policy=tmp_path / "none.json")
    assert out.returncode == 0 and "the built-in defaults apply" in out.stdout


def test_a_locked_setting_cannot_be_changed_from_the_command_line(tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "policy.json", {"locked_settings": {"temperature": 0.2}})
    out = autoglm("settings", "set", "temperature", "1.5", policy=policy)
    assert out.returncode == PolicyViolation.exit_code
    assert error_lines(out) == ["autoglm: error: temperature is locked by the administrator's "
                                "policy: it stays 0.2"]
    listed = autoglm("settings", "list", policy=policy).stdout
    assert "temperature          0.2  (locked by policy)" in listed.splitlines()
    changed = autoglm("settings", "set", "top_k", "12", policy=policy)  # the rest is the user's
    assert changed.returncode == 0 and changed.stdout.strip() == "top_k = 12"


def test_api_keys_are_made_with_a_role(tmp_path: Path) -> None:
    policy = tmp_path / "none.json"
    made = autoglm("serve", "keys", "create", "audits", "--role", "auditor", policy=policy)
    assert made.returncode == 0 and "role auditor" in made.stderr
    listed = json.loads(autoglm("--json", "serve", "keys", "list", policy=policy).stdout)
    assert [(k["name"], k["role"]) for k in listed] == [("audits", "auditor")]
    typo = autoglm("serve", "keys", "create", "x", "--role", "admn", policy=policy)
    assert typo.returncode == 2 and "no role 'admn' (did you mean 'admin'?)" in typo.stderr
