"""Brings a database file to this version's schema at start-up, backing it up first and
refusing files from a newer version without touching them."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, column, inspect, select, table

from app.errors import StoreError
from app.store.db import create_db_engine, storage_errors, store_error_for, writer

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.schema import SchemaItem

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
# The newest revision in migrations/versions (a test keeps the two in step).
# Knowing it here lets an up-to-date database open without importing Alembic,
# which would add a fifth of a second to every start-up.
HEAD_REVISION = "0007_tool_calls"
KEEP_BACKUPS = 3

NEWER_MESSAGE = (
    "Cannot open {path}: this database was written by a newer version of Open-AutoGLM "
    "(revision {revision}); install that version or a later one to open it. "
    "The file was left untouched."
)


class NewerDatabase(StoreError):
    """The file was written by a newer version of the app; it is refused, untouched."""


FOREIGN = (
    "Cannot open {path}: it is a SQLite database, but not one Open-AutoGLM made "
    "(it has tables and no schema revision). The file was left untouched."
)
FAILED = (
    "Could not upgrade the conversation database {path} from revision {old} to {new}: "
    "{reason}. Your data was left as it was{backup_note}."
)


# FTS5 virtual tables and their shadow tables are made by raw SQL in a revision;
# the ORM does not model them, so autogenerate must leave them alone.
FTS_PREFIXES = ("messages_fts", "conversations_fts", "chunks_fts")


def include_object(
    obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: SchemaItem | None
) -> bool:
    """Alembic's filter: everything except the search index's tables."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_PREFIXES))


def alembic_config() -> Config:
    """Alembic's configuration, built in code so that it works from an installed wheel."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    """The newest revision, as Alembic finds it in migrations/versions."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


_alembic_version = table("alembic_version", column("version_num"))


def _stamped_revision(conn: Connection) -> str | None:
    return conn.execute(select(_alembic_version.c.version_num)).scalar()


FileState = Literal["missing", "empty", "stamped", "foreign"]


@dataclass(frozen=True)
class Inspection:
    state: FileState
    revision: str | None = None


def inspect_file(path: Path, key: bytes | None = None) -> Inspection:
    """What the file at ``path`` holds, read without writing a byte to it (except where a
    writer killed mid-transaction left a rollback journal: that is rolled back first)."""
    if not path.exists():
        return Inspection("missing")
    engine = create_db_engine(path, key=key, read_only=True)
    try:
        with storage_errors(path), engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            if not tables:
                return Inspection("empty")
            if "alembic_version" not in tables:
                return Inspection("foreign")
            return Inspection("stamped", _stamped_revision(conn))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def migrate(path: Path, key: bytes | None = None) -> MigrationResult:
    """Create or upgrade the database at ``path`` (encrypted under ``key``, if given)
    to the head revision.

    All pending revisions run in one SQLite transaction, after a backup copy of
    the file is taken under the same write lock; if anything fails the file is
    put back from that copy and StoreError says what happened.
    """
    path = Path(path)
    found = inspect_file(path, key)
    if found.state == "foreign":
        raise StoreError(FOREIGN.format(path=path))
    if found.state == "stamped" and found.revision == HEAD_REVISION:
        return MigrationResult(HEAD_REVISION, HEAD_REVISION, None)
    head = head_revision()
    known = known_revisions()
    if found.state == "stamped":
        if found.revision not in known:
            raise NewerDatabase(NEWER_MESSAGE.format(path=path, revision=found.revision))
        if found.revision == head:
            return MigrationResult(head, head, None)

    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(path, key=key)
    current: str | None = found.revision
    backup: Path | None = None
    try:
        with storage_errors(path), writer(engine).connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            # Batch migrations rebuild tables; foreign keys are checked once at the end.
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with conn.begin():  # BEGIN IMMEDIATE: no one else writes until we commit
                has_version = inspect(conn).has_table("alembic_version")
                current = _stamped_revision(conn) if has_version else None
                if current == head:
                    return MigrationResult(head, head, None)
                if current is not None and current not in known:
                    raise NewerDatabase(NEWER_MESSAGE.format(path=path, revision=current))
                if found.state == "stamped":
                    backup = _backup(path, current)
                _upgrade(conn)
            raw.execute("PRAGMA foreign_keys=ON")
    except NewerDatabase:
        raise
    except Exception as err:
        engine.dispose()
        if backup is not None:
            _restore(backup, path)
        reason = str(store_error_for(err, path) or err).rstrip(".")
        note = f"; a copy from before the upgrade is at {backup}" if backup else ""
        log.exception("migration of %s failed", path)
        raise StoreError(
            FAILED.format(
                path=path, old=current or "none", new=head, reason=reason, backup_note=note
            )
        ) from err
    finally:
        engine.dispose()
    log.info("database %s upgraded from %s to %s", path, current, head)
    return MigrationResult(current, head, backup)


def _upgrade(conn: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise StoreError(f"the upgraded data breaks {len(problems)} foreign key(s): {problems[:3]}")


def _backup(path: Path, revision: str | None) -> Path:
    """Copy the database (and its WAL, if anything is left in it) while we hold the write lock."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = path.with_name(f"{path.name}.{revision}.{stamp}.bak")
    backup_wal = backup.with_name(backup.name + "-wal")
    wal = path.with_name(path.name + "-wal")
    try:
        _copy_durably(path, backup)
        if wal.exists() and wal.stat().st_size > 0:
            _copy_durably(wal, backup_wal)
    except OSError:
        backup.unlink(missing_ok=True)  # a partial copy (disk full?) is no backup
        backup_wal.unlink(missing_ok=True)
        raise
    old = sorted(path.parent.glob(f"{path.name}.*.bak"), key=lambda p: p.stat().st_mtime)
    for stale in old[:-KEEP_BACKUPS]:
        for part in (stale, stale.with_name(stale.name + "-wal")):
            part.unlink(missing_ok=True)
    log.info("backed up %s to %s before migrating", path, backup)
    return backup


def _restore(backup: Path, path: Path) -> None:
    """Put the pre-migration copy back (all connections to ``path`` are closed by now)."""
    try:
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        tmp = path.with_name(path.name + ".restoring")
        _copy_durably(backup, tmp)
        os.replace(tmp, path)
        backup_wal = backup.with_name(backup.name + "-wal")
        if backup_wal.exists():
            _copy_durably(backup_wal, path.with_name(path.name + "-wal"))
    except OSError:
        # The transaction was rolled back, so the file is most likely intact anyway.
        log.exception("could not restore %s from %s", path, backup)


def _copy_durably(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as fh:
        os.fsync(fh.fileno())
