"""Fixtures for store tests: real SQLite files in tmp_path, migrated once and copied per test."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from store_helpers import (
    REPO_ROOT,
    child_env,
    create_at_first_revision,
    populate_first_revision,
)

from app.store import Store, open_store
from app.store.migrate import migrate
from tests import mounts


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


@pytest.fixture
def first_revision_db() -> Callable[[Path], Path]:
    """Make a database as the first release left it: its schema, 30 conversations of 8 messages."""

    def make(path: Path) -> Path:
        create_at_first_revision(path)
        populate_first_revision(path)
        return path

    return make


@pytest.fixture
def small_disk(tmp_path: Path, migrated_template: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs holding a fresh database: a real filesystem that really fills up."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount")
    if not mounts.mount_tmpfs(mount_point, "4m"):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        shutil.copyfile(migrated_template, mount_point / "autoglm.sqlite3")
        yield mount_point
    finally:
        mounts.unmount(mount_point)


@pytest.fixture
def remount() -> Callable[[Path, str], bool]:
    """Remount a test filesystem ``ro`` or ``rw``."""
    return mounts.remount
