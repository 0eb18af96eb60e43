"""Speculative decoding by prompt lookup: the drafts, and replies the same as plain
decoding on the real model."""

from __future__ import annotations

from app.engine.llama import LlamaEngine
from app.engine.lookup import NgramIndex
from app.engine.types import ChatMessage, SamplingParams

QUOTED = (
    "The committee met on Tuesday to review the budget for the coming year. It agreed "
    "to keep the travel allowance as it is, to raise the training budget by a tenth, "
    "and to ask every office for its plans before the end of the month."
)
QUOTE = [ChatMessage("user", f"Repeat this text exactly:\n\n{QUOTED}")]


def test_a_draft_is_what_followed_the_last_earlier_occurrence_of_the_tail() -> None:
    index = NgramIndex([1, 2, 3, 4, 5, 6, 1, 2, 3])
    assert index.draft(3) == [4, 5, 6]  # after the earlier 1 2 3
    index.append(9)
    assert index.draft(3) == []  # 2 3 9 never occurred before
    index = NgramIndex([7, 1, 2, 3, 8, 0, 1, 2, 3, 5, 4, 1, 2, 3])
    assert index.draft(2) == [5, 4]  # the latest earlier occurrence wins
    assert NgramIndex([1, 2, 3]).draft(4) == []  # a tail never matches itself


def test_greedy_replies_are_the_same_with_and_without_drafts(engine: LlamaEngine) -> None:
    """Every kept token is the sampler's own pick at its position. (Over long replies a
    batch's floating-point sums may round differently from one token's and change a
    near tie, as in any batched verification; 48 tokens of quoting stay clear of that.)"""
    plain = SamplingParams(temperature=0.0, max_tokens=48)
    engine.reset()
    expected = engine.stream_chat(QUOTE, plain)
    want = expected.read_all()
    engine.reset()
    drafted = engine.stream_chat(QUOTE, SamplingParams(temperature=0.0, max_tokens=48, draft=8))
    assert drafted.read_all() == want
    assert drafted.stats.generated_tokens == expected.stats.generated_tokens
    assert drafted.stats.accepted_tokens > 10  # the quote was drafted, not decoded one by one
    # The cache holds the prompt and what was kept, never a rejected draft.
    prompt = engine.chat_tokens(QUOTE)
    n = drafted.stats.generated_tokens
    assert engine._cached[: len(prompt)] == prompt
    assert len(prompt) + n - 1 <= len(engine._cached) <= len(prompt) + n


def test_drafting_stops_at_max_tokens_and_at_stop_strings(engine: LlamaEngine) -> None:
    engine.reset()
    capped = engine.stream_chat(QUOTE, SamplingParams(temperature=0.0, max_tokens=7, draft=8))
    capped.read_all()
    assert capped.stats.generated_tokens == 7 and capped.stats.finish_reason == "length"
    engine.reset()
    stopped = engine.stream_chat(
        QUOTE, SamplingParams(temperature=0.0, max_tokens=64, draft=8, stop=("budget",))
    )
    text = stopped.read_all()
    assert "budget" not in text and stopped.stats.finish_reason == "stop"
