"""The ORM tables of the store, as the newest migration leaves them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Computed,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Message states: a reply is "streaming" while tokens arrive, then "complete", or
# "interrupted" when the user stopped it or the app died before it finished.
STATUSES = ("complete", "streaming", "interrupted")
ROLES = ("system", "user", "assistant")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, stored as SQLite's naive ISO text (which sorts)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class SyncedRecord:
    """Columns every user-visible record carries for sync: identity, times, version, ETag, tombstone."""

    # The integer key is internal (it anchors the FTS index, which needs a stable
    # rowid); the UUID is what every other table, the API and the server use.
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-2)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    etag: Mapped[str | None] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(default=False)


class Conversation(SyncedRecord, Base):
    __tablename__ = "conversations"

    title: Mapped[str] = mapped_column(Text, default="")
    system_prompt: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    # Settings pinned to this conversation (temperature, context overflow…).
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Running summary of the turns that no longer fit the context window, and the
    # last message it covers.
    summary: Mapped[str | None] = mapped_column(Text)
    summary_upto_message_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (Index(None, "deleted", "updated_at"),)


class Message(SyncedRecord, Base):
    __tablename__ = "messages"

    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    # The message this one answers or follows; siblings under one parent are
    # branches (an edited prompt, a regenerated reply).
    parent_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("messages.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    token_count: Mapped[int | None]
    model: Mapped[str | None] = mapped_column(Text)
    sampling: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="complete")
    # What the search index holds: the content and two spaces, so that every
    # character starts a trigram and short words can be looked up (app.store.search).
    search_text: Mapped[str | None] = mapped_column(
        Text, Computed("content || '  '", persisted=False), deferred=True
    )

    __table_args__ = (
        Index(None, "conversation_id"),
        Index(None, "parent_id"),
        Index(None, "status", sqlite_where=text("status = 'streaming'")),
    )


class ToolCallRow(Base):
    """A tool the model called while writing a reply: what it asked, what came back, how
    long it took and how it ended (ok, failed, refused by the user). Kept with the reply
    (and deleted with it); not synced on its own."""

    __tablename__ = "tool_calls"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # order within the reply
    name: Mapped[str] = mapped_column(Text)
    arguments: Mapped[dict[str, Any]] = mapped_column()
    result: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEntry(Base):
    """A change waiting to be pushed to the sync server; written with the change itself."""

    __tablename__ = "outbox"

    # AUTOINCREMENT: an id is never reused, so a pusher can acknowledge by id safely.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "entity_type", "entity_id"), {"sqlite_autoincrement": True})


# --- documents (app.docs) ---------------------------------------------------------------------


class DocCollection(SyncedRecord, Base):
    """A named set of documents the user asks questions of."""

    __tablename__ = "collections"

    name: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index(None, "deleted", "name"),)


class Document(SyncedRecord, Base):
    """One file of a collection, as last read: its hash decides whether it is read again."""

    __tablename__ = "documents"

    collection_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("collections.id", ondelete="CASCADE")
    )
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # "indexed", or "unreadable" with the reason (encrypted, no text layer, damaged…).
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index(None, "collection_id", "path"),)


class Chunk(Base):
    """A passage of a document and where it came from.

    Chunks are derived from the document's file and made again whenever it changes,
    so they carry no sync state of their own: the document does. The integer key is
    the search index's rowid.
    """

    __tablename__ = "chunks"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("documents.id", ondelete="CASCADE")
    )
    ordinal: Mapped[int] = mapped_column(Integer)  # position in the document
    page: Mapped[int | None] = mapped_column(Integer)  # 1-based page (or sheet); None: no pages
    section: Mapped[str | None] = mapped_column(Text)  # a sheet's name
    line: Mapped[int | None] = mapped_column(Integer)  # 1-based line where the chunk starts
    char_start: Mapped[int] = mapped_column(Integer)  # offsets in the page's (or file's) text
    char_end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Indexed as the text and two spaces, so that every character starts a trigram
    # (short Chinese words are found through the index's vocabulary, as for messages).
    search_text: Mapped[str | None] = mapped_column(
        Text, Computed("text || '  '", persisted=False), deferred=True
    )

    __table_args__ = (Index(None, "document_id", "ordinal"),)


class ChunkVector(Base):
    """A passage's embedding (float32, L2-normalised) and the model that made it; made
    again when the passage is, and only comparable with vectors of the same model."""

    __tablename__ = "chunk_vectors"

    chunk_pk: Mapped[int] = mapped_column(
        Integer, ForeignKey("chunks.pk", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(300), index=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)


# --- audit log (app.security.audit) -----------------------------------------------------------


class AuditRecord(Base):
    """One audit record, chained to the one before by its MAC; never updated or deleted
    (triggers refuse both, and verification catches it if they are dropped)."""

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mac: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index(None, "action", "seq"), Index(None, "time"))


class AuditCheckpoint(Base):
    """A signed (sequence, head MAC, digest): what the log held when it was taken."""

    __tablename__ = "audit_checkpoints"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime] = mapped_column()
    mac: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    installation_id: Mapped[str] = mapped_column(String(36))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index(None, "seq"),)


# --- sync (app.sync) --------------------------------------------------------------------------


class SyncState(Base):
    """A conversation as last agreed with the sync server: its resource, that copy's
    ETag, and the merge base (every field's value and stamp, every message's stamp)."""

    __tablename__ = "sync_state"

    conversation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    base: Mapped[dict[str, Any]] = mapped_column(default=dict)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "resource", unique=True),)


class SyncConflict(Base):
    """Something a merge decided for the user: the value kept and the other one,
    which the user can restore."""

    __tablename__ = "sync_conflicts"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(36))
    # "field" (two edits of one field), "message" (two versions of one message),
    # "deleted" (deleted on one device, edited later on another: kept).
    kind: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(Text)  # the field's name or the message's id
    kept: Mapped[Any] = mapped_column(JSON, nullable=True)
    other: Mapped[Any] = mapped_column(JSON, nullable=True)
    time: Mapped[datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index(None, "resolved", "pk"),)
