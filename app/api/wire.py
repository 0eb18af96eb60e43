"""The parts of OpenAI's response shapes that need more than a format string: token
log-probabilities, and the tool calls read out of a reply, whole or as they stream."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.tools.calls import CallReader, ToolCallDelta, read_calls, starts_a_call

if TYPE_CHECKING:
    from app.engine.batch import TokenLogprob
    from app.services.serving import ToolPlan

FLOOR = -9999.0  # OpenAI's value for a token the model gives no chance at all


def _lp(value: float) -> float:
    return max(value, FLOOR)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def chat_logprobs(lps: Sequence[TokenLogprob]) -> dict[str, Any]:
    """A chat choice's ``logprobs``: each token, its log-probability, its bytes and the
    likeliest alternatives."""
    return {"content": [{"token": _text(t.token), "logprob": _lp(t.logprob),
                         "bytes": list(t.token),
                         "top_logprobs": [{"token": _text(b), "logprob": _lp(v),
                                           "bytes": list(b)} for b, v in t.top]}
                        for t in lps],
            "refusal": None}


class CompletionLogprobs:
    """A text completion choice's ``logprobs`` (the legacy shape), with the offsets of the
    tokens in the choice's text carried from one streamed piece to the next."""

    def __init__(self, start: int = 0) -> None:
        self.offset = start

    def __call__(self, lps: Sequence[TokenLogprob]) -> dict[str, Any]:
        offsets = []
        for t in lps:
            offsets.append(self.offset)
            self.offset += len(_text(t.token))
        top: list[dict[str, float]] = []
        for t in lps:
            alternatives: dict[str, float] = {}
            for b, v in t.top:
                alternatives.setdefault(_text(b), _lp(v))
            top.append(alternatives)
        return {"tokens": [_text(t.token) for t in lps],
                "token_logprobs": [_lp(t.logprob) for t in lps],
                "top_logprobs": top, "text_offset": offsets}


def _call_id() -> str:
    return f"call_{secrets.token_hex(12)}"


class ChatChoice:
    """One choice of a chat reply as the client sees it: plain content, or the calls the
    reply makes when tools are offered (decided by its first character unless a call
    is forced)."""

    def __init__(self, tools: ToolPlan | None) -> None:
        self.tools = tools
        self.mode: str | None = "text" if tools is None else ("call" if tools.forced else None)
        self.tags = tools.tags if tools is not None else None
        self.reader = CallReader(self.tags)
        self.ids: list[str] = []
        self._held = ""  # the start of a reply that has not yet shown what it is

    # -- streamed -----------------------------------------------------------------------------

    def feed(self, text: str) -> dict[str, Any] | None:
        """The delta for this piece of text, or None when there is nothing to send yet."""
        if self.mode is None:
            self._held += text
            decided = starts_a_call(self._held, self.tags)
            if decided is None:
                return None
            self.mode = "call" if decided else "text"
            text, self._held = self._held, ""
        if self.mode == "text":
            return {"content": text} if text else None
        calls = self._tool_call_deltas(self.reader.feed(text))
        return {"tool_calls": calls} if calls else None

    def end(self, reason: str) -> tuple[dict[str, Any] | None, str]:
        """What is left to send when the reply ends, and the choice's finish_reason."""
        delta = None
        if self.mode is None and self._held:
            delta, self._held = {"content": self._held}, ""
        if self.mode == "call" and self.reader.calls:
            return delta, "tool_calls" if reason == "stop" else reason
        return delta, reason

    def _tool_call_deltas(self, pieces: list[ToolCallDelta]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for p in pieces:
            if p.name is not None:
                self.ids.append(_call_id())
                out.append({"index": p.index, "id": self.ids[p.index], "type": "function",
                            "function": {"name": p.name, "arguments": p.arguments}})
            elif out and out[-1]["index"] == p.index:
                out[-1]["function"]["arguments"] += p.arguments
            else:
                out.append({"index": p.index, "function": {"arguments": p.arguments}})
        return out

    # -- whole --------------------------------------------------------------------------------

    def message(self, text: str, reason: str) -> tuple[dict[str, Any], str]:
        """The whole reply's message and finish_reason."""
        if self.tools is not None and (self.tools.forced or starts_a_call(text, self.tags)):
            reader = read_calls(text, self.tags)
            if reader.calls:
                calls = [{"id": _call_id(), "type": "function",
                          "function": {"name": name, "arguments": args}}
                         for name, args in reader.calls]
                return ({"role": "assistant", "content": None, "refusal": None,
                         "tool_calls": calls}, "tool_calls" if reason == "stop" else reason)
        return {"role": "assistant", "content": text, "refusal": None}, reason
