"""The user's data in the store as a whole: read out for an export, and erased — conversations
blanked into tombstones the sync server learns of, documents and settings dropped, and no
copy of the erased text left in the file.

A tombstone keeps a record's identity (id, version, times, deleted) so that the server
can delete its own copy; every column that held the user's words is emptied. The
unit of work runs with ``secure_delete`` on, so SQLite overwrites what it frees with
zeros instead of leaving it in free space; the search indexes are then merged so that
no deleted entry lingers in an older segment. What the write-ahead log still holds is
for the caller to checkpoint once the transaction has committed (``truncate_wal``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Engine,
    column,
    delete,
    false,
    func,
    inspect,
    or_,
    select,
    table,
    update,
)

from app.store.base import (
    RepositoryBase,
    bump,
    conversation_record,
    message_record,
    tombstone,
)
from app.store.records import ConversationRecord, ErasedCounts, MessageRecord
from app.store.schema import (
    Chunk,
    Conversation,
    DocCollection,
    Document,
    Message,
    OutboxEntry,
    Setting,
    ToolCallRow,
    utcnow,
)

SEARCH_INDEXES = ("messages_fts", "conversations_fts", "chunks_fts")
# What sync keeps of a conversation: the copy last agreed with the server (its fields'
# values) and the conflicts a merge recorded (both values). Named here, not imported, so
# that erasure works on databases from before sync and after.
_sync_state = table("sync_state", column("conversation_id"), column("base", JSON))
_sync_conflicts = table("sync_conflicts", column("conversation_id"))


def _holds_content() -> Any:
    """A conversation that is not yet an erased tombstone: live, or deleted with its text
    kept (a plain delete keeps it, so that it can be restored)."""
    blank_message = select(Message.pk).where(
        Message.conversation_id == Conversation.id,
        or_(Message.deleted == false(), Message.content != ""),
    ).exists()
    return or_(
        Conversation.deleted == false(),
        Conversation.title != "",
        Conversation.system_prompt.is_not(None),
        Conversation.summary.is_not(None),
        blank_message,
    )


class EraseOps(RepositoryBase):
    """The data-rights part of the repository: everything of the user's, read or erased."""

    # --- reading it all (for an export) ------------------------------------------------------

    def personal_conversations(self) -> list[ConversationRecord]:
        """Every conversation that holds anything of the user's, deleted ones included
        (a plain delete keeps the text until it is erased), oldest first."""
        rows = self.session.scalars(
            select(Conversation).where(_holds_content()).order_by(Conversation.pk))
        return [conversation_record(r) for r in rows]

    def every_message(self, conversation_id: str) -> list[MessageRecord]:
        """Every message of a conversation, every branch, deleted ones included."""
        rows = self.session.scalars(
            select(Message).where(Message.conversation_id == conversation_id)
            .order_by(Message.pk))
        return [message_record(r) for r in rows]

    def documents_metadata(self) -> list[dict[str, Any]]:
        """Each collection with its documents: paths, sizes, hashes, state and how many
        passages were read from each (not the passages themselves)."""
        counts = dict(self.session.execute(
            select(Chunk.document_id, func.count()).group_by(Chunk.document_id)).all())
        out = []
        for col in self.session.scalars(select(DocCollection).order_by(DocCollection.pk)):
            docs = self.session.scalars(
                select(Document).where(Document.collection_id == col.id).order_by(Document.pk))
            out.append({
                "id": col.id, "name": col.name, "deleted": col.deleted,
                "created_at": col.created_at.isoformat(), "updated_at": col.updated_at.isoformat(),
                "documents": [{
                    "id": d.id, "path": d.path, "size": d.size, "sha256": d.content_hash,
                    "status": d.status, "reason": d.reason, "pages": d.pages,
                    "passages": int(counts.get(d.id, 0)), "deleted": d.deleted,
                    "created_at": d.created_at.isoformat(), "updated_at": d.updated_at.isoformat(),
                } for d in docs],
            })
        return out

    def stored_settings(self) -> dict[str, Any]:
        return {row.key: row.value for row in self.session.scalars(select(Setting))}

    # --- erasing ----------------------------------------------------------------------------

    def secure_delete(self) -> None:
        """From here to the end of the unit of work, SQLite zeroes what it frees (SQLCipher's
        build does by default; this makes it so whatever the build)."""
        self.session.connection().exec_driver_sql("PRAGMA secure_delete = ON")

    def erasable_conversation_ids(self, *, not_updated_since: datetime | None = None) -> list[str]:
        """Conversations that still hold anything of the user's (optionally only those
        untouched since ``not_updated_since``), oldest activity first."""
        query = select(Conversation.id).where(_holds_content())
        if not_updated_since is not None:
            query = query.where(Conversation.updated_at < not_updated_since)
        return list(self.session.scalars(query.order_by(Conversation.updated_at, Conversation.pk)))

    def erase_conversation(self, conversation_id: str, now: datetime | None = None) -> int:
        """Empty a conversation and its messages into tombstones, each with a new version
        and a "delete" outbox row carrying identity only; changes still waiting in the
        outbox for them (which hold their text) are dropped. Returns the messages erased."""
        row = self._conversation_row(conversation_id)
        if row is None:
            return 0
        now = now or utcnow()
        messages = list(self.session.scalars(
            select(Message).where(Message.conversation_id == row.id).order_by(Message.pk)))
        ids = [row.id, *(m.id for m in messages)]
        self.session.execute(delete(OutboxEntry).where(OutboxEntry.entity_id.in_(ids)))
        self.session.execute(delete(ToolCallRow).where(ToolCallRow.conversation_id == row.id))
        self._forget_sync_copies(row.id)
        for message in messages:
            if message.status == "streaming":  # a reply still arriving must not refill it
                message.status = "interrupted"
            message.content = ""
            message.token_count = None
            message.stats = {}
            message.deleted = True
            bump(message, now)
        row.title = ""
        row.system_prompt = None
        row.summary = None
        row.summary_upto_message_id = None
        row.settings = {}
        row.deleted = True
        bump(row, now)
        self.session.flush()
        for message in messages:
            self._queue("message", message.id, "delete", tombstone(message))
        self._queue("conversation", row.id, "delete", tombstone(row))
        self.session.flush()
        return len(messages)

    def _forget_sync_copies(self, conversation_id: str) -> None:
        """Empty the merge base sync kept of the conversation (its resource and ETag stay,
        so that the server's copy can still be deleted) and drop its recorded conflicts."""
        known = self.session.info.get("erase_tables")
        if known is None:
            known = set(inspect(self.session.connection()).get_table_names())
            self.session.info["erase_tables"] = known
        if "sync_conflicts" in known:
            self.session.execute(delete(_sync_conflicts)
                                 .where(_sync_conflicts.c.conversation_id == conversation_id))
        if "sync_state" in known:
            self.session.execute(update(_sync_state)
                                 .where(_sync_state.c.conversation_id == conversation_id)
                                 .values(base={}))

    def erase_documents(self) -> ErasedCounts:
        """Remove every collection, document and passage (they are not synced, so nothing
        is kept of them); returns how many of each."""
        collections, documents, chunks = (
            int(self.session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (DocCollection, Document, Chunk)
        )
        for mapped in (Chunk, Document, DocCollection):
            self.session.execute(delete(mapped))
        return ErasedCounts(collections=collections, documents=documents, chunks=chunks)

    def erase_settings(self) -> int:
        """Remove every setting kept in the database."""
        n = int(self.session.scalar(select(func.count()).select_from(Setting)) or 0)
        self.session.execute(delete(Setting))
        return n

    def merge_search_indexes(self) -> None:
        """Merge each search index into one segment: entries of deleted rows are dropped
        there, not merely marked deleted in a newer segment."""
        conn = self.session.connection()
        for index in SEARCH_INDEXES:
            conn.exec_driver_sql(f"INSERT INTO {index}({index}) VALUES ('optimize')")


def truncate_wal(engine: Engine) -> bool:
    """Copy the write-ahead log into the database file and empty it, outside any
    transaction; False when another connection still reads an older snapshot, so the
    log could not be emptied (after waiting the busy timeout for it)."""
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    return not (busy and busy[0])
