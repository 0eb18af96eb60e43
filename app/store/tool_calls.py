"""Tool calls kept with the reply that made them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from app.store.base import RepositoryBase
from app.store.records import ToolCallRecord
from app.store.schema import ToolCallRow, new_id, utcnow


class ToolCallOps(RepositoryBase):
    """The tool-call part of the repository."""

    def add_tool_calls(self, message_id: str, calls: Iterable[Mapping[str, Any]]) -> int:
        """Keep ``calls`` (name, arguments, result, seconds, outcome; in order) with the
        reply ``message_id``, after those kept with it already; returns how many."""
        message = self._live_message(message_id)
        now = utcnow()
        start = int(self.session.scalar(select(func.count()).select_from(ToolCallRow)
                                        .where(ToolCallRow.message_id == message.id)) or 0)
        n = 0
        for n, call in enumerate(calls, start=1):
            self.session.add(ToolCallRow(
                id=new_id(), conversation_id=message.conversation_id, message_id=message.id,
                position=start + n - 1, name=str(call["name"]), arguments=dict(call.get("arguments") or {}),
                result=str(call.get("result", "")), seconds=float(call.get("seconds") or 0.0),
                outcome=str(call.get("outcome", "ok")), created_at=now))
        self.session.flush()
        return n

    def tool_calls_of(self, conversation_id: str) -> dict[str, list[ToolCallRecord]]:
        """Each reply's calls in ``conversation_id``, by the reply's id, in order."""
        rows = self.session.scalars(
            select(ToolCallRow).where(ToolCallRow.conversation_id == conversation_id)
            .order_by(ToolCallRow.message_id, ToolCallRow.position))
        out: dict[str, list[ToolCallRecord]] = {}
        for r in rows:
            out.setdefault(r.message_id, []).append(ToolCallRecord(
                r.id, r.message_id, r.position, r.name, dict(r.arguments or {}), r.result,
                r.seconds, r.outcome, r.created_at))
        return out
