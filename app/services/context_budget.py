"""Fitting a conversation into the model's context window: which whole messages go in,
and the running summary of the older turns that no longer fit.

Every count is exact: the candidate prompt is rendered with the model's own chat
template and tokenized with its own tokenizer. A message is sent whole or not at
all, and the system prompt always goes first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.engine.types import ChatMessage, Role, SamplingParams
from app.errors import Cancelled, ContextOverflow

if TYPE_CHECKING:
    from app.engine.llama import LlamaEngine

log = logging.getLogger(__name__)

SUMMARY_HEADER = "Summary of the earlier conversation (older turns are no longer shown in full):"
SUMMARY_INSTRUCTION = (
    "Write a short summary of our conversation so far{earlier}, in the third person, "
    'starting with "The user". Keep names, numbers, decisions and open questions. '
    "Write the summary only."
)
SUMMARY_EARLIER = ", including the earlier summary"
# Tokens a running summary may take: enough for a paragraph, never more than a
# sixth of the window, so that most of the window stays for the recent turns.
SUMMARY_MAX_TOKENS = 160
# When the history overflows, older turns go (into the summary, or away) until the
# recent ones take at most this share of the room: the prompt then keeps a stable
# prefix for several turns, so llama.cpp reuses its KV cache instead of
# reprocessing the whole window every turn.
KEEP_FRACTION = 0.5
# Messages a fallback summary mentions when the model wrote none.
FALLBACK_WORDS = 12


class TokenCounter(Protocol):
    """What the budget needs from an engine (LlamaEngine has all of it)."""

    n_ctx: int

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int: ...

    def tokenize(
        self, text: str, *, add_special: bool = False, parse_special: bool = True
    ) -> list[int]: ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...


@dataclass(frozen=True)
class Turn:
    """One stored message as the budget sees it."""

    id: str
    role: Role
    content: str

    def chat(self) -> ChatMessage:
        return ChatMessage(self.role, self.content)


@dataclass(frozen=True)
class PromptPlan:
    """The prompt to send: its messages, its exact size, and where in the history it starts."""

    messages: tuple[ChatMessage, ...]
    tokens: int
    start: int  # index in the history of the first message sent


@dataclass(frozen=True)
class BudgetResult:
    plan: PromptPlan
    summary: str | None  # the running summary the prompt carries
    summary_upto: str | None  # id of the last message it covers
    summary_changed: bool = False


def head_messages(system: str | None, summary: str | None) -> list[ChatMessage]:
    """The system message: the system prompt, then the running summary, shown as such."""
    parts = [p for p in (system, f"{SUMMARY_HEADER}\n{summary}" if summary else None) if p]
    return [ChatMessage("system", "\n\n".join(parts))] if parts else []


def reply_tokens(n_ctx: int, max_tokens: int) -> int:
    """Room kept for the reply: max_tokens, but never more than half the window."""
    return max(1, min(max_tokens, n_ctx // 2))


def summary_tokens(n_ctx: int) -> int:
    return max(16, min(SUMMARY_MAX_TOKENS, n_ctx // 6))


class ContextBudget:
    """The window of one model, less the room kept for the reply."""

    def __init__(self, counter: TokenCounter, max_tokens: int) -> None:
        self.counter = counter
        self.window = counter.n_ctx
        self.reply = reply_tokens(self.window, max_tokens)
        self.limit = self.window - self.reply  # the most tokens a prompt may take

    def count(self, messages: Sequence[ChatMessage]) -> int:
        return self.counter.count_chat_tokens(messages)

    def fit(
        self,
        head: Sequence[ChatMessage],
        history: Sequence[Turn],
        *,
        limit: int | None = None,
        start_at: int = 0,
    ) -> PromptPlan | None:
        """The prompt with as many of the newest whole turns of ``history[start_at:]`` as
        fit in ``limit`` tokens; None when not even the newest user message fits.

        A prompt starts at a user message (templates that insist on alternating roles
        need that), so it holds whole turns.
        """
        limit = self.limit if limit is None else limit
        starts = [i for i in range(start_at, len(history)) if history[i].role == "user"]
        if not starts:
            starts = [len(history)]  # nothing to answer: the head alone
        counts: dict[int, int] = {}

        def size(i: int) -> int:
            if i not in counts:
                counts[i] = self.count([*head, *(t.chat() for t in history[starts[i] :])])
            return counts[i]

        lo, hi = 0, len(starts) - 1
        if size(hi) > limit:
            return None
        while lo < hi:  # counts shrink as the start moves later: find the earliest that fits
            mid = (lo + hi) // 2
            if size(mid) <= limit:
                hi = mid
            else:
                lo = mid + 1
        start = starts[lo]
        messages = (*head, *(t.chat() for t in history[start:]))
        return PromptPlan(messages, size(lo), start)

    def require_fit(self, system: str | None, text: str) -> None:
        """Raise ContextOverflow unless the system prompt and ``text`` fit with room for a reply."""
        needed = self.count([*head_messages(system, None), ChatMessage("user", text)])
        if needed > self.limit:
            raise ContextOverflow(
                f"This message is too long for the model's context window: with the system "
                f"prompt it takes {needed} tokens, but only {self.limit} of the window's "
                f"{self.window} are free once {self.reply} are kept for the reply. Shorten it, "
                f"lower the maximum reply length, or load the model with a longer context."
            )

    def summary_chunk(self, head: Sequence[ChatMessage], turns: Sequence[Turn]) -> list[Turn]:
        """The oldest whole turns that fit in one summarising prompt, with room for the
        summary; a single turn too long for that is shortened (for the summariser only)."""
        limit = self.window - summary_tokens(self.window)
        ends = [
            i for i in range(len(turns)) if i + 1 == len(turns) or turns[i + 1].role == "user"
        ]
        best: list[Turn] = []
        lo, hi = 0, len(ends) - 1
        while lo <= hi:  # the longest prefix that fits
            mid = (lo + hi) // 2
            chunk = list(turns[: ends[mid] + 1])
            if self.count(summary_request(head, chunk)) <= limit:
                best, lo = chunk, mid + 1
            else:
                hi = mid - 1
        if best:
            return best
        first = turns[0]
        room = limit - self.count(summary_request(head, [Turn(first.id, first.role, "")])) - 8
        return [Turn(first.id, first.role, clip_to_tokens(self.counter, first.content, room))]


def summary_request(head: Sequence[ChatMessage], turns: Sequence[Turn]) -> list[ChatMessage]:
    """Ask the model to summarise ``turns`` as the conversation itself: the request shares
    its prefix with the prompt of the turn before, so llama.cpp's KV cache already holds
    almost all of it and only the instruction is processed anew."""
    earlier = SUMMARY_EARLIER if any(SUMMARY_HEADER in m.content for m in head) else ""
    ask = ChatMessage("user", SUMMARY_INSTRUCTION.format(earlier=earlier))
    return [*head, *(t.chat() for t in turns), ask]


def clip_to_tokens(counter: TokenCounter, text: str, n: int) -> str:
    tokens = counter.tokenize(text, parse_special=False)
    if len(tokens) <= n:
        return text
    return counter.detokenize(tokens[: max(0, n)]).rstrip() + " …"


def fallback_summary(previous: str | None, turns: Sequence[Turn]) -> str:
    """A plain summary for when the model writes none: the opening words of each request."""
    asked = [" ".join(t.content.split()[:FALLBACK_WORDS]) for t in turns if t.role == "user"]
    lines = [previous] if previous else []
    lines += [f"The user asked: {a}…" for a in asked if a]
    return "\n".join(lines) or "Earlier turns were left out to fit the context window."


def summarise(
    engine: LlamaEngine,
    head: Sequence[ChatMessage],
    turns: Sequence[Turn],
    previous: str | None,
    cancel: threading.Event | None = None,
) -> str:
    """The model's summary of ``turns`` (and of the summary ``head`` carries)."""
    params = SamplingParams(
        temperature=0.0, max_tokens=summary_tokens(engine.n_ctx), repeat_penalty=1.15
    )
    generation = engine.stream_chat(summary_request(head, turns), params, cancel)
    text = generation.read_all().strip()
    if generation.stats.finish_reason == "cancelled":
        raise Cancelled()
    if generation.stats.finish_reason == "length" and "." in text:
        text = text[: text.rfind(".") + 1]  # end on a whole sentence
    return text or fallback_summary(previous, turns)


def build_prompt(
    engine: LlamaEngine,
    *,
    system: str | None,
    summary: str | None,
    history: Sequence[Turn],
    max_tokens: int,
    strategy: str,
    anchor: int = 0,
    cancel: threading.Event | None = None,
) -> BudgetResult:
    """The prompt for the newest message of ``history`` (the turns after the summary).

    ``anchor`` is where the previous prompt started (drop_oldest remembers it): while
    everything from there fits, the prompt keeps that start. When it does not, older
    turns are summarised (``strategy`` "summarize") or dropped ("drop_oldest") until the
    recent ones take at most KEEP_FRACTION of the room.
    """
    budget = ContextBudget(engine, max_tokens)
    head = head_messages(system, summary)
    anchor = min(max(0, anchor), len(history))
    plan = budget.fit(head, history, start_at=anchor)
    if plan is not None and plan.start == anchor:
        return BudgetResult(plan, summary, None)
    newest = _last_user(history)
    if newest < len(history):
        budget.require_fit(system, history[newest].content)
    reserve = 0
    if strategy == "summarize":
        reserve = summary_tokens(engine.n_ctx) + budget.count([ChatMessage("system", SUMMARY_HEADER)])
    keep = budget.fit(
        head_messages(system, None),
        history,
        limit=int((budget.limit - reserve) * KEEP_FRACTION),
        start_at=anchor,
    )
    keep_start = keep.start if keep is not None else _last_user(history)
    upto: str | None = None
    if strategy == "summarize":
        pending = list(history[:keep_start])
        while pending:
            chunk = budget.summary_chunk(head, pending)
            summary = summarise(engine, head, chunk, summary, cancel)
            upto = chunk[-1].id
            head = head_messages(system, summary)
            pending = pending[len(chunk) :]
    plan = budget.fit(head, history, start_at=keep_start)
    if plan is None:  # a summary far longer than asked for: send the turns without it
        log.warning("the running summary does not fit beside the newest message; left out")
        plan = budget.fit(head_messages(system, None), history, start_at=keep_start)
        assert plan is not None  # the newest message fits alone (checked above)
    elif plan.start > keep_start:
        log.warning("the summary took more room than reserved; %d message(s) left out",
                    plan.start - keep_start)
    return BudgetResult(plan, summary, upto, summary_changed=upto is not None)


def _last_user(history: Sequence[Turn]) -> int:
    for i in range(len(history) - 1, -1, -1):
        if history[i].role == "user":
            return i
    return len(history)


def fit_chat(
    counter: TokenCounter,
    system: str | None,
    history: Sequence[ChatMessage],
    text: str,
    max_tokens: int,
) -> list[ChatMessage]:
    """An unsaved chat's prompt: the newest whole turns that fit, oldest dropped first."""
    budget = ContextBudget(counter, max_tokens)
    budget.require_fit(system, text)
    turns = [Turn(str(i), m.role, m.content) for i, m in enumerate(history)]
    turns.append(Turn("new", "user", text))
    plan = budget.fit(head_messages(system, None), turns)
    assert plan is not None  # require_fit passed
    return list(plan.messages)
