"""Documents to ask questions of: collections, their files, the files' chunks and their search index."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_documents"
down_revision = "0002_summary_search"
branch_labels = None
depends_on = None

# As for messages (revision 0002): an external-content FTS5 table with the trigram
# tokenizer over the chunks' ``search_text`` (the text plus two spaces), kept in step
# by triggers, and its vocabulary for one- and two-character lookups. Chunks are
# written and deleted, never updated, so there is no update trigger.
SEARCH_DDL = [
    """CREATE VIRTUAL TABLE chunks_fts USING fts5(
        search_text, content='chunks', content_rowid='pk', tokenize='trigram')""",
    "CREATE VIRTUAL TABLE chunks_fts_terms USING fts5vocab(chunks_fts, 'row')",
    """CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, search_text) VALUES (new.pk, new.search_text);
    END""",
    """CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, search_text)
            VALUES ('delete', old.pk, old.search_text);
    END""",
]


def _synced_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
    ]


def _sync_state_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "collections",
        *_synced_columns(),
        sa.Column("name", sa.Text(), nullable=False),
        *_sync_state_columns(),
        sa.PrimaryKeyConstraint("pk", name="pk_collections"),
        sa.UniqueConstraint("id", name="uq_collections_id"),
    )
    op.create_index("ix_collections_deleted_name", "collections", ["deleted", "name"])

    op.create_table(
        "documents",
        *_synced_columns(),
        sa.Column("collection_id", sa.String(36), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        *_sync_state_columns(),
        sa.PrimaryKeyConstraint("pk", name="pk_documents"),
        sa.UniqueConstraint("id", name="uq_documents_id"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name="fk_documents_collection_id_collections",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_documents_collection_id_path", "documents", ["collection_id", "path"]
    )

    op.create_table(
        "chunks",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "search_text", sa.Text(), sa.Computed("text || '  '", persisted=False), nullable=True
        ),
        sa.PrimaryKeyConstraint("pk", name="pk_chunks"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_chunks_document_id_documents",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_chunks_document_id_ordinal", "chunks", ["document_id", "ordinal"])
    for statement in SEARCH_DDL:
        op.execute(statement)


def downgrade() -> None:
    for event in ("insert", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS chunks_fts_{event}")
    op.execute("DROP TABLE IF EXISTS chunks_fts_terms")
    op.execute("DROP TABLE IF EXISTS chunks_fts")
    op.drop_table("chunks")
    op.drop_table("documents")
    op.drop_table("collections")
