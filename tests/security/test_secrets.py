"""The secrets door: secrets go to the keyring through keyring's own API, or where there is
no keyring to a file locked with the user's passphrase; no secret reaches a log line, an
error message or the file in clear."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked

from app.errors import KeyringUnavailable
from app.security.secrets import (
    SERVICE,
    PassphraseRequired,
    Secrets,
    WrongPassphrase,
    keyring_problem,
)

VALUE = "s3cr3t-value-7f3a9"


def test_secrets_are_kept_in_the_keyring_through_its_api(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    secrets = Secrets(config)
    assert keyring_problem() is None and secrets.where().kind == "keyring"
    secrets.set("sync-password", VALUE)
    assert keyring.get_password(SERVICE, "sync-password") == VALUE
    assert Secrets(config).get("sync-password") == VALUE
    secrets.set_bytes("database-key:abc", b"\x00\x01binary")
    assert secrets.get_bytes("database-key:abc") == b"\x00\x01binary"
    secrets.delete("sync-password")
    secrets.delete("sync-password")  # deleting what is gone is not an error
    assert secrets.get("sync-password") is None
    assert not any(config.iterdir()), "nothing may be written beside the keyring"


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked(f"locked while reading {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


def test_a_locked_keyring_gives_a_clear_error_that_holds_no_secret(tmp_path: Path) -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailable) as caught:
        Secrets(tmp_path).set("sync-password", VALUE)
    assert VALUE not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert "Unlock your keyring" in str(caught.value)


def test_no_keyring_is_detected_and_said_in_plain_words(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    assert keyring_problem() == "no keyring service is running"
    where = Secrets(tmp_path).where()
    assert where.kind == "passphrase-file"
    assert "No system keyring was found" in where.notice and str(tmp_path) in where.notice


def test_the_locked_file_is_unlocked_once_per_session(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    asked: list[bool] = []

    def ask(creating: bool) -> str:
        asked.append(creating)
        return "a passphrase of some length"

    secrets = Secrets(tmp_path, ask)
    secrets.set("sync-password", VALUE)
    secrets.set("audit-key", "another")
    assert secrets.get("sync-password") == VALUE
    assert asked == [True]  # asked once, to create it
    later = Secrets(tmp_path, ask)
    assert later.get("audit-key") == "another" and later.get("sync-password") == VALUE
    assert asked == [True, False]  # and once more in the next session, to unlock it
    raw = (tmp_path / "secrets.locked").read_bytes()
    assert VALUE.encode() not in raw and b"sync-password" not in raw


def test_a_wrong_passphrase_is_refused_and_the_file_left_as_it_was(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    Secrets(tmp_path, lambda _c: "the right passphrase").set("sync-password", VALUE)
    before = (tmp_path / "secrets.locked").read_bytes()
    with pytest.raises(WrongPassphrase, match="Wrong passphrase"):
        Secrets(tmp_path, lambda _c: "the wrong passphrase").get("sync-password")
    assert (tmp_path / "secrets.locked").read_bytes() == before


def test_without_a_passphrase_the_error_says_how_to_give_one(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(PassphraseRequired, match="AUTOGLM_PASSPHRASE"):
        Secrets(tmp_path).set("sync-password", VALUE)
    with pytest.raises(WrongPassphrase, match="at least 8 characters"):
        Secrets(tmp_path, lambda _c: "short").set("sync-password", VALUE)
    assert not (tmp_path / "secrets.locked").exists()


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    (tmp_path / "secrets.locked").write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyringUnavailable, match="damaged"):
        Secrets(tmp_path, lambda _c: "a passphrase of some length").get("audit-key")
    assert (tmp_path / "secrets.locked").read_text(encoding="utf-8") == "{not json"


def test_no_secret_reaches_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    Secrets(tmp_path / "a").set("sync-password", VALUE)
    keyring.set_keyring(fail.Keyring())
    vault = Secrets(tmp_path / "b", lambda _c: "a passphrase of some length")
    vault.set("sync-password", VALUE)
    assert vault.get("sync-password") == VALUE
    assert VALUE not in caplog.text and "a passphrase of some length" not in caplog.text
