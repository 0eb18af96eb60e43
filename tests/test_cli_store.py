"""`autoglm` and the encrypted store as a user meets them: status, rekey, doctor, the
passphrase-locked key file where there is no keyring, and clear refusals that hold no key."""

from __future__ import annotations

import json
import os
from pathlib import Path

from test_cli import autoglm

from app.errors import StoreKeyWrong
from app.security.secrets import PassphraseRequired
from app.services.context import open_context
from app.services.storage import read_keyinfo

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_store_status_says_encrypted_and_that_the_key_is_in_the_keyring() -> None:
    assert autoglm("history", "list").returncode == 0  # creates the store
    out = autoglm("store", "status", "--json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["encrypted"] is True and status["state"] == "encrypted"
    assert "system keyring" in status["key_store"]
    doctor = autoglm("doctor")
    assert "conversation store: encrypted, keys kept in the system keyring" in doctor.stdout


def test_rekey_keeps_the_conversations_and_changes_the_key() -> None:
    saved = autoglm("ask", "--seed", "3", "--max-tokens", "4", "Name a colour.")
    assert saved.returncode == 0, saved.stderr
    ctx = open_context()
    info = read_keyinfo(ctx.paths.database)
    assert info is not None
    before = ctx.secrets.get(info.key_name)
    out = autoglm("store", "rekey")
    assert out.returncode == 0, out.stderr
    assert "new key" in out.stdout
    assert open_context().secrets.get(info.key_name) != before
    listed = json.loads(autoglm("history", "list", "--json").stdout)
    assert len(listed) == 1


def test_a_wrong_key_is_refused_in_one_line_that_holds_no_key() -> None:
    assert autoglm("history", "list").returncode == 0
    ctx = open_context()
    info = read_keyinfo(ctx.paths.database)
    assert info is not None
    ctx.secrets.set_bytes(info.key_name, os.urandom(32))
    wrong = ctx.secrets.get_bytes(info.key_name)
    assert wrong is not None
    out = autoglm("history", "list", "--json")
    assert out.returncode == StoreKeyWrong.exit_code
    assert "does not open it" in out.stderr and "Traceback" not in out.stderr
    for shown in (out.stdout, out.stderr):
        assert wrong.hex() not in shown.lower()


def test_without_a_keyring_the_passphrase_in_the_environment_unlocks_the_key_file() -> None:
    env = {**NO_KEYRING, "AUTOGLM_PASSPHRASE": "unattended server passphrase"}
    out = autoglm("history", "list", env=env)
    assert out.returncode == 0, out.stderr
    status = json.loads(autoglm("store", "status", "--json", env=env).stdout)
    assert status["encrypted"] and "passphrase-locked file" in status["key_store"]
    assert "No system keyring was found" in status["notice"]
    # Without the passphrase (no terminal to ask on), a clear refusal naming the fix.
    locked = autoglm("history", "list", env=NO_KEYRING)
    assert locked.returncode == PassphraseRequired.exit_code
    assert "AUTOGLM_PASSPHRASE" in locked.stderr and "Traceback" not in locked.stderr
    wrong = autoglm("history", "list", env={**NO_KEYRING, "AUTOGLM_PASSPHRASE": "not it at all"})
    assert wrong.returncode != 0 and "Wrong passphrase" in wrong.stderr


def test_with_no_key_store_at_all_the_cli_warns_that_it_stores_unencrypted() -> None:
    out = autoglm("history", "list", env=NO_KEYRING)
    assert out.returncode == 0, out.stderr
    assert "stored unencrypted" in out.stderr
    status = json.loads(autoglm("store", "status", "--json", env=NO_KEYRING).stdout)
    assert status["state"] == "unencrypted"
    # Once a passphrase is given, the next run encrypts what is there.
    env = {**NO_KEYRING, "AUTOGLM_PASSPHRASE": "now with a passphrase"}
    assert autoglm("store", "encrypt", env=env).returncode == 0
    assert json.loads(autoglm("store", "status", "--json", env=env).stdout)["encrypted"]


def test_a_new_signing_key_is_locked_with_a_passphrase_unless_told_otherwise(
    tmp_path: Path,
) -> None:
    refused = autoglm("keys", "generate", "Analyst")
    assert refused.returncode != 0 and "--no-passphrase" in refused.stderr
    made = autoglm("keys", "generate", "Analyst", env={"AUTOGLM_KEY_PASSPHRASE": "key phrase 1"})
    assert made.returncode == 0, made.stderr
    keys = sorted(open_context().paths.keys_dir.glob("*.key"))
    assert len(keys) == 1 and b"ENCRYPTED PRIVATE KEY" in keys[0].read_bytes()
    plain = autoglm("keys", "generate", "Bench", "--no-passphrase")
    assert plain.returncode == 0, plain.stderr
