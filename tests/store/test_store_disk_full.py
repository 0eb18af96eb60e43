"""A full disk or a read-only folder gives a clear error, and nothing already saved is lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import event

from app.errors import StoreError
from app.store import Store, open_store

DISK_FULL = "The disk is full: the last change was not saved. Free some space and try again."


def _fill(folder: Path, leave: int = 0) -> Path:
    """Take every free byte of the filesystem but ``leave``; delete the returned file
    to free them again."""
    ballast = folder / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        try:
            while True:
                os.write(fd, b"\0")
        except OSError:
            pass
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return ballast


def _conversation_with_history(store: Store) -> tuple[str, list[str]]:
    with store.repo() as repo:
        conv = repo.create_conversation("before the disk filled")
        texts = [f"saved message {i}" for i in range(10)]
        for i, text in enumerate(texts):
            repo.add_message(conv.id, "user" if i % 2 == 0 else "assistant", text)
    return conv.id, texts


def _limit_pages(store: Store, extra_pages: int) -> None:
    """Let SQLite itself report "database or disk is full" once the file grows by
    ``extra_pages``: the same error path a real full disk takes inside SQLite."""
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    def limit(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + extra_pages}")

    event.listen(store.engine, "connect", limit)
    store.engine.dispose()


def test_database_full_says_so_and_keeps_everything(store: Store) -> None:
    conv_id, texts = _conversation_with_history(store)
    _limit_pages(store, extra_pages=4)

    with pytest.raises(StoreError) as caught, store.repo() as repo:
        repo.add_message(conv_id, "user", "a long paste " * 20_000)
    assert str(caught.value) == DISK_FULL

    with store.repo(write=False) as repo:
        assert [m.content for m in repo.get_messages(conv_id)] == texts
        assert len(repo.list_outbox(limit=100)) == 11  # no outbox row for the lost message
    assert store.integrity_check() == ["ok"]


def test_streaming_into_a_full_disk_keeps_the_text_until_it_fits(
    tmp_path: Path, small_disk: Path
) -> None:
    db = small_disk / "autoglm.sqlite3"
    store = open_store(db)
    try:
        conv_id, texts = _conversation_with_history(store)
        with store.repo() as repo:
            question = repo.add_message(conv_id, "user", "Write a lot.")
        writer = store.begin_reply(conv_id, parent_id=question.id, interval_s=0)
        writer.add("The first part was saved. ")
        ballast = _fill(small_disk)

        with pytest.raises(StoreError) as caught:
            for _ in range(200):
                writer.add("x" * 4096)
        assert str(caught.value) == DISK_FULL
        with store.repo(write=False) as repo:
            assert [m.content for m in repo.get_messages(conv_id)][:11] == [*texts, "Write a lot."]
        assert store.integrity_check() == ["ok"]

        ballast.unlink()
        reply = writer.finish(token_count=42)
        assert reply.content.startswith("The first part was saved. xxxx")
        assert reply.status == "complete"
        expected = reply.content
    finally:
        store.close()

    with open_store(db) as store, store.repo(write=False) as repo:
        assert [m.content for m in repo.get_messages(conv_id)] == [*texts, "Write a lot.", expected]
        assert store.integrity_check() == ["ok"]


def test_full_disk_on_a_real_filesystem(small_disk: Path) -> None:
    db = small_disk / "autoglm.sqlite3"
    with open_store(db) as store:
        conv_id, texts = _conversation_with_history(store)
        ballast = _fill(small_disk)
        with pytest.raises(StoreError) as caught, store.repo() as repo:
            repo.add_message(conv_id, "user", "does not fit " * 10_000)
        assert str(caught.value) == DISK_FULL
        ballast.unlink()
        with store.repo() as repo:
            repo.add_message(conv_id, "user", "fits now")
    with open_store(db) as store, store.repo(write=False) as repo:
        assert [m.content for m in repo.get_messages(conv_id)] == [*texts, "fits now"]


def test_read_only_folder_is_refused_clearly(small_disk: Path, remount) -> None:
    db = small_disk / "autoglm.sqlite3"
    with open_store(db) as store:
        conv_id, texts = _conversation_with_history(store)
    assert remount(small_disk, "ro")
    try:
        with pytest.raises(StoreError, match="read-only"):
            open_store(db)
    finally:
        assert remount(small_disk, "rw")
    with open_store(db) as store, store.repo(write=False) as repo:
        assert [m.content for m in repo.get_messages(conv_id)] == texts


@pytest.mark.parametrize("free_kib", [0, 64])  # nothing left; room to open but not to back up
def test_an_upgrade_that_runs_out_of_disk_leaves_the_old_file(
    small_disk: Path, first_revision_db, digest, rows_of, free_kib: int
) -> None:
    db = small_disk / "old.sqlite3"
    first_revision_db(db)
    before, rows = digest(db), rows_of(db, "messages")
    assert db.stat().st_size > 2 * free_kib * 1024
    ballast = _fill(small_disk, leave=free_kib * 1024)

    with pytest.raises(StoreError) as caught:
        open_store(db)
    assert "Could not upgrade" in str(caught.value) and "The disk is full" in str(caught.value)
    assert "Your data was left as it was" in str(caught.value)
    assert digest(db) == before
    assert not list(small_disk.glob("*.bak"))  # no half-written backup left behind

    ballast.unlink()
    assert rows_of(db, "messages") == rows
    with open_store(db) as store, store.repo(write=False) as repo:
        assert len(repo.list_conversations(limit=100)) == 29
