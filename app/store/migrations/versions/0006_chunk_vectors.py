"""Documents: one embedding vector per passage, for finding passages by meaning."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_chunk_vectors"
down_revision = "0005_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain table, not a sqlite-vec virtual table: every connection (a backup, an
    # export, erasure, a re-key) can read and delete it without loading the extension,
    # and a passage's vector goes with it by the foreign key. Searches rank it with
    # sqlite-vec's distance functions.
    op.create_table(
        "chunk_vectors",
        sa.Column("chunk_pk", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(300), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chunk_pk", name="pk_chunk_vectors"),
        sa.ForeignKeyConstraint(
            ["chunk_pk"], ["chunks.pk"], name="fk_chunk_vectors_chunk_pk_chunks", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_chunk_vectors_model", "chunk_vectors", ["model"])


def downgrade() -> None:
    op.drop_index("ix_chunk_vectors_model", table_name="chunk_vectors")
    op.drop_table("chunk_vectors")
