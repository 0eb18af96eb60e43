"""Running summaries on conversations, and FTS5 search over titles and message text."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_summary_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# External-content FTS5 tables: the text lives once, in its own table; the index
# follows it through triggers and is keyed by the owner's INTEGER PRIMARY KEY
# (a rowid that VACUUM never renumbers). The trigram tokenizer matches any
# substring of three or more characters, which is what Chinese text needs: it
# has no spaces for a word tokenizer to split on.
#
# Messages are indexed as ``search_text`` (the content plus two spaces, a
# generated column) so that every character of the content starts a trigram:
# a one- or two-character word is then found by looking up the trigrams that
# begin with it in ``messages_fts_terms`` (see app.store.search). FTS5,
# fts5vocab and generated columns are plain SQLite features, kept by SQLCipher.
SEARCH_DDL = [
    """ALTER TABLE messages ADD COLUMN search_text TEXT
        GENERATED ALWAYS AS (content || '  ') VIRTUAL""",
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        search_text, content='messages', content_rowid='pk', tokenize='trigram')""",
    "CREATE VIRTUAL TABLE messages_fts_terms USING fts5vocab(messages_fts, 'row')",
    """CREATE VIRTUAL TABLE conversations_fts USING fts5(
        title, content='conversations', content_rowid='pk', tokenize='trigram')""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, search_text) VALUES (new.pk, new.search_text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, search_text)
            VALUES ('delete', old.pk, old.search_text);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, search_text)
            VALUES ('delete', old.pk, old.search_text);
        INSERT INTO messages_fts(rowid, search_text) VALUES (new.pk, new.search_text);
    END""",
    """CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts(rowid, title) VALUES (new.pk, new.title);
    END""",
    """CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
            VALUES ('delete', old.pk, old.title);
    END""",
    """CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
            VALUES ('delete', old.pk, old.title);
        INSERT INTO conversations_fts(rowid, title) VALUES (new.pk, new.title);
    END""",
    # Index what the first revision already stored.
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    "INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("summary_upto_message_id", sa.String(36), nullable=True))
    for statement in SEARCH_DDL:
        op.execute(statement)


def downgrade() -> None:
    for name in ("messages", "conversations"):
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_fts_{event}")
    op.execute("DROP TABLE IF EXISTS messages_fts_terms")
    op.execute("DROP TABLE IF EXISTS messages_fts")
    op.execute("DROP TABLE IF EXISTS conversations_fts")
    op.execute("ALTER TABLE messages DROP COLUMN search_text")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("summary_upto_message_id")
        batch.drop_column("summary")
