"""Tools: each call a reply made (the tool, its arguments, its result, how long it took and
how it ended), kept with the conversation; calls saved before this in a reply's stats are
copied in, and stay where they were."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007_tool_calls"
down_revision = "0006_chunk_vectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tool_calls",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_tool_calls"),
        sa.UniqueConstraint("id", name="uq_tool_calls_id"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_tool_calls_conversation_id_conversations",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_tool_calls_message_id_messages", ondelete="CASCADE"),
    )
    op.create_index("ix_tool_calls_message_id", "tool_calls", ["message_id"])
    op.create_index("ix_tool_calls_conversation_id", "tool_calls", ["conversation_id"])
    _copy_calls_from_stats()


def _copy_calls_from_stats() -> None:
    """`autoglm ask --tool` kept a reply's calls in its stats; they become rows."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, conversation_id, stats, created_at FROM messages "
        "WHERE stats LIKE '%\"tool_calls\"%'")).fetchall()
    insert = sa.text(
        "INSERT INTO tool_calls (id, conversation_id, message_id, position, name, arguments, "
        "result, seconds, outcome, created_at) VALUES (:id, :conversation_id, :message_id, "
        ":position, :name, :arguments, :result, :seconds, :outcome, :created_at)")
    for message_id, conversation_id, stats_text, created_at in rows:
        try:
            calls = json.loads(stats_text).get("tool_calls") or []
        except (ValueError, AttributeError):
            continue
        for position, call in enumerate(c for c in calls if isinstance(c, dict)):
            bind.execute(insert, {
                "id": str(uuid.uuid4()), "conversation_id": conversation_id,
                "message_id": message_id, "position": position, "name": str(call.get("name", "")),
                "arguments": json.dumps(call.get("arguments") or {}, ensure_ascii=False),
                "result": str(call.get("result", "")), "seconds": float(call.get("seconds") or 0),
                "outcome": str(call.get("outcome", "ok")), "created_at": created_at})


def downgrade() -> None:
    op.drop_index("ix_tool_calls_conversation_id", table_name="tool_calls")
    op.drop_index("ix_tool_calls_message_id", table_name="tool_calls")
    op.drop_table("tool_calls")
