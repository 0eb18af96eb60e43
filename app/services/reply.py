"""A reply in progress: streamed from the engine, saved as it streams, finished as
complete or interrupted."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.engine.types import ReplyStats, SamplingParams
from app.errors import Cancelled
from app.services.context_budget import PromptPlan
from app.services.safety import filter_pieces

if TYPE_CHECKING:
    from app.engine.llama import Generation
    from app.services.conversations import Conversations, MessageView
    from app.services.models import LoadedModel
    from app.services.safety import Safety, SafetyEvent
    from app.store import ConversationRecord, MessageRecord, ReplyWriter

log = logging.getLogger(__name__)


@dataclass
class ReplyJob:
    """What a reply needs to stream: gathered by send/regenerate/edit_and_resend."""

    conversation: ConversationRecord
    path: list[MessageRecord]  # the branch up to the message being answered
    system: str | None
    params: SamplingParams
    cancel: threading.Event | None
    model: LoadedModel
    writer: ReplyWriter
    safety: Safety  # the filter the reply streams through
    screened: list[SafetyEvent]  # what the filter did to the prompt


class Reply:
    """A reply in progress. Iterate it (in any one thread) for the text as it arrives;
    it is saved as it streams. Once the iteration ends, ``status`` is complete or
    interrupted (the cancel event was set, or the reader stopped early) and
    ``message`` is the stored reply. A failed write raises StoreError from the
    iteration and keeps what was already saved. A Reply never iterated must be closed.

    The text comes from the engine, prompted with the conversation; another kind of
    answer (one from documents) streams through the same filter, writer and audit by
    overriding where its text comes from: ``_source``, ``_stop``, ``_prompt_tokens`` and
    ``_more_stats``.
    """

    def __init__(self, owner: Conversations, job: ReplyJob) -> None:
        self.conversation_id = job.conversation.id
        self.message_id = job.writer.message_id
        self.stats = ReplyStats()
        self.status = "streaming"
        self.message: MessageView | None = None
        self.context_used = 0  # tokens of the window in use: the prompt, then the reply too
        self.context_window = job.model.engine.n_ctx
        self._owner = owner
        self._job = job
        self._parts: list[str] = []
        self._filter = job.safety.reply_filter()
        self._generation: Generation | None = None
        self._pieces: Iterator[str] | None = None
        self._stream = self._run()

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def safety(self) -> list[SafetyEvent]:
        """What the safety filter found and did, in the prompt and in the reply so far."""
        from app.services.safety import events_of

        return [*self._job.screened, *events_of(dict(self._filter.counts), "output")]

    def __iter__(self) -> Iterator[str]:
        return self._stream

    def close(self) -> None:
        """Stop here: what was streamed so far is kept, marked interrupted."""
        self._stream.close()
        if self.status == "streaming":
            self._stop()
            self._finish_quietly()

    def _run(self) -> Iterator[str]:
        job = self._job
        try:
            pieces = self._source()
            if pieces is not None:
                # Nothing reaches the store or the reader before the safety filter lets it out.
                for piece in filter_pieces(pieces, self._filter, job.cancel):
                    self._parts.append(piece)
                    job.writer.add(piece)  # saved (within the flush interval) before it is shown
                    yield piece
                if self._filter.blocked is not None:
                    self._stop()  # the policy stops this reply here
                    self.stats.finish_reason = "content_filter"
            stopped = self.stats.finish_reason == "cancelled"
            self._finish("interrupted" if stopped else "complete")
        except BaseException:  # GeneratorExit too: the reader stopped early
            self._stop()  # free the engine now, not when the traceback is collected
            self._finish_quietly()
            raise
        self._owner._after_reply(job, self.status)

    def _source(self) -> Iterator[str] | None:
        """The reply's text as the engine writes it, and ``stats`` following it; None (and
        ``stats`` saying cancelled) when it was stopped while the prompt was being made."""
        job = self._job
        try:
            plan: PromptPlan | None = self._owner._plan(job)
        except Cancelled:
            plan = None
        if plan is None:
            self.stats = ReplyStats(finish_reason="cancelled")
            return None
        self.context_used = plan.tokens
        self._generation = job.model.engine.stream_chat(plan.messages, job.params, job.cancel)
        self.stats = self._generation.stats
        self._pieces = iter(self._generation)
        return self._pieces

    def _stop(self) -> None:
        """Stop what ``_source`` started (nothing when it has not been asked yet)."""
        _close(self._pieces)
        if self._generation is not None:
            self._generation.close()

    def _prompt_tokens(self) -> int:
        return self.stats.prompt_tokens

    def _more_stats(self) -> dict[str, Any]:
        """What else the stored reply keeps beside its statistics."""
        return {}

    def _finish(self, status: str) -> None:
        stats = {**self.stats.as_dict(), **self._more_stats()}
        if self.safety:
            stats["safety"] = [e.as_dict() for e in self.safety]
        record = self._job.writer.finish(
            "complete" if status == "complete" else "interrupted",
            stats=stats,
            token_count=self.stats.generated_tokens,
        )
        self.status = status
        self.context_used = self._prompt_tokens() + self.stats.generated_tokens
        self.message = self._owner._view_of(record)

    def _finish_quietly(self) -> None:
        try:
            self._finish("interrupted")
        except Exception as err:  # the error being raised says what went wrong
            log.warning("could not mark the reply interrupted: %s", err)
            self.status = "interrupted"


def _close(pieces: Iterator[str] | None) -> None:
    close = getattr(pieces, "close", None)
    if close is not None:
        close()
