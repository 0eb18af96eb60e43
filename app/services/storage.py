"""The user's database, encrypted at rest: where its key comes from, converting a plain
database from an earlier release, rotating the key, and what to tell the user about it.

The key is a random 256-bit key kept through the secrets door (app.security.secrets)
under a name that carries the database's id. That id, this installation's id and a
check value of the key (which reveals nothing of it) are kept beside the database in
``<name>.keyinfo.json``, so a missing key, a wrong key and a database copied from
another machine are each told apart and refused with their own message.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import (
    KeyringUnavailable,
    PolicyViolation,
    StoreError,
    StoreFromAnotherMachine,
    StoreKeyMissing,
    StoreKeyWrong,
)
from app.files import atomic_write

if TYPE_CHECKING:
    from app.services.context import AppContext
    from app.store.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
KEYINFO_SUFFIX = ".keyinfo.json"

UNENCRYPTED = (
    "Your conversations are stored unencrypted in {path}: {why} "
    "They will be encrypted the next time a key store can be used."
)
REQUIRED = (
    "The administrator's policy ({source}) requires the conversation database to be "
    "encrypted, and no key store can be used here: {why} Nothing was stored."
)
MISSING = (
    "The conversation database {path} is encrypted, and its key is not in {where}. "
    "It may have been removed from the keyring, or the keyring was reset. Restore the "
    "keyring (or the file {vault}) from a backup; the database was left untouched."
)
ANOTHER_MACHINE = (
    "The conversation database {path} was encrypted on another computer or user account, "
    "and its key stayed in that installation's keyring. Open it there, or move your "
    "conversations with an export; the file was left untouched."
)
NO_KEYRING_NOW = (
    "The conversation database {path} is encrypted with a key kept in the system keyring, "
    "and no keyring can be used now ({why}). Start your desktop session's keyring (log in "
    "to the desktop, or unlock the keyring) and try again; the database was left untouched."
)
NO_KEYINFO = (
    "The conversation database {path} is encrypted, but the file that names its key "
    "({keyinfo}) is missing. Put it back from the folder or backup the database came from; "
    "the database was left untouched."
)


@dataclass(frozen=True)
class KeyInfo:
    """What sits beside the database: which key opens it, and who made it."""

    database_id: str
    installation_id: str
    key_check: str
    key_store: str = "keyring"  # or "passphrase-file": where the key was put

    @property
    def key_name(self) -> str:
        return f"database-key:{self.database_id}"

    @property
    def next_key_name(self) -> str:
        return f"database-key-next:{self.database_id}"


@dataclass(frozen=True)
class StoreStatus:
    """Whether the store is encrypted and where its key lives, for doctor and the GUI."""

    path: str
    state: str  # "encrypted", "unencrypted" or "not created yet"
    key_store: str
    notice: str = ""

    @property
    def encrypted(self) -> bool:
        return self.state == "encrypted"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "encrypted": self.encrypted}


def keyinfo_path(database: Path) -> Path:
    return database.with_name(database.name + KEYINFO_SUFFIX)


def read_keyinfo(database: Path) -> KeyInfo | None:
    path = keyinfo_path(database)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return KeyInfo(
            str(raw["database_id"]), str(raw["installation_id"]), str(raw["key_check"]),
            str(raw.get("key_store", "keyring")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"The file {path} that names the conversation database's key is damaged "
            f"({type(exc).__name__}). Put it back from a backup; nothing was changed."
        ) from None


def _write_keyinfo(database: Path, info: KeyInfo) -> None:
    doc = {**asdict(info), "note": "Names the key that opens the database beside it; holds no key."}
    atomic_write(keyinfo_path(database), json.dumps(doc, indent=1).encode("utf-8"))


def store_status(ctx: AppContext) -> StoreStatus:
    """The store's state, read without opening the database or asking for a passphrase."""
    from app.store.cipher import file_kind

    path = ctx.paths.database
    kind = file_kind(path)
    where = ctx.secrets.where()
    state = {"encrypted": "encrypted", "plain": "unencrypted"}.get(kind, "not created yet")
    notice = where.notice
    if kind == "plain":
        notice = (notice + " " if notice else "") + "The database is not encrypted yet."
    return StoreStatus(str(path), state, where.describe(), notice)


def open_user_store(ctx: AppContext, progress: Progress | None = None) -> Store:
    """Open the user's database, encrypted, creating its key or converting a plain file
    from an earlier release first (``progress(done, total)`` in bytes while it does).

    A database that is encrypted never opens without its key; a new or plain one
    stays plain only where no key store can be had at all (no keyring, and the user
    was asked for a passphrase and gave none), and the policy allows it.
    """
    with _opening(ctx.paths.database), _opening_across_processes(ctx.paths.database):
        store = _open_user_store(ctx, progress)
    from app.services.privacy import purge_at_start

    purge_at_start(ctx, store)  # the retention, as the app starts (it never stops the opening)
    return store


_locks: dict[Path, threading.RLock] = {}
_file_locks: dict[Path, Any] = {}
_locks_guard = threading.Lock()


def _opening(database: Path) -> threading.RLock:
    """One opening at a time per database in this process: two threads must never both
    make a key for a new database, or both convert a plain one."""
    with _locks_guard:
        return _locks.setdefault(Path(database).resolve(), threading.RLock())


def _opening_across_processes(database: Path) -> Any:
    """The same between processes (the desktop app, a CLI, server instances sharing a
    data folder): an OS file lock beside the database, held while it is opened."""
    from filelock import FileLock

    path = Path(database).resolve()
    with _locks_guard:
        if path not in _file_locks:
            path.parent.mkdir(parents=True, exist_ok=True)
            _file_locks[path] = FileLock(str(path.with_name(path.name + ".lock")), timeout=300)
        return _file_locks[path]


def _open_user_store(ctx: AppContext, progress: Progress | None) -> Store:
    from app.security.policy import load_policy
    from app.security.secrets import PassphraseRequired
    from app.store import cipher
    from app.store.store import open_store

    path = ctx.paths.database
    cipher.remove_leftovers(path)
    kind = cipher.file_kind(path)
    if kind == "encrypted":
        return open_store(path, _existing_key(ctx, path))
    try:
        key = _key_for_new_or_plain(ctx, path)
    except PassphraseRequired as err:
        if not ctx.secrets.declined:
            raise  # not asked yet (or no one to ask): decide nothing, create nothing
        policy = load_policy()
        if policy.require_encryption:
            raise PolicyViolation(REQUIRED.format(source=policy.source, why=str(err))) from None
        ctx.store_notice = UNENCRYPTED.format(path=path, why=str(err))
        log.warning("%s", ctx.store_notice)
        return open_store(path, None)
    if kind == "plain":
        log.info("encrypting the conversation database %s", path)
        _encrypt_with_backups(path, None, key, progress)
    return open_store(path, key)


def rekey_store(ctx: AppContext, progress: Progress | None = None) -> StoreStatus:
    """Re-encrypt the (closed) database under a new random key, then retire the old one.

    The new key is saved as "next" before the file is rewritten and promoted after, so
    a crash in between leaves a file that one of the two keys opens, and the next
    open finishes the rotation.
    """
    from app.store import cipher

    path = ctx.paths.database
    kind = cipher.file_kind(path)
    if kind != "encrypted":
        raise StoreError(
            f"The conversation database {path} is not encrypted, so it has no key to rotate."
            + (" Open the app once with a key store available to encrypt it." if kind == "plain" else "")
        )
    old = _existing_key(ctx, path)
    info = read_keyinfo(path)
    assert info is not None  # _existing_key checked it
    new = cipher.new_key()
    ctx.secrets.set_bytes(info.next_key_name, new)
    _encrypt_with_backups(path, old, new, progress)
    _promote(ctx, path, info, new)
    log.info("rotated the key of the conversation database %s", path)
    return store_status(ctx)


# -- keys --------------------------------------------------------------------------------

def _key_for_new_or_plain(ctx: AppContext, path: Path) -> bytes:
    """The key a new or plain database will be encrypted with, saved before it is used."""
    from app.store import cipher

    secrets = ctx.secrets
    info = read_keyinfo(path)
    if info is not None:
        # A conversion was started and cut short, or the file was removed: reuse its key.
        key = secrets.get_bytes(info.key_name)
        if key is not None and cipher.key_check(key) == info.key_check:
            return key
    key = cipher.new_key()
    info = KeyInfo(
        str(uuid.uuid4()), secrets.installation_id() or "", cipher.key_check(key),
        secrets.where().kind,
    )
    secrets.set_bytes(info.key_name, key)  # first the key, so the note never names a lost one
    _write_keyinfo(path, info)
    return key


def _existing_key(ctx: AppContext, path: Path) -> bytes:
    from app.security.secrets import keyring_problem
    from app.store import cipher

    info = read_keyinfo(path)
    if info is None:
        raise StoreKeyMissing(NO_KEYINFO.format(path=path, keyinfo=keyinfo_path(path)))
    secrets = ctx.secrets
    if info.key_store == "keyring" and secrets.where().kind != "keyring":
        raise KeyringUnavailable(NO_KEYRING_NOW.format(path=path, why=keyring_problem()))
    key = secrets.get_bytes(info.key_name)
    pending = secrets.get_bytes(info.next_key_name)
    if key is None and pending is None:
        here = secrets.installation_id(create=False)
        if here != info.installation_id:
            raise StoreFromAnotherMachine(ANOTHER_MACHINE.format(path=path))
        where = secrets.where()
        vault = secrets.vault_path
        raise StoreKeyMissing(MISSING.format(path=path, where=where.describe(), vault=vault))
    for candidate in (key, pending):
        if candidate is not None and cipher.opens_with(path, candidate):
            if candidate is pending:  # a rotation was cut short after the file was rewritten
                _promote(ctx, path, info, candidate)
            return candidate
    raise StoreKeyWrong(
        cipher.WRONG_KEY.format(path=path, where=f" (the key in {secrets.where().describe()})")
    )


def _promote(ctx: AppContext, path: Path, info: KeyInfo, key: bytes) -> None:
    from app.store import cipher

    ctx.secrets.set_bytes(info.key_name, key)
    _write_keyinfo(path, replace(info, key_check=cipher.key_check(key)))
    ctx.secrets.delete(info.next_key_name)


def _encrypt_with_backups(
    path: Path, old: bytes | None, new: bytes, progress: Progress | None
) -> None:
    """Re-write the database and the backups migrations left beside it under ``new``."""
    from app.store import cipher

    cipher.export(path, old, new, progress=progress)
    for backup in sorted(path.parent.glob(f"{path.name}.*.bak")):
        try:
            if cipher.file_kind(backup) == "plain" or old is not None:
                cipher.export(backup, old, new)
        except Exception as exc:  # a backup we cannot convert must not stay readable
            log.warning("backup %s could not be re-encrypted (%s); removing it", backup, exc)
            backup.unlink(missing_ok=True)
            backup.with_name(backup.name + "-wal").unlink(missing_ok=True)

