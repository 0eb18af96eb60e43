"""Helpers for store tests: a child interpreter's environment, and databases as the first
release left them."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command

from app.store.db import create_db_engine, writer
from app.store.migrate import alembic_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


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
