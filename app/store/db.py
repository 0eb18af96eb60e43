"""The one place that opens the SQLite file, and the translation of its failures into StoreError."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.pool import NullPool, QueuePool

from app.errors import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# Keep the WAL from growing without bound after a long streaming session.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
# Decrypted pages kept per connection of an encrypted store (SQLite's default is 2 MiB).
ENCRYPTED_CACHE_KIB = 32 * 1024

DISK_FULL = "The disk is full: the last change was not saved. Free some space and try again."
READ_ONLY = (
    "Cannot write to the conversation database {path}: the file or its folder is read-only, "
    "so the last change was not saved. Check that the folder is writable and try again."
)
BUSY = (
    "The conversation database is busy (is Open-AutoGLM running twice?): "
    "the last change was not saved. Try again."
)
CORRUPT = (
    "The conversation database is damaged ({path}). Restore it from a backup "
    "(files named *.bak next to it) or move it aside to start afresh."
)
IO_ERROR = (
    "Could not write the conversation database ({path}): {detail}. The last change was not saved."
)


def create_db_engine(path: Path, *, key: bytes | None = None, read_only: bool = False) -> Engine:
    """Return the SQLAlchemy engine for the database file at ``path``.

    Every connection the app makes goes through here. Connections are SQLCipher's,
    keyed with ``key`` (a raw 256-bit key) before anything else is read; without a
    key the same driver reads and writes plain SQLite, which is how a database from
    before encryption is opened to be converted. ``read_only`` opens the file without
    writing a byte to it — not even WAL or shared-memory files when none exist yet —
    to inspect a file we may refuse (save rolling back a killed writer's journal first).
    """
    from app.store.cipher import connect as cipher_connect
    from app.store.cipher import driver, opens_with

    path = Path(path).resolve()
    if read_only:
        if path.with_name(path.name + "-journal").exists():
            # A writer killed mid-transaction: what the file holds is what rolling its
            # journal back leaves, which only a connection that may write can do (as any
            # opening would); read as it is, the file holds half a transaction.
            opens_with(path, key)
        # immutable=1 makes SQLite touch nothing at all; it is only correct when no
        # WAL file holds committed pages the main file lacks.
        wal = path.with_name(path.name + "-wal")
        query = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        uri = f"{path.as_uri()}?{query}"

        def connect_ro() -> Any:
            return cipher_connect(uri, key, uri=True, check_same_thread=False)

        return create_engine("sqlite://", module=driver(), creator=connect_ro, poolclass=NullPool)

    def connect() -> Any:
        # isolation_level=None: the driver issues no BEGIN of its own; the "begin"
        # hook below does, so that SQLAlchemy's transactions are SQLite's, DDL included.
        return cipher_connect(
            path, key, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )

    # module=: SQLAlchemy's SQLite dialect over SQLCipher's DB-API, so its errors are
    # wrapped as any SQLite error is; the key never passes through a URL.
    engine = create_engine(
        "sqlite://", module=driver(), creator=connect, poolclass=QueuePool, pool_size=5
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL, not NORMAL: in WAL mode NORMAL survives a crash of the app but may
            # lose the last commits on power loss; FULL fsyncs the WAL on every commit
            # so a reply the user saw is on disk. It costs one fsync per commit, a few
            # per second while streaming, which is nothing next to token generation.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            if key is not None:
                # Plain SQLite re-reads pages cheaply from the OS cache; SQLCipher must
                # decrypt and authenticate each one again, so keep more of them decrypted.
                cur.execute(f"PRAGMA cache_size=-{ENCRYPTED_CACHE_KIB}")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers ask for IMMEDIATE so they take the write lock up front (waiting
        # busy_timeout for it) instead of failing half-way when a read turns into a write.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, beginning its transactions with BEGIN IMMEDIATE."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def store_error_for(err: BaseException, path: Path | None = None) -> StoreError | None:
    """A StoreError a user can act on for a storage failure, or None if ``err`` is not one."""
    where = str(path) if path else "the data folder"
    if isinstance(err, exc.DBAPIError) and err.orig is not None:
        err = err.orig
    if isinstance(err, OSError):
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(DISK_FULL)
        if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreError(READ_ONLY.format(path=where))
        return None
    from app.store.cipher import driver_errors

    if not isinstance(err, driver_errors()):
        return None
    text = str(err).lower()
    if "database or disk is full" in text:
        return StoreError(DISK_FULL)
    if "readonly database" in text or "read-only" in text:
        return StoreError(READ_ONLY.format(path=where))
    if "database is locked" in text or "database table is locked" in text:
        return StoreError(BUSY)
    if "malformed" in text or "not a database" in text:
        return StoreError(CORRUPT.format(path=where))
    if "unable to open database" in text and path is not None and _read_only(path):
        return StoreError(READ_ONLY.format(path=where))
    if ("disk i/o error" in text or "unable to open database" in text) and _nearly_full(path):
        # SQLite reports a full disk this way when the WAL index cannot grow.
        return StoreError(DISK_FULL)
    if "disk i/o error" in text or "unable to open database" in text:
        return StoreError(IO_ERROR.format(path=where, detail=str(err)))
    return None


def _nearly_full(path: Path | None) -> bool:
    try:
        return path is not None and shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def _read_only(path: Path) -> bool:
    # SQLite must create the -wal and -shm files next to the database to open it.
    return not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK))


@contextmanager
def storage_errors(path: Path | None = None) -> Iterator[None]:
    """Re-raise storage failures (disk full, read-only, locked, damaged) as StoreError."""
    from app.store.cipher import driver_errors

    try:
        yield
    except (exc.DBAPIError, OSError, *driver_errors()) as err:
        translated = store_error_for(err, path)
        if translated is None:
            raise
        log.warning("storage failure: %s", err)
        raise translated from err
