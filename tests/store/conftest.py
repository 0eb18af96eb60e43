"""Fixtures for store tests: real SQLite files in tmp_path, migrated once and copied per test."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command

from app.store import Store, open_store
from app.store.db import create_db_engine, writer
from app.store.migrate import alembic_config, migrate

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the head revision, built once per session."""
    path = tmp_path_factory.mktemp("template") / "autoglm.sqlite3"
    migrate(path)
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_template: Path) -> Path:
    """A fresh copy of the migrated empty database."""
    path = tmp_path / "autoglm.sqlite3"
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def digest() -> Callable[[Path], str]:
    return file_digest


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run Python code in a fresh interpreter that imports this checkout's ``app``."""

    def run(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=REPO_ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    return run


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def spawn_python() -> Callable[..., subprocess.Popen[str]]:
    """Start Python code in a fresh interpreter, its output piped back line by line."""

    def spawn(code: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=REPO_ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return spawn


def table_rows(path: Path, table: str, columns: str = "*") -> list[tuple[object, ...]]:
    """Every row of ``table``, read with plain sqlite3, in a stable order."""
    with closing(sqlite3.connect(path)) as conn:
        return sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)


@pytest.fixture
def rows_of() -> Callable[..., list[tuple[object, ...]]]:
    return table_rows


FIRST_REVISION = "0001_initial"


def create_at_first_revision(path: Path) -> None:
    engine = create_db_engine(path)
    with writer(engine).begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, FIRST_REVISION)
    engine.dispose()


def populate_first_revision(path: Path, conversations: int = 30, per_conversation: int = 8) -> None:
    """Rows as the first release wrote them, with plain SQL against its schema."""
    base = datetime(2024, 5, 1, tzinfo=UTC)
    with closing(sqlite3.connect(path)) as db, db:
        for c in range(conversations):
            conv_id = str(uuid.uuid4())
            when = (base + timedelta(minutes=c)).replace(tzinfo=None).isoformat(" ")
            db.execute(
                "INSERT INTO conversations (id, title, system_prompt, model, settings, created_at,"
                " updated_at, version, etag, deleted) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    conv_id,
                    f"会议纪要 {c}",
                    "Be brief.",
                    "smollm2",
                    json.dumps({"temperature": 0.3}),
                    when,
                    when,
                    1 + c % 3,
                    f'"etag-{c}"' if c % 2 else None,
                    c == 7,
                ),
            )
            parent = None
            for m in range(per_conversation):
                msg_id = str(uuid.uuid4())
                db.execute(
                    "INSERT INTO messages (id, conversation_id, parent_id, role, content, token_count,"
                    " model, sampling, stats, status, created_at, updated_at, version, etag, deleted)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        msg_id,
                        conv_id,
                        parent,
                        "user" if m % 2 == 0 else "assistant",
                        f"第{m}条消息 in conversation {c}: quarterly revenue",
                        10 + m,
                        "smollm2",
                        json.dumps({"temperature": 0.3}),
                        json.dumps({"total_s": 1.5}),
                        "interrupted" if m == per_conversation - 1 else "complete",
                        when,
                        when,
                        1,
                        None,
                        False,
                    ),
                )
                parent = msg_id
        db.execute(
            "INSERT INTO settings VALUES ('ui.splitter', '[200, 600]', '2024-05-01 00:00:00')"
        )
        db.execute(
            "INSERT INTO outbox (entity_type, entity_id, op, payload, created_at, attempts)"
            " VALUES ('conversation', 'x', 'upsert', '{}', '2024-05-01 00:00:00', 2)"
        )


@pytest.fixture
def first_revision_db() -> Callable[[Path], Path]:
    """Make a database as the first release left it: its schema, 30 conversations of 8 messages."""

    def make(path: Path) -> Path:
        create_at_first_revision(path)
        populate_first_revision(path)
        return path

    return make


def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path, migrated_template: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs holding a fresh database: a real filesystem that really fills up."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount")
    if not _mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)]):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        shutil.copyfile(migrated_template, mount_point / "autoglm.sqlite3")
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.fixture
def remount() -> Callable[[Path, str], bool]:
    """Remount a test filesystem ``ro`` or ``rw``."""
    return lambda mount_point, mode: _mount(["-o", f"remount,{mode}", str(mount_point)])
