"""A conversation far longer than the context window keeps answering: the prompt stays
within the window, and the older turns live on in a running summary (or are dropped,
if the user chose that)."""

from __future__ import annotations

import time

import pytest

from app.engine.types import SamplingParams
from app.services.context import AppContext
from app.services.context_budget import SUMMARY_HEADER
from app.services.conversations import Conversations

MAX_TOKENS = 24
PARAMS = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=1)
TOPICS = ["revenue", "staffing", "the supply chain", "marketing", "compliance", "IT security",
          "logistics", "pricing"]


def long_turn(i: int) -> str:
    """About 110 tokens: a user pasting notes and asking about them."""
    topic = TOPICS[i % len(TOPICS)]
    return (
        f"Turn {i}. My notes on {topic} for the northern region: the figures for quarter "
        f"{i % 4 + 1} moved by {i * 3 % 17} percent, the team discussed the budget, the hiring "
        f"plan and the risks for next year, and the board asked for a short written update "
        f"on {topic} before the end of the month. Suppliers raised prices twice and two "
        f"customers asked for longer payment terms. The regional manager wants a one-page "
        f"brief with the three biggest risks and one proposal for each of them. What should "
        f"I focus on first?"
    )


def converse(convs: Conversations, turns: int) -> tuple[str, list[int]]:
    conv = convs.create(system_prompt="You are a concise business analyst.")
    prompts = []
    for i in range(turns):
        reply = convs.send(conv.id, long_turn(i), params=PARAMS)
        text = "".join(reply)
        assert reply.status == "complete", f"turn {i} did not finish"
        assert text.strip(), f"turn {i} got no answer"
        assert reply.context_window == 2048
        # What the engine measured for the prompt it was given: never more than the
        # window less the reply's room.
        assert reply.stats.prompt_tokens <= 2048 - MAX_TOKENS, f"turn {i} overflowed"
        prompts.append(reply.stats.prompt_tokens)
    return conv.id, prompts


@pytest.mark.slow
def test_fifty_long_turns_keep_answering_with_a_running_summary(convs: Conversations) -> None:
    started = time.perf_counter()
    conversation_id, prompts = converse(convs, 50)

    view = convs.get(conversation_id)
    assert len(view.messages) == 100  # nothing the user wrote or saw is lost
    assert view.summary and view.summary.strip()  # shown to the user as such
    assert view.summary_upto_id in {m.id for m in view.messages[:-2]}
    assert sum(m.token_count or 0 for m in view.messages) > 3 * 2048  # far beyond the window
    # The window overflowed several times, and each time the prompt shrank.
    assert sum(1 for a, b in zip(prompts, prompts[1:], strict=False) if b < a) >= 3
    # The summary is in the prompt, beside the system prompt.
    used, window = convs.context_usage(conversation_id)
    assert window == 2048 and used <= 2048 - MAX_TOKENS
    print(f"50 turns in {time.perf_counter() - started:.1f} s; prompt sizes {prompts}")


@pytest.mark.slow
def test_drop_oldest_forgets_the_oldest_turns_and_keeps_answering(
    convs: Conversations, ctx: AppContext
) -> None:
    ctx.settings.set("context_overflow", "drop_oldest")
    conversation_id, prompts = converse(convs, 16)

    view = convs.get(conversation_id)
    assert view.summary is None
    assert len(view.messages) == 32  # dropped from the prompt, not from the history
    assert max(prompts) > 1500 and prompts[-1] < max(prompts)
    assert SUMMARY_HEADER not in convs.export(conversation_id)
