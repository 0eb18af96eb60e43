"""The store a running app holds: opening it, and the unit of work every change goes through."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.store.db import create_db_engine, storage_errors, writer
from app.store.migrate import migrate
from app.store.repository import Repository
from app.store.streaming import ReplyWriter

log = logging.getLogger(__name__)


class Store:
    """One database file, open; share one per process and close it at exit."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._writer = writer(engine)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commits once at the end, rolls back if the block raises.

        ``write=True`` takes SQLite's write lock at the start (waiting for it up to
        the busy timeout) so a transaction never fails half-way for want of it;
        read-only work passes ``write=False`` and never blocks a writer. Disk full,
        read-only folders and a locked or damaged file become StoreError.
        """
        session = Session(bind=self._writer if write else self.engine, expire_on_commit=False)
        try:
            with storage_errors(self.path):
                try:
                    yield session
                    session.commit()
                except BaseException:
                    with suppress(Exception):
                        session.rollback()
                    raise
        finally:
            session.close()

    @contextmanager
    def repo(self, *, write: bool = True) -> Iterator[Repository]:
        """A unit of work seen through the repository API (see ``session``)."""
        with self.session(write=write) as session:
            yield Repository(session)

    def begin_reply(
        self,
        conversation_id: str,
        *,
        parent_id: str | None = None,
        model: str | None = None,
        sampling: Mapping[str, Any] | None = None,
        interval_s: float = 0.25,
    ) -> ReplyWriter:
        """Start saving an assistant reply as it streams (see ReplyWriter)."""
        with self.repo() as repo:
            message_id = repo.begin_streaming_message(
                conversation_id, parent_id=parent_id, model=model, sampling=sampling
            )
        return ReplyWriter(self, message_id, interval_s=interval_s)

    def integrity_check(self) -> list[str]:
        """SQLite's consistency check, then the search index's; ``["ok"]`` when all is well."""
        with storage_errors(self.path), self.engine.connect() as conn:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            for index in ("messages_fts", "conversations_fts", "chunks_fts"):
                # rank=1: also compare the index with the table it indexes.
                check = f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)"
                try:
                    conn.exec_driver_sql(check)
                except DBAPIError as err:
                    problems.append(f"{index}: {err.orig}")
            conn.rollback()
        return problems if problems != ["ok"] else ["ok"]

    def close(self) -> None:
        with suppress(Exception), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA optimize")
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_store(path: Path, key: bytes | None = None) -> Store:
    """Open (creating or upgrading) the database at ``path``, encrypted under ``key``
    when one is given (see app.services.storage for where keys come from).

    Migrations run first (with a backup, see app.store.migrate); then any reply
    a crash left "streaming" is marked "interrupted". This assumes one app
    process per database file.
    """
    path = Path(path)
    migrate(path, key)
    store = Store(path, create_db_engine(path, key=key))
    try:
        with store.repo() as repo:
            stale = repo.mark_stale_streaming_as_interrupted()
    except BaseException:
        store.close()
        raise
    if stale:
        log.info("%d reply(ies) cut off by a crash are now marked interrupted", stale)
    return store
