"""The safety filter as every door meets it: prompts screened before they are stored or
sent, replies filtered as they stream, and what was found and done reported back as
plain values the GUI, the CLI and the API each show their own way."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import SafetyBlocked
from app.security.safety import SafetyRules, Scanner, StreamFilter, apply
from app.security.safety.labels import language_of, name_of

if TYPE_CHECKING:
    from app.engine.batch import BatchRequest
    from app.engine.llama import Generation
    from app.services.context import AppContext

OUTPUT = ("output",)
API_OUTPUT = ("output", "outbound")  # an API reply is a reply, and it leaves the app


@dataclass(frozen=True)
class SafetyEvent:
    """What the filter did: ``count`` findings of ``category`` were warned about,
    redacted or blocked (``action``) in ``direction`` (input or output)."""

    category: str
    action: str
    direction: str
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "action": self.action, "direction": self.direction,
                "count": self.count}

    def describe(self) -> str:
        """One line for the CLI (in English, as its other messages): ``removed 1 ID number
        from the reply``."""
        name = name_of(self.category, "en")
        where = "your message" if self.direction == "input" else "the reply"
        if self.action == "redact":
            return f"removed {self.count} {name}{_s(self.count)} from {where}"
        if self.action == "block":
            return (f"{where} was stopped: {name} found" if self.direction != "input"
                    else f"{where} was not sent: {name} found")
        return f"{where} contains {self.count} {name}{_s(self.count)} (kept, flagged by policy)"


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def events_of(counts: dict[tuple[str, str], int], direction: str) -> list[SafetyEvent]:
    return [SafetyEvent(c, a, direction, n) for (c, a), n in sorted(counts.items())]


class Safety:
    """The filter with the administrator's rules and the UI's language."""

    def __init__(self, rules: SafetyRules | None = None, language: str = "en") -> None:
        self.rules = rules or SafetyRules()
        self.language = language
        self.scanner = Scanner(self.rules.org)

    @classmethod
    def for_context(cls, ctx: AppContext) -> Safety:
        """The rules in force now (the policy is read again: an administrator may change it)."""
        from app.security.policy import load_policy

        return cls(load_policy().safety, language_of(str(ctx.settings.get("language"))))

    def screen_input(self, text: str) -> tuple[str, list[SafetyEvent]]:
        """The prompt as it may be stored and sent, and what was done to it. Raises
        SafetyBlocked when the policy forbids sending what it holds."""
        findings = self.scanner.scan(text)
        if not findings:
            return text, []
        outcome = apply(text, findings, self.rules, ("input",), self.language)
        if outcome.blocked is not None:
            name = name_of(outcome.blocked, "en")
            raise SafetyBlocked(
                f"This message was not sent: the administrator's policy does not allow sending "
                f"it to the model as it holds an item of this kind: {name}. Remove the {name} "
                f"and send it again.", category=outcome.blocked)
        return outcome.text, events_of(outcome.counts, "input")

    def screen_inputs(self, texts: Iterable[str]) -> tuple[list[str], list[SafetyEvent]]:
        out, events = [], []
        for text in texts:
            screened, found = self.screen_input(text)
            out.append(screened)
            events.extend(found)
        return out, merge(events)

    def redact(self, text: str, direction: str = "outbound") -> str:
        """``text`` with every finding the policy does not allow in ``direction`` replaced by
        its label (what would block is removed too: the text is being written out)."""
        rules = self.rules
        strict = SafetyRules(
            actions={c: {direction: "redact" if rules.action(c, direction) == "block"
                         else rules.action(c, direction)} for c in rules.categories},
            org=rules.org)
        return apply(text, self.scanner.scan(text), strict, (direction,), self.language).text

    def reply_filter(self, directions: tuple[str, ...] = OUTPUT) -> StreamFilter:
        return StreamFilter(self.scanner, self.rules, directions, self.language)


def merge(events: Iterable[SafetyEvent]) -> list[SafetyEvent]:
    totals: dict[tuple[str, str, str], int] = {}
    for e in events:
        key = (e.category, e.action, e.direction)
        totals[key] = totals.get(key, 0) + e.count
    return [SafetyEvent(c, a, d, n) for (c, a, d), n in totals.items()]


class ScreenedGeneration:
    """A reply from the engine, filtered as it streams; the same surface as a Generation
    (iterate it; ``text``, ``stats``, ``close``) plus ``safety``, what the filter did."""

    def __init__(self, generation: Generation, stream: StreamFilter,
                 input_events: list[SafetyEvent] | None = None,
                 cancel: threading.Event | None = None) -> None:
        self._generation = generation
        self._filter = stream
        self._cancel = cancel
        self.input_events = input_events or []
        self.stats = generation.stats
        self.text_parts: list[str] = []
        self._stream = self._run()

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def safety(self) -> list[SafetyEvent]:
        return self.input_events + events_of(dict(self._filter.counts), "output")

    @property
    def blocked(self) -> str | None:
        return self._filter.blocked

    def __iter__(self) -> Iterator[str]:
        return self._stream

    def _run(self) -> Iterator[str]:
        try:
            for piece in filter_pieces(self._generation, self._filter, self._cancel):
                self.text_parts.append(piece)
                yield piece
        except BaseException:  # Ctrl-C, or the reader stopped: free the engine now
            self._generation.close()
            raise
        if self._filter.blocked is not None:
            self._generation.close()  # the policy stops this reply here
            self._generation.stats.finish_reason = "content_filter"
        self.stats = self._generation.stats

    def close(self) -> None:
        self._stream.close()
        self._generation.close()


def filter_pieces(pieces: Iterable[str], stream: StreamFilter,
                  cancel: threading.Event | None = None) -> Iterator[str]:
    """The pieces as the filter lets them out; stops reading (the caller closes the
    source) once a finding blocks the reply. Once ``cancel`` is set nothing more is let
    out: a stopped reply ends with what was shown (what was held back is dropped)."""
    for piece in pieces:
        if cancel is not None and cancel.is_set():
            continue  # read to the end, so the engine finishes its step
        shown = stream.feed(piece)
        if shown:
            yield shown
        if stream.blocked is not None:
            return
    if cancel is None or not cancel.is_set():
        rest = stream.finish()
        if rest:
            yield rest


class ScreenedRequest:
    """A queued API generation whose text passes the filter before any client sees it.

    Stands in for the engine's BatchRequest where the routes read it (``take``, ``done``,
    ``stats``, ``cancel``…). The end of the text is let out by the ``take`` that follows
    a ``done`` of True, so a reader that checks ``done`` before ``take`` (as the SSE loop
    does) gets everything.
    """

    def __init__(self, request: BatchRequest, stream: StreamFilter,
                 input_events: list[SafetyEvent] | None = None) -> None:
        self._req = request
        self._filter = stream
        self.input_events = input_events or []
        self._finished = False

    @property
    def done(self) -> bool:
        return self._req.done

    @property
    def error(self) -> Any:
        return self._req.error

    @property
    def stats(self) -> Any:
        return self._req.stats

    @property
    def cancelled(self) -> bool:
        return self._req.cancelled and self._filter.blocked is None

    @property
    def finish_reason(self) -> str:
        return "content_filter" if self._filter.blocked is not None else self._req.finish_reason

    def cancel(self) -> None:
        self._req.cancel()

    def take(self) -> str:
        done = self._req.done  # before take(): all the text of a finished request is in it
        out = self._filter.feed(self._req.take()) if self._filter.blocked is None else ""
        if self._filter.blocked is not None:
            self._req.cancel()
            self._finished = True
        elif done and not self._finished:
            self._finished = True
            out += self._filter.finish()
        return out

    @property
    def safety(self) -> list[SafetyEvent]:
        return self.input_events + events_of(dict(self._filter.counts), "output")
