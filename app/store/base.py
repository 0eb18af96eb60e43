"""What every part of the repository shares: its Session, record lookups and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.records import (
    ConversationRecord,
    MessageRecord,
    MessageStatus,
    NotFound,
    OutboxRecord,
)
from app.store.schema import Conversation, Message, OutboxEntry, utcnow


class RepositoryBase:
    """One Session (one unit of work) and the helpers the repository's parts share."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _conversation_row(self, conversation_id: str) -> Conversation | None:
        return self.session.scalar(select(Conversation).where(Conversation.id == conversation_id))

    def _live_conversation(self, conversation_id: str) -> Conversation:
        row = self._conversation_row(conversation_id)
        if row is None or row.deleted:
            raise NotFound(f"No conversation with id {conversation_id}.")
        return row

    def _live_message(self, message_id: str, conversation_id: str | None = None) -> Message:
        row = self.session.scalar(select(Message).where(Message.id == message_id))
        if (
            row is None
            or row.deleted
            or (conversation_id and row.conversation_id != conversation_id)
        ):
            raise NotFound(f"No message with id {message_id}.")
        return row

    def _changed_conversation(
        self, row: Conversation, *, new_version: bool = False
    ) -> ConversationRecord:
        """Flush a changed conversation and queue it for sync; returns its record."""
        if new_version:
            bump(row, utcnow())
        self.session.flush()
        record = conversation_record(row)
        self._queue("conversation", row.id, "upsert", record.as_json())
        return record

    def _changed_message(self, row: Message) -> MessageRecord:
        """Flush a message in its final state and queue it for sync; returns its record."""
        self.session.flush()
        record = message_record(row)
        self._queue("message", row.id, "upsert", record.as_json())
        return record

    def _queue(
        self,
        entity_type: str,
        entity_id: str,
        op: Literal["upsert", "delete"],
        payload: dict[str, Any],
    ) -> None:
        self.session.add(
            OutboxEntry(
                entity_type=entity_type,
                entity_id=entity_id,
                op=op,
                payload=payload,
                created_at=utcnow(),
                attempts=0,
            )
        )


def bump(row: Conversation | Message, now: datetime) -> None:
    """A change the server must see: a new version."""
    row.version += 1
    row.updated_at = now


def tombstone(row: Conversation | Message) -> dict[str, Any]:
    # A tombstone carries identity only: erasing a conversation must not copy its text out.
    return {
        "id": row.id,
        "version": row.version,
        "updated_at": row.updated_at.isoformat(),
        "deleted": True,
    }


def conversation_record(row: Conversation) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        title=row.title,
        system_prompt=row.system_prompt,
        model=row.model,
        settings=dict(row.settings or {}),
        summary=row.summary,
        summary_upto_message_id=row.summary_upto_message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        etag=row.etag,
        deleted=row.deleted,
    )


def message_record(row: Message) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        conversation_id=row.conversation_id,
        parent_id=row.parent_id,
        role=row.role,
        content=row.content,
        token_count=row.token_count,
        model=row.model,
        sampling=dict(row.sampling or {}),
        stats=dict(row.stats or {}),
        status=cast(MessageStatus, row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        etag=row.etag,
        deleted=row.deleted,
    )


def outbox_record(row: OutboxEntry) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        op=cast(Literal["upsert", "delete"], row.op),
        payload=dict(row.payload or {}),
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )
