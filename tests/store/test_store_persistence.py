"""Conversations survive a restart, branch on edits, and queue every change for sync."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest

from app.errors import StoreError
from app.store import NotFound, Store, open_store


def test_everything_is_there_after_reopening(db_path: Path) -> None:
    with open_store(db_path) as store, store.repo() as repo:
        conv = repo.create_conversation(
            "Quarterly report",
            system_prompt="Be brief.",
            model="smollm2",
            settings={"temperature": 0.2},
        )
        question = repo.add_message(conv.id, "user", "Summarise the figures.", token_count=5)
        answer = repo.add_message(
            conv.id,
            "assistant",
            "Revenue rose 4%.",
            token_count=6,
            model="smollm2",
            sampling={"temperature": 0.2, "stop": ["</s>"]},
            stats={"decode_tokens_per_s": 31.5},
        )
        repo.set_setting("window.geometry", {"w": 800, "h": 600})

    with open_store(db_path) as store, store.repo(write=False) as repo:
        again = repo.get_conversation(conv.id)
        assert again is not None
        # Adding messages moves the conversation up the list; nothing else changed.
        assert (
            again == replace(conv, updated_at=again.updated_at)
            and again.updated_at > conv.updated_at
        )
        assert again.settings == {"temperature": 0.2}
        assert [m.id for m in repo.get_messages(conv.id)] == [question.id, answer.id]
        stored = repo.get_message(answer.id)
        assert stored == answer
        assert stored.sampling["stop"] == ["</s>"]
        assert stored.created_at.tzinfo is UTC
        assert repo.get_setting("window.geometry") == {"w": 800, "h": 600}


def test_a_new_process_sees_what_another_wrote(db_path: Path, run_python) -> None:
    with open_store(db_path) as store, store.repo() as repo:
        conv = repo.create_conversation("写给明天的笔记")
        repo.add_message(conv.id, "user", "明天九点开会")

    code = """
import json, sys
from pathlib import Path
from app.store import open_store
with open_store(Path(sys.argv[1])) as store, store.repo(write=False) as repo:
    conv = repo.list_conversations()[0]
    print(json.dumps({"title": conv.title,
                      "messages": [m.content for m in repo.get_messages(conv.id)],
                      "alembic_imported": "alembic" in sys.modules}))
"""
    out = json.loads(run_python(code, str(db_path)).stdout)
    assert out["title"] == "写给明天的笔记" and out["messages"] == ["明天九点开会"]
    # An up-to-date database opens without loading Alembic (a fifth of a second).
    assert out["alembic_imported"] is False


def test_newest_conversation_is_listed_first(store: Store) -> None:
    with store.repo() as repo:
        first = repo.create_conversation("first")
        second = repo.create_conversation("second")
    with store.repo(write=False) as repo:
        assert [c.title for c in repo.list_conversations()] == ["second", "first"]
    with store.repo() as repo:
        repo.add_message(first.id, "user", "back to the first one")
    with store.repo(write=False) as repo:
        assert [c.id for c in repo.list_conversations()] == [first.id, second.id]
        assert [c.id for c in repo.list_conversations(limit=1, offset=1)] == [second.id]


def test_every_change_writes_its_outbox_row(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("draft")
        msg = repo.add_message(conv.id, "user", "hello")
        repo.rename_conversation(conv.id, "final")
    with store.repo(write=False) as repo:
        entries = [(e.entity_type, e.entity_id, e.op) for e in repo.list_outbox()]
        latest = repo.list_outbox()[-1].payload
    assert entries == [
        ("conversation", conv.id, "upsert"),
        ("message", msg.id, "upsert"),
        ("conversation", conv.id, "upsert"),
    ]
    assert latest["title"] == "final" and latest["version"] == 2


def test_a_failed_unit_of_work_leaves_neither_change_nor_outbox_row(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("kept")
    with pytest.raises(RuntimeError), store.repo() as repo:
        repo.add_message(conv.id, "user", "never saved")
        raise RuntimeError("something went wrong before commit")
    with store.repo(write=False) as repo:
        assert repo.get_messages(conv.id) == []
        assert [e.entity_type for e in repo.list_outbox()] == ["conversation"]


def test_deleting_leaves_tombstones_for_the_server(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("to delete")
        msg = repo.add_message(conv.id, "user", "private text")
        repo.delete_conversation(conv.id)
    with store.repo(write=False) as repo:
        assert repo.list_conversations() == []
        assert repo.get_conversation(conv.id) is None
        tomb = repo.get_conversation(conv.id, include_deleted=True)
        assert tomb is not None and tomb.deleted and tomb.version == 2
        deletes = [(e.entity_type, e.entity_id) for e in repo.list_outbox() if e.op == "delete"]
        assert deletes == [("message", msg.id), ("conversation", conv.id)]
        assert all(
            "private text" not in json.dumps(e.payload)
            for e in repo.list_outbox()
            if e.op == "delete"
        )
        with pytest.raises(NotFound):
            repo.get_messages(conv.id)


def test_edit_and_regenerate_make_branches(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("branches")
        q1 = repo.add_message(conv.id, "user", "What is 2+2?")
        a1 = repo.add_message(conv.id, "assistant", "4")
        q2 = repo.add_message(conv.id, "user", "And 3+3?")
        a2 = repo.add_message(conv.id, "assistant", "6")
        q2_edit = repo.edit_message(q2.id, "And 3*3?")
        a2_edit = repo.add_message(conv.id, "assistant", "9")
        retry_id = repo.begin_streaming_message(conv.id, parent_id=q1.id)
        repo.append_to_streaming_message(retry_id, "four")
        repo.finish_message(retry_id, token_count=1)

    with store.repo(write=False) as repo:
        assert [m.content for m in repo.get_messages(conv.id)] == ["What is 2+2?", "four"]
        through_edit = repo.get_messages(conv.id, leaf_id=q2_edit.id)
        assert [m.id for m in through_edit] == [q1.id, a1.id, q2_edit.id, a2_edit.id]
        assert [m.id for m in repo.get_messages(conv.id, leaf_id=a2.id)] == [
            q1.id,
            a1.id,
            q2.id,
            a2.id,
        ]
        assert repo.sibling_ids(q2.id) == [q2.id, q2_edit.id]
        assert repo.sibling_ids(a1.id) == [a1.id, retry_id]
        assert len(repo.get_all_messages(conv.id)) == 7


def test_editing_the_first_message_branches_at_the_root(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("root edit")
        q = repo.add_message(conv.id, "user", "hi")
        repo.add_message(conv.id, "assistant", "hello")
        q_edit = repo.edit_message(q.id, "hey")
    with store.repo(write=False) as repo:
        assert [m.id for m in repo.get_messages(conv.id)] == [q_edit.id]
        assert q_edit.parent_id is None
        assert repo.sibling_ids(q.id) == [q.id, q_edit.id]


def test_summary_is_kept_and_queued(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("long")
        first = repo.add_message(conv.id, "user", "turn one")
        repo.set_summary(conv.id, "The user said hello.", first.id)
    with store.repo(write=False) as repo:
        again = repo.get_conversation(conv.id)
        assert again is not None
        assert (again.summary, again.summary_upto_message_id) == ("The user said hello.", first.id)
        assert repo.list_outbox()[-1].payload["summary"] == "The user said hello."
    with pytest.raises(NotFound), store.repo() as repo:
        repo.set_summary(conv.id, "x", "no-such-message")


def test_short_ids_resolve_and_unknown_ones_say_so(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("abc")
    with store.repo(write=False) as repo:
        assert repo.resolve_conversation_id(conv.id[:8]) == conv.id
        with pytest.raises(NotFound, match="No conversation with id 'zzzz'"):
            repo.resolve_conversation_id("zzzz")


def test_unknown_records_are_reported_not_crashed_on(store: Store) -> None:
    with pytest.raises(NotFound, match="No conversation"), store.repo() as repo:
        repo.rename_conversation("nope", "x")
    with pytest.raises(ValueError, match="role must be one of"), store.repo() as repo:
        conv = repo.create_conversation("roles")
        repo.add_message(conv.id, "wizard", "?")
    with store.repo(write=False) as repo:
        assert repo.get_conversation("nope") is None
        assert repo.get_message("nope") is None


def test_outbox_entries_can_be_acknowledged_and_retried(store: Store) -> None:
    with store.repo() as repo:
        repo.create_conversation("a")
        repo.create_conversation("b")
    with store.repo() as repo:
        first, second = repo.list_outbox()
        repo.record_outbox_failure(second.id, "412 Precondition Failed")
        repo.acknowledge_outbox([first.id])
    with store.repo(write=False) as repo:
        (left,) = repo.list_outbox()
        assert (left.id, left.attempts, left.last_error) == (
            second.id,
            1,
            "412 Precondition Failed",
        )


def test_settings_round_trip(store: Store) -> None:
    with store.repo() as repo:
        assert repo.get_setting("missing", 3) == 3
        repo.set_setting("k", [1, "二", None])
        repo.set_setting("k", {"x": True})
    with store.repo(write=False) as repo:
        assert repo.get_setting("k") == {"x": True}
    with store.repo() as repo:
        repo.delete_setting("k")
        assert repo.get_setting("k") is None


def test_finishing_twice_is_refused(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("x")
        reply = repo.begin_streaming_message(conv.id)
        repo.finish_message(reply, "interrupted")
    with pytest.raises(StoreError, match="not a reply being streamed"), store.repo() as repo:
        repo.append_to_streaming_message(reply, "more")


def test_connections_are_set_up_for_durability(store: Store) -> None:
    with store.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 10_000,
    }


def test_a_damaged_search_index_is_reported(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("x")
        repo.add_message(conv.id, "user", "hello there")
    assert store.integrity_check() == ["ok"]
    with store.engine.begin() as conn:  # bypass the triggers, as a bug would
        conn.exec_driver_sql("DROP TRIGGER messages_fts_update")
        conn.exec_driver_sql("UPDATE messages SET content = 'changed behind its back'")
    assert any("messages_fts" in p for p in store.integrity_check())
