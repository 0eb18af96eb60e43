"""Upgrades keep every row; files from a newer version, or not ours, are refused untouched."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from app.errors import StoreError
from app.store import NewerDatabase, open_store
from app.store.db import create_db_engine
from app.store.migrate import (
    HEAD_REVISION,
    Inspection,
    head_revision,
    include_object,
    inspect_file,
    known_revisions,
    migrate,
)
from app.store.schema import Base

FIRST = "0001_initial"
TABLES = ("conversations", "messages", "settings", "outbox")


def _columns(path: Path, table: str) -> str:
    with closing(sqlite3.connect(path)) as db:
        return ", ".join(f'"{row[1]}"' for row in db.execute(f"PRAGMA table_info({table})"))


def test_there_is_an_upgrade_path_to_test() -> None:
    assert FIRST in known_revisions() and head_revision() != FIRST


def test_upgrade_from_the_first_revision_keeps_every_row(
    tmp_path: Path, rows_of, first_revision_db
) -> None:
    db = tmp_path / "autoglm.sqlite3"
    first_revision_db(db)
    before = {t: (_columns(db, t), rows_of(db, t)) for t in TABLES}
    assert len(before["messages"][1]) == 240

    with open_store(db) as store:
        with store.repo(write=False) as repo:
            found = repo.list_conversations(limit=100, query="quarterly")
            found_zh = repo.list_conversations(limit=100, query='"纪要 2"')
            assert repo.get_conversation(found[0].id).summary is None
        assert store.integrity_check() == ["ok"]

    assert inspect_file(db).revision == head_revision()
    for table, (columns, rows) in before.items():
        assert rows_of(db, table, columns) == rows, f"{table} changed in the upgrade"
    # The new search index covers what the old version stored (the deleted one excepted).
    assert len(found) == 29
    assert sorted(c.title for c in found_zh) == ["会议纪要 2"] + [
        f"会议纪要 {n}" for n in range(20, 30)
    ]
    backups = list(tmp_path.glob("autoglm.sqlite3.0001_initial.*.bak"))
    assert len(backups) == 1 and inspect_file(backups[0]).revision == FIRST
    assert rows_of(backups[0], "messages") == before["messages"][1]


def test_a_failed_upgrade_leaves_the_old_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows_of, digest, first_revision_db
) -> None:
    db = tmp_path / "autoglm.sqlite3"
    first_revision_db(db)
    original = digest(db)
    rows = rows_of(db, "messages")

    real_execute = Operations.execute

    def failing_execute(self, sqltext, *args, **kw):  # type: ignore[no-untyped-def]
        if "conversations_fts_update" in str(sqltext):  # half-way through revision 2
            raise RuntimeError("simulated failure half-way through the upgrade")
        return real_execute(self, sqltext, *args, **kw)

    monkeypatch.setattr(Operations, "execute", failing_execute)
    with pytest.raises(StoreError) as caught:
        open_store(db)
    message = str(caught.value)
    assert message.startswith(
        f"Could not upgrade the conversation database {db} from revision {FIRST}"
    )
    assert "simulated failure" in message and "Your data was left as it was" in message

    assert digest(db) == original
    assert inspect_file(db).revision == FIRST
    assert rows_of(db, "messages") == rows
    assert "summary" not in _columns(db, "conversations")

    monkeypatch.setattr(Operations, "execute", real_execute)
    with open_store(db) as store, store.repo(write=False) as repo:
        assert len(repo.list_conversations(limit=100)) == 29


def test_a_database_from_a_newer_version_is_refused_untouched(db_path: Path, digest) -> None:
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE alembic_version SET version_num = '0042_from_the_future'")
    before = digest(db_path)
    files = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(NewerDatabase) as caught:
        open_store(db_path)

    assert (
        "this database was written by a newer version of Open-AutoGLM (revision 0042_from_the_future)"
        in str(caught.value)
    )
    assert digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files  # not even a -wal or -shm


def test_a_database_not_made_by_us_is_refused_untouched(tmp_path: Path, digest) -> None:
    db = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)")
    before = digest(db)
    with pytest.raises(StoreError, match="not one Open-AutoGLM made"):
        open_store(db)
    assert digest(db) == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, digest) -> None:
    db = tmp_path / "autoglm.sqlite3"
    db.write_bytes(b"this is a text file, not SQLite\n" * 200)
    before = digest(db)
    with pytest.raises(StoreError, match="damaged"):
        open_store(db)
    assert digest(db) == before


KILLED_MID_STAMP = """
import os, sqlite3, sys

db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=DELETE")
db.execute("PRAGMA cache_size=1")  # changed pages spill into the file before the commit
db.execute("BEGIN")
db.execute("UPDATE alembic_version SET version_num = 'half-written'")
db.execute("CREATE TABLE bulk(x)")
db.execute("INSERT INTO bulk SELECT randomblob(2000) FROM (WITH RECURSIVE n(i) AS "
           "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n)")
os._exit(0)  # gone mid-transaction, as a kill leaves it: the rollback journal stays, hot
"""


def test_a_file_a_killed_writer_left_mid_transaction_reads_as_its_last_commit(db_path: Path) -> None:
    import subprocess
    import sys

    committed = inspect_file(db_path)
    assert committed == Inspection("stamped", HEAD_REVISION)
    subprocess.run([sys.executable, "-c", KILLED_MID_STAMP, str(db_path)], check=True, timeout=60)
    assert db_path.with_name(db_path.name + "-journal").exists()
    # Not the half-written pages the file itself now holds (read as they are, they looked
    # damaged): what rolling the journal back leaves.
    assert inspect_file(db_path) == committed
    assert not db_path.with_name(db_path.name + "-journal").exists()


def test_opening_an_up_to_date_database_does_not_back_it_up(db_path: Path) -> None:
    result = migrate(db_path)
    assert (result.from_revision, result.backup) == (head_revision(), None)
    assert not list(db_path.parent.glob("*.bak"))


def test_the_orm_schema_matches_what_the_migrations_build(migrated_template: Path) -> None:
    engine = create_db_engine(migrated_template, read_only=True)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_the_head_revision_the_fast_path_knows_is_the_real_one() -> None:
    assert HEAD_REVISION == head_revision()
