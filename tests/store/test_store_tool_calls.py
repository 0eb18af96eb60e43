"""Tool calls kept with the reply that made them: in order, read back by conversation,
removed by erasure, and those an earlier version kept in a reply's stats carried over by
the upgrade."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from store_helpers import populate_first_revision

from app.store import open_store
from app.store.db import create_db_engine, writer
from app.store.migrate import alembic_config

CALLS = [
    {"name": "calculator", "arguments": {"expression": "17*23"}, "result": "391",
     "seconds": 0.001, "outcome": "ok"},
    {"name": "notes.add_note", "arguments": {"text": "buy milk"},
     "result": "The user did not allow this call.", "seconds": 0.0, "outcome": "refused"},
]


def test_a_replys_calls_are_kept_in_order_and_erasure_leaves_none(tmp_path: Path) -> None:
    with open_store(tmp_path / "autoglm.sqlite3") as store:
        with store.repo() as repo:
            conv = repo.create_conversation("tools")
            question = repo.add_message(conv.id, "user", "What is 17 times 23?")
            reply = repo.add_message(conv.id, "assistant", "391.", parent_id=question.id)
            assert repo.add_tool_calls(reply.id, CALLS) == 2
        with store.repo(write=False) as repo:
            kept = repo.tool_calls_of(conv.id)[reply.id]
        assert [(c.position, c.name, c.arguments, c.result, c.outcome) for c in kept] == [
            (i, c["name"], c["arguments"], c["result"], c["outcome"]) for i, c in enumerate(CALLS)]
        with store.repo() as repo:
            repo.erase_conversation(conv.id)
        with store.repo(write=False) as repo:
            assert repo.tool_calls_of(conv.id) == {}


def test_the_upgrade_carries_calls_kept_in_a_replys_stats_into_their_own_rows(
    tmp_path: Path
) -> None:
    db = tmp_path / "autoglm.sqlite3"
    engine = create_db_engine(db)
    with writer(engine).begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0006_chunk_vectors")
    engine.dispose()
    populate_first_revision(db, conversations=2, per_conversation=2)
    stats = {"total_s": 1.5, "tool_calls": CALLS}
    with closing(sqlite3.connect(db)) as con, con:
        reply_id, conv_id = con.execute(
            "SELECT id, conversation_id FROM messages WHERE role = 'assistant' LIMIT 1").fetchone()
        con.execute("UPDATE messages SET stats = ? WHERE id = ?", (json.dumps(stats), reply_id))
    with open_store(db) as store, store.repo(write=False) as repo:
        kept = repo.tool_calls_of(conv_id)
        assert [(c.name, c.arguments, c.outcome) for c in kept[reply_id]] == [
            (c["name"], c["arguments"], c["outcome"]) for c in CALLS]
        assert repo.get_message(reply_id).stats == stats  # left where it was too
