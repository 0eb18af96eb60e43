"""Plain, frozen value objects the store hands out instead of ORM rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from app.errors import StoreError

MessageStatus = Literal["complete", "streaming", "interrupted"]


class NotFound(StoreError):
    """No live record has that id."""

    http_status = 404
    code = "not_found"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    title: str
    system_prompt: str | None
    model: str | None
    settings: dict[str, Any]
    summary: str | None
    summary_upto_message_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    etag: str | None
    deleted: bool

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        out: dict[str, Any] = _jsonable(asdict(self))
        return out


@dataclass(frozen=True)
class MessageRecord:
    id: str
    conversation_id: str
    parent_id: str | None
    role: str
    content: str
    token_count: int | None
    model: str | None
    sampling: dict[str, Any]
    stats: dict[str, Any]
    status: MessageStatus
    created_at: datetime
    updated_at: datetime
    version: int
    etag: str | None
    deleted: bool

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = _jsonable(asdict(self))
        return out


@dataclass(frozen=True)
class ToolCallRecord:
    id: str
    message_id: str
    position: int
    name: str
    arguments: dict[str, Any]
    result: str
    seconds: float
    outcome: str  # ok | failed | refused
    created_at: datetime


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    entity_type: str
    entity_id: str
    op: Literal["upsert", "delete"]
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None = None


@dataclass(frozen=True)
class ErasedCounts:
    """How many records an erasure emptied or removed, and how many copies of the database
    taken before upgrades it destroyed (counts only, never content)."""

    conversations: int = 0
    messages: int = 0
    collections: int = 0
    documents: int = 0
    chunks: int = 0
    settings: int = 0
    backups: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
