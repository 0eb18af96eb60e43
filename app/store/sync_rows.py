"""The store's side of sync: what is waiting to go, a conversation as rows, writing back a
merged copy (without queueing it again), the merge base, and the conflicts for the user.

Knows nothing of the server or the document format beyond the plain dicts it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.store.base import conversation_record, message_record
from app.store.records import ConversationRecord, MessageRecord
from app.store.schema import (
    Conversation,
    Message,
    OutboxEntry,
    SyncConflict,
    SyncState,
    utcnow,
)

SYNCED_TYPES = ("conversation", "message")


@dataclass(frozen=True)
class ConflictRecord:
    pk: int
    conversation_id: str
    kind: str
    item: str
    kept: Any
    other: Any
    time: datetime
    resolved: bool


@dataclass(frozen=True)
class LocalCopy:
    conversation: ConversationRecord | None
    messages: list[MessageRecord]
    resource: str | None
    etag: str | None
    base: dict[str, Any] | None


def pending(session: Session, limit: int = 10_000) -> dict[str, int]:
    """Conversations with changes waiting in the outbox: id → newest outbox id."""
    rows = session.execute(
        select(OutboxEntry.id, OutboxEntry.entity_type, OutboxEntry.entity_id, OutboxEntry.payload)
        .where(OutboxEntry.entity_type.in_(SYNCED_TYPES))
        .order_by(OutboxEntry.id)
        .limit(limit)
    ).all()
    out: dict[str, int] = {}
    message_ids = [r.entity_id for r in rows if r.entity_type == "message"]
    owners = dict(
        session.execute(
            select(Message.id, Message.conversation_id).where(Message.id.in_(message_ids))
        ).all()
    ) if message_ids else {}
    for r in rows:
        cid = r.entity_id if r.entity_type == "conversation" else owners.get(r.entity_id)
        if cid is not None:
            out[cid] = r.id
    return out


def pending_conversations(session: Session) -> int:
    """How many conversations have changes waiting (for progress)."""
    direct = select(OutboxEntry.entity_id.label("cid")).where(OutboxEntry.entity_type == "conversation")
    via = (
        select(Message.conversation_id.label("cid"))
        .join(OutboxEntry, OutboxEntry.entity_id == Message.id)
        .where(OutboxEntry.entity_type == "message")
    )
    union = direct.union(via).subquery()
    return int(session.scalar(select(func.count()).select_from(union)) or 0)


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxEntry).where(
                OutboxEntry.entity_type.in_(SYNCED_TYPES)
            )
        )
        or 0
    )


def acknowledge(session: Session, conversation_id: str, upto: int) -> None:
    """Forget the conversation's outbox rows up to ``upto`` (what the server now holds)."""
    message_ids = select(Message.id).where(Message.conversation_id == conversation_id)
    session.execute(
        delete(OutboxEntry).where(
            OutboxEntry.id <= upto,
            OutboxEntry.entity_type.in_(SYNCED_TYPES),
            (OutboxEntry.entity_id == conversation_id) | OutboxEntry.entity_id.in_(message_ids),
        )
    )


def known_resources(session: Session) -> dict[str, tuple[str, str | None]]:
    """resource name → (conversation id, ETag last seen)."""
    rows = session.execute(select(SyncState.resource, SyncState.conversation_id, SyncState.etag))
    return {r.resource: (r.conversation_id, r.etag) for r in rows}


def read(session: Session, conversation_id: str) -> LocalCopy:
    row = session.scalar(select(Conversation).where(Conversation.id == conversation_id))
    state = session.get(SyncState, conversation_id)
    messages = []
    if row is not None:
        messages = [
            message_record(m)
            for m in session.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.pk)
            )
        ]
    return LocalCopy(
        conversation=None if row is None else conversation_record(row),
        messages=messages,
        resource=state.resource if state else None,
        etag=state.etag if state else None,
        base=dict(state.base) if state else None,
    )


def save_state(
    session: Session, conversation_id: str, resource: str, etag: str | None, base: dict[str, Any]
) -> None:
    state = session.get(SyncState, conversation_id)
    if state is None:
        session.add(
            SyncState(
                conversation_id=conversation_id,
                resource=resource,
                etag=etag,
                base=base,
                synced_at=utcnow(),
            )
        )
    else:
        state.etag, state.base, state.synced_at = etag, base, utcnow()
    session.flush()


def write_conversation(
    session: Session,
    conversation_id: str,
    created_at: datetime,
    fields: dict[str, Any],
    updated_at: datetime,
    version: int,
) -> None:
    """Make the conversation row hold ``fields`` (no outbox row: it came from the server)."""
    row = session.scalar(select(Conversation).where(Conversation.id == conversation_id))
    if row is None:
        row = Conversation(id=conversation_id, created_at=created_at)
        session.add(row)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at, row.version = updated_at, version
    session.flush()


def write_messages(session: Session, conversation_id: str, messages: Iterable[dict[str, Any]]) -> None:
    """Insert or update message rows (parents before children), no outbox rows.

    Each dict has: id, parent_id, role, created_at, updated_at, version, deleted,
    erased, and for live messages content, token_count, model, sampling, stats, status.
    """
    existing = {
        m.id: m
        for m in session.scalars(select(Message).where(Message.conversation_id == conversation_id))
    }
    for item in messages:
        row = existing.get(item["id"])
        if row is None:
            parent = item["parent_id"]
            row = Message(
                id=item["id"],
                conversation_id=conversation_id,
                parent_id=parent if parent in existing else None,
                role=item["role"],
                content="",
                created_at=item["created_at"],
                sampling={},
                stats={},
                status="complete",
            )
            session.add(row)
            existing[row.id] = row
        row.deleted = item["deleted"]
        row.updated_at, row.version = item["updated_at"], item["version"]
        if not item["deleted"]:
            for name in ("content", "token_count", "model", "sampling", "stats", "status"):
                setattr(row, name, item[name])
        elif item.get("erased"):
            row.content = ""
    # One flush: the rows go in the order they were added, parents first.
    session.flush()


def add_conflicts(session: Session, conversation_id: str, conflicts: Iterable[tuple[str, str, Any, Any]]) -> int:
    n = 0
    for kind, item, kept, other in conflicts:
        session.add(
            SyncConflict(
                conversation_id=conversation_id,
                kind=kind,
                item=item,
                kept=kept,
                other=other,
                time=utcnow(),
                resolved=False,
            )
        )
        n += 1
    session.flush()
    return n


def conflicts(session: Session, *, include_resolved: bool = False) -> list[ConflictRecord]:
    stmt = select(SyncConflict).order_by(SyncConflict.pk.desc())
    if not include_resolved:
        stmt = stmt.where(SyncConflict.resolved.is_(False))
    return [
        ConflictRecord(c.pk, c.conversation_id, c.kind, c.item, c.kept, c.other, c.time, c.resolved)
        for c in session.scalars(stmt)
    ]


def open_conflict_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved.is_(False))
        )
        or 0
    )


def resolve_conflict(session: Session, pk: int) -> None:
    session.execute(update(SyncConflict).where(SyncConflict.pk == pk).values(resolved=True))
