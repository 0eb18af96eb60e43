"""Sync: what each conversation looked like when last agreed with the server, and the
conflicts a merge recorded for the user to see and restore."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sync"
down_revision = "0004_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("base", sa.JSON(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_sync_state"),
    )
    op.create_index("ix_sync_state_resource", "sync_state", ["resource"], unique=True)
    op.create_table(
        "sync_conflicts",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=True),
        sa.Column("other", sa.JSON(), nullable=True),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_sync_conflicts"),
    )
    op.create_index("ix_sync_conflicts_resolved_pk", "sync_conflicts", ["resolved", "pk"])


def downgrade() -> None:
    op.drop_index("ix_sync_conflicts_resolved_pk", table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_index("ix_sync_state_resource", table_name="sync_state")
    op.drop_table("sync_state")
