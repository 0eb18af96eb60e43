"""SQLCipher for the store: keying a connection, telling an encrypted file from a plain one,
and re-writing a file under a new key (or from plain to encrypted) so that a crash at any
point leaves the old file or the new one, never neither."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from app.errors import StoreError

log = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256: SQLCipher 4 takes a raw 256-bit key and skips its KDF
PLAIN_HEADER = b"SQLite format 3\x00"
# A database that SQLCipher could not open with the key it was given.
WRONG_KEY = (
    "The key for the conversation database {path} does not open it{where}. "
    "If you restored an older copy of the database or of your keyring, put back the one "
    "that belongs with it. The file was left untouched."
)

Progress = Callable[[int, int], None]
FileKind = Literal["missing", "empty", "plain", "encrypted"]


def driver() -> Any:
    """SQLCipher's DB-API module (a build of SQLite with the codec, FTS5 included)."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError as exc:  # a broken install, not something the user can cause
        raise StoreError(
            "The SQLCipher driver (the Python package sqlcipher3) is missing or broken, so "
            f"the encrypted store cannot be opened: {exc}. Reinstall Open-AutoGLM."
        ) from exc
    return dbapi2


def driver_errors() -> tuple[type[BaseException], ...]:
    """The DB-API error classes of both SQLite builds we may meet."""
    try:
        from sqlcipher3 import dbapi2

        return (sqlite3.Error, dbapi2.Error)
    except ImportError:
        return (sqlite3.Error,)


def key_pragma(key: bytes) -> str:
    """``PRAGMA key`` with a raw key: SQLCipher uses the bytes as they are, no KDF."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def key_check(key: bytes) -> str:
    """A value that tells whether a key is the one a database was made with, and
    reveals nothing of the key itself."""
    return hmac.new(key, b"open-autoglm database key check v1", hashlib.sha256).hexdigest()[:32]


def file_kind(path: Path) -> FileKind:
    """Whether ``path`` holds a plain SQLite file, an encrypted one, or nothing yet.

    A plain file starts with SQLite's magic string; SQLCipher encrypts the whole
    page, header included, so anything else of a page or more is taken as encrypted.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return "missing"
    if not head:
        return "empty"
    return "plain" if head == PLAIN_HEADER else "encrypted"


def connect(path: Path | str, key: bytes | None, **kwargs: Any) -> Any:
    """A SQLCipher connection, keyed when ``key`` is given (plain SQLite otherwise)."""
    conn = driver().connect(str(path), **kwargs)
    if key is not None:
        conn.execute(key_pragma(key))
    return conn


def opens_with(path: Path, key: bytes | None) -> bool:
    """True if ``key`` opens the database at ``path`` (reads one page, writes nothing).

    Except where a writer was killed mid-transaction (the app, during a conversion or
    a migration): its journal is "hot", and SQLite rolls it back before anyone may
    read, which a read-only connection cannot do. Then the file is opened for writing
    once, as the next opening would anyway: the rollback puts back the journal's page
    images as they are, whatever the key, so a wrong key still only reads as wrong.
    """
    try:
        return _reads_with(f"{Path(path).resolve().as_uri()}?mode=ro", key)
    except driver_errors() as err:
        if "readonly" not in str(err).lower():
            raise
    return _reads_with(Path(path).resolve().as_uri(), key)


def _reads_with(uri: str, key: bytes | None) -> bool:
    conn = connect(uri, key, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except driver_errors() as err:
        if "not a database" in str(err).lower():
            return False
        raise
    finally:
        conn.close()


def export(
    src: Path,
    src_key: bytes | None,
    dst_key: bytes,
    *,
    progress: Progress | None = None,
) -> None:
    """Re-write the database ``src`` (plain, or under ``src_key``) under ``dst_key``.

    The copy is made beside it (``<name>.encrypting``), flushed to disk, then
    renamed over ``src``; the old WAL is emptied into the file first and removed
    before the rename, so it can never be replayed onto the new file. A kill at
    any point leaves either the old file (and a stray copy the next call removes)
    or the new one.
    """
    src = Path(src)
    tmp = src.with_name(src.name + ".encrypting")
    remove_leftovers(src)
    total = max(1, src.stat().st_size)
    conn = connect(src, src_key, isolation_level=None, check_same_thread=False)
    try:
        # Everything committed must be in the main file before its WAL goes away.
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and busy[0]:
            raise StoreError(
                f"The conversation database {src} is in use by another program "
                "(is Open-AutoGLM running twice?), so it cannot be encrypted now. "
                "Close the other program and start again."
            )
        if progress is not None:
            _report_progress(conn, tmp, total, progress)
        conn.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(tmp), f"x'{dst_key.hex()}'"))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    _fsync(tmp)
    if not opens_with(tmp, dst_key):  # never swap in a copy we could not read back
        tmp.unlink(missing_ok=True)
        raise StoreError(f"Encrypting {src} produced a copy that does not open; nothing was changed.")
    for suffix in ("-wal", "-shm"):
        src.with_name(src.name + suffix).unlink(missing_ok=True)
    os.replace(tmp, src)
    _fsync_dir(src.parent)
    if progress is not None:
        progress(total, total)


def remove_leftovers(path: Path) -> None:
    """A copy left by an export that was killed half-way (the original is intact), with
    its rollback journal: left behind, that journal is "hot" for the next copy of the same
    name, which SQLite would then try to roll back (and cannot, read-only)."""
    copy = path.with_name(path.name + ".encrypting")
    for leftover in (copy, *(copy.with_name(copy.name + s) for s in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)


def _report_progress(conn: Any, tmp: Path, total: int, progress: Progress) -> None:
    last = [0.0]

    def tick() -> int:
        now = time.monotonic()
        if now - last[0] >= 0.1:
            last[0] = now
            try:
                done = tmp.stat().st_size
            except OSError:
                done = 0
            progress(min(done, total), total)
        return 0  # 0: carry on

    conn.set_progress_handler(tick, 20_000)
    progress(0, total)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # not every OS opens directories; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
