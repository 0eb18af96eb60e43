"""Reads and writes conversations, messages, settings and the outbox inside one unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from sqlalchemy import delete, false, select, true, update

from app.errors import StoreError
from app.store.base import (
    bump,
    conversation_record,
    message_record,
    outbox_record,
    tombstone,
)
from app.store.erase import EraseOps
from app.store.messages import MessageOps
from app.store.records import ConversationRecord, MessageRecord, NotFound, OutboxRecord
from app.store.schema import Conversation, Message, OutboxEntry, Setting, new_id, utcnow
from app.store.search import like_pattern, parse_query, search_conversations
from app.store.tool_calls import ToolCallOps


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class Repository(MessageOps, ToolCallOps, EraseOps):
    """The store's operations on one Session; the unit of work around it commits.

    Every change that must reach the sync server writes its outbox row through
    the same Session, so the two commit or roll back together.
    """

    # --- conversations -------------------------------------------------------

    def create_conversation(
        self,
        title: str = "",
        *,
        system_prompt: str | None = None,
        model: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> ConversationRecord:
        now = utcnow()
        row = Conversation(
            id=new_id(),
            title=title,
            system_prompt=system_prompt,
            model=model,
            settings=dict(settings or {}),
            created_at=now,
            updated_at=now,
            version=1,
            deleted=False,
        )
        self.session.add(row)
        return self._changed_conversation(row)

    def rename_conversation(self, conversation_id: str, title: str) -> ConversationRecord:
        row = self._live_conversation(conversation_id)
        row.title = title
        return self._changed_conversation(row, new_version=True)

    def update_conversation(
        self,
        conversation_id: str,
        *,
        system_prompt: str | None | _Unset = UNSET,
        model: str | None | _Unset = UNSET,
        settings: Mapping[str, Any] | _Unset = UNSET,
    ) -> ConversationRecord:
        """Change the system prompt, model or pinned settings; UNSET leaves one as it is."""
        row = self._live_conversation(conversation_id)
        if not isinstance(system_prompt, _Unset):
            row.system_prompt = system_prompt
        if not isinstance(model, _Unset):
            row.model = model
        if not isinstance(settings, _Unset):
            row.settings = dict(settings)
        return self._changed_conversation(row, new_version=True)

    def set_summary(
        self, conversation_id: str, summary: str | None, upto_message_id: str | None
    ) -> ConversationRecord:
        """Keep the running summary of every turn up to and including ``upto_message_id``."""
        row = self._live_conversation(conversation_id)
        if upto_message_id is not None:
            self._live_message(upto_message_id, conversation_id)
        row.summary = summary
        row.summary_upto_message_id = upto_message_id
        return self._changed_conversation(row, new_version=True)

    def get_conversation(
        self, conversation_id: str, *, include_deleted: bool = False
    ) -> ConversationRecord | None:
        row = self._conversation_row(conversation_id)
        if row is None or (row.deleted and not include_deleted):
            return None
        return conversation_record(row)

    def resolve_conversation_id(self, prefix: str) -> str:
        """The full id of the one live conversation whose id starts with ``prefix``."""
        prefix = prefix.strip().lower()
        if not prefix:
            raise NotFound("No conversation id given.")
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ids = self.session.scalars(
            select(Conversation.id)
            .where(Conversation.deleted == false(), Conversation.id.like(pattern, escape="\\"))
            .limit(2)
        ).all()
        if not ids:
            raise NotFound(f"No conversation with id {prefix!r}.")
        if len(ids) > 1:
            raise StoreError(
                f"More than one conversation id starts with {prefix!r}; give more of it."
            )
        return ids[0]

    def list_conversations(
        self, limit: int = 50, offset: int = 0, query: str | None = None
    ) -> list[ConversationRecord]:
        """Live conversations, most recently active first; ``query`` searches titles and
        message text (every word must appear; any text is safe to pass)."""
        terms = parse_query(query or "")
        if terms:
            rows = search_conversations(self.session, terms, max(0, limit), max(0, offset))
        else:
            stmt = (
                select(Conversation)
                .where(Conversation.deleted == false())
                .order_by(Conversation.updated_at.desc(), Conversation.pk.desc())
                .limit(max(0, limit))
                .offset(max(0, offset))
            )
            rows = self.session.scalars(stmt).all()
        return [conversation_record(r) for r in rows]

    def delete_conversation(self, conversation_id: str) -> None:
        """Tombstone the conversation and its messages; the server learns of it through the outbox."""
        row = self._live_conversation(conversation_id)
        now = utcnow()
        messages = self.session.scalars(
            select(Message).where(Message.conversation_id == row.id, Message.deleted == false())
        )
        for message in messages:
            message.deleted = True
            bump(message, now)
            self._queue("message", message.id, "delete", tombstone(message))
        row.deleted = True
        bump(row, now)
        self._queue("conversation", row.id, "delete", tombstone(row))
        self.session.flush()

    def restore_conversation(self, conversation_id: str) -> ConversationRecord:
        """Undo a delete: the conversation and the messages deleted with it are live again,
        each queued for sync as a new version (the server saw the tombstones)."""
        row = self._conversation_row(conversation_id)
        if row is None:
            raise NotFound(f"No conversation with id {conversation_id}.")
        if not row.deleted:
            return conversation_record(row)
        now = utcnow()
        messages = self.session.scalars(
            select(Message).where(Message.conversation_id == row.id, Message.deleted == true())
        ).all()
        for message in messages:
            message.deleted = False
            bump(message, now)
        row.deleted = False
        self.session.flush()
        for message in messages:
            self._queue("message", message.id, "upsert", message_record(message).as_json())
        return self._changed_conversation(row, new_version=True)

    def matching_message(self, conversation_id: str, query: str) -> MessageRecord | None:
        """The newest live message of the conversation holding every word of ``query``
        (the words as list_conversations reads them): what a search result shows."""
        terms = parse_query(query)
        if not terms:
            return None
        row = self.session.scalar(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.deleted == false(),
                *(Message.content.like(like_pattern(t), escape="\\") for t in terms.all),
            )
            .order_by(Message.pk.desc())
            .limit(1)
        )
        return None if row is None else message_record(row)

    # --- settings ------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.session.get(Setting, key)
        return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under ``key`` (local to this machine, not synced)."""
        row = self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=value, updated_at=utcnow()))
        else:
            row.value = value
            row.updated_at = utcnow()
        self.session.flush()

    def delete_setting(self, key: str) -> None:
        self.session.execute(delete(Setting).where(Setting.key == key))

    # --- outbox --------------------------------------------------------------

    def list_outbox(self, limit: int = 100) -> list[OutboxRecord]:
        """Pending changes, oldest first."""
        rows = self.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id).limit(limit))
        return [outbox_record(r) for r in rows]

    def acknowledge_outbox(self, ids: Iterable[int]) -> None:
        """Forget entries the server has accepted."""
        self.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(list(ids))))

    def record_outbox_failure(self, entry_id: int, error: str) -> None:
        self.session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == entry_id)
            .values(attempts=OutboxEntry.attempts + 1, last_error=error)
        )
