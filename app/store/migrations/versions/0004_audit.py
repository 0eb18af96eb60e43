"""The audit log: its records, chained by MAC, and its signed checkpoints; both append-only."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_audit"
down_revision = "0003_documents"
branch_labels = None
depends_on = None

TABLES = ("audit_records", "audit_checkpoints")

# Refuse changes in the database itself. Someone with the key can drop these triggers;
# the MAC chain and the signed checkpoints then still show what they changed.
APPEND_ONLY = [
    f"""CREATE TRIGGER {table}_no_{event} BEFORE {event.upper()} ON {table} BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
    END"""
    for table in TABLES
    for event in ("update", "delete")
]


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_records"),
    )
    op.create_index("ix_audit_records_action_seq", "audit_records", ["action", "seq"])
    op.create_index("ix_audit_records_time", "audit_records", ["time"])
    op.create_table(
        "audit_checkpoints",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("installation_id", sa.String(36), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])
    for statement in APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_records")
