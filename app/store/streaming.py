"""Saves an assistant reply while it streams, so a crash or a stop keeps what the user saw."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.store.records import MessageRecord, MessageStatus

if TYPE_CHECKING:
    from app.store.store import Store


class ReplyWriter:
    """Buffers streamed text and appends it to the stored reply every ``interval_s``.

    Each flush is one small committed UPDATE, so at most the last quarter second
    of a reply is lost if the process dies. Used as a context manager, a block
    that raises (Cancelled included) finishes the reply as "interrupted".
    If a flush fails (disk full…) the text stays buffered and StoreError is
    raised; the stored reply stays consistent and the next flush retries.
    """

    def __init__(
        self,
        store: Store,
        message_id: str,
        *,
        interval_s: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.message_id = message_id
        self.interval_s = interval_s
        self._clock = clock
        self._pending: list[str] = []
        self._last_flush = clock()
        self._finished: MessageRecord | None = None

    def add(self, text: str) -> None:
        """Record the next piece of the reply; saved within ``interval_s``."""
        if self._finished is not None:
            raise RuntimeError("reply already finished")
        self._pending.append(text)
        if self._clock() - self._last_flush >= self.interval_s:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            text = "".join(self._pending)
            with self.store.repo() as repo:
                repo.append_to_streaming_message(self.message_id, text)
            self._pending.clear()
        self._last_flush = self._clock()

    def finish(
        self,
        status: MessageStatus = "complete",
        *,
        stats: Mapping[str, Any] | None = None,
        token_count: int | None = None,
        content: str | None = None,
    ) -> MessageRecord:
        """Save what is buffered and mark the reply finished, in one transaction."""
        if self._finished is not None:
            return self._finished
        with self.store.repo() as repo:
            if self._pending and content is None:
                repo.append_to_streaming_message(self.message_id, "".join(self._pending))
            self._finished = repo.finish_message(
                self.message_id, status, stats=stats, token_count=token_count, content=content
            )
        self._pending.clear()
        return self._finished

    @property
    def finished(self) -> MessageRecord | None:
        return self._finished

    def __enter__(self) -> ReplyWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._finished is None and t is not None:
            self.finish("interrupted")
