"""Messages: adding, branching, streaming a reply as it arrives, and reading the current branch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, false, select, update

from app.errors import StoreError
from app.store.base import RepositoryBase, message_record
from app.store.records import MessageRecord, MessageStatus, NotFound
from app.store.schema import ROLES, STATUSES, Conversation, Message, new_id, utcnow


class MessageOps(RepositoryBase):
    """The message half of the repository."""

    def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        parent_id: str | None = None,
        token_count: int | None = None,
        model: str | None = None,
        sampling: Mapping[str, Any] | None = None,
        stats: Mapping[str, Any] | None = None,
    ) -> MessageRecord:
        """Add a finished message after ``parent_id`` (default: the end of the current branch)."""
        row = self._new_message(
            conversation_id, role, content, parent_id, "complete", model, sampling, stats
        )
        row.token_count = token_count
        return self._changed_message(row)

    def edit_message(self, message_id: str, content: str) -> MessageRecord:
        """Edit-and-branch: a new sibling of ``message_id`` with the new text; the original stays."""
        original = self._live_message(message_id)
        row = self._new_message(
            original.conversation_id,
            original.role,
            content,
            original.parent_id,
            "complete",
            original.model,
            original.sampling,
            None,
            at_root=original.parent_id is None,
        )
        return self._changed_message(row)

    def begin_streaming_message(
        self,
        conversation_id: str,
        *,
        parent_id: str | None = None,
        model: str | None = None,
        sampling: Mapping[str, Any] | None = None,
    ) -> str:
        """Start an assistant reply (status "streaming"); another reply to the same
        ``parent_id`` is a regenerated branch. Queued for sync once finished."""
        row = self._new_message(
            conversation_id, "assistant", "", parent_id, "streaming", model, sampling, None
        )
        self.session.flush()
        return row.id

    def append_to_streaming_message(self, message_id: str, text: str) -> None:
        """Append streamed text in one UPDATE (no read): cheap enough for every flush."""
        if not text:
            return
        stmt = (
            update(Message)
            .where(Message.id == message_id, Message.status == "streaming")
            .values(content=Message.content + text, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        result = cast(CursorResult[Any], self.session.execute(stmt))
        if result.rowcount != 1:
            raise StoreError(f"Message {message_id} is not a reply being streamed.")

    def finish_message(
        self,
        message_id: str,
        status: MessageStatus = "complete",
        *,
        stats: Mapping[str, Any] | None = None,
        token_count: int | None = None,
        content: str | None = None,
    ) -> MessageRecord:
        """End a streamed reply as complete or interrupted; ``content`` replaces the
        streamed text (e.g. after the output filter redacted it)."""
        if status not in ("complete", "interrupted"):
            raise ValueError(f"a finished message is complete or interrupted, not {status!r}")
        row = self._live_message(message_id)
        if row.status != "streaming":
            raise StoreError(f"Message {message_id} is not a reply being streamed.")
        row.status = status
        row.stats = dict(stats or {})
        row.token_count = token_count
        if content is not None:
            row.content = content
        row.updated_at = utcnow()
        self._touch_conversation(row.conversation_id, row.updated_at)
        return self._changed_message(row)

    def mark_stale_streaming_as_interrupted(self) -> int:
        """Replies left "streaming" by a crash become "interrupted", keeping their text."""
        now = utcnow()
        rows = self.session.scalars(select(Message).where(Message.status == "streaming")).all()
        for row in rows:
            row.status = "interrupted"
            row.updated_at = now
            self._changed_message(row)
        return len(rows)

    def get_message(self, message_id: str) -> MessageRecord | None:
        row = self.session.scalar(select(Message).where(Message.id == message_id))
        return None if row is None or row.deleted else message_record(row)

    def get_messages(
        self, conversation_id: str, *, leaf_id: str | None = None
    ) -> list[MessageRecord]:
        """The current branch, oldest first: from the root down to the newest message,
        or through ``leaf_id`` (any message) and on to its newest descendant."""
        self._live_conversation(conversation_id)
        rows = self._message_rows(conversation_id)
        if not rows:
            return []
        by_id = {r.id: r for r in rows}
        newest_child: dict[str | None, Message] = {}
        for r in rows:  # ascending pk, so the last one seen is the newest
            newest_child[r.parent_id] = r
        if leaf_id is None:
            tip = rows[-1]
        else:
            if leaf_id not in by_id:
                raise NotFound(f"No message {leaf_id} in conversation {conversation_id}.")
            tip = by_id[leaf_id]
            while tip.id in newest_child:
                tip = newest_child[tip.id]
        path: list[Message] = []
        seen: set[str] = set()
        node: Message | None = tip
        while node is not None and node.id not in seen:
            seen.add(node.id)
            path.append(node)
            node = by_id.get(node.parent_id) if node.parent_id else None
        return [message_record(r) for r in reversed(path)]

    def get_all_messages(self, conversation_id: str) -> list[MessageRecord]:
        """Every live message of every branch, oldest first (for export)."""
        self._live_conversation(conversation_id)
        return [message_record(r) for r in self._message_rows(conversation_id)]

    def sibling_ids(self, message_id: str) -> list[str]:
        """The ids of the branches at ``message_id`` (itself included), oldest first."""
        row = self._live_message(message_id)
        parent = (
            Message.parent_id.is_(None)
            if row.parent_id is None
            else Message.parent_id == row.parent_id
        )
        return list(
            self.session.scalars(
                select(Message.id)
                .where(
                    Message.conversation_id == row.conversation_id,
                    parent,
                    Message.deleted == false(),
                )
                .order_by(Message.pk)
            )
        )

    def _message_rows(self, conversation_id: str) -> list[Message]:
        stmt = (
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.deleted == false())
            .order_by(Message.pk)
        )
        return list(self.session.scalars(stmt))

    def _new_message(
        self,
        conversation_id: str,
        role: str,
        content: str,
        parent_id: str | None,
        status: str,
        model: str | None,
        sampling: Mapping[str, Any] | None,
        stats: Mapping[str, Any] | None,
        *,
        at_root: bool = False,
    ) -> Message:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        assert status in STATUSES
        conversation = self._live_conversation(conversation_id)
        if parent_id is not None:
            self._live_message(parent_id, conversation_id)
        elif not at_root:
            parent_id = self.session.scalar(
                select(Message.id)
                .where(Message.conversation_id == conversation_id, Message.deleted == false())
                .order_by(Message.pk.desc())
                .limit(1)
            )
        now = utcnow()
        row = Message(
            id=new_id(),
            conversation_id=conversation.id,
            parent_id=parent_id,
            role=role,
            content=content,
            model=model,
            sampling=dict(sampling or {}),
            stats=dict(stats or {}),
            status=status,
            created_at=now,
            updated_at=now,
            version=1,
            deleted=False,
        )
        self.session.add(row)
        conversation.updated_at = now
        return row

    def _touch_conversation(self, conversation_id: str, when: datetime) -> None:
        self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(updated_at=when)
            .execution_options(synchronize_session=False)
        )
