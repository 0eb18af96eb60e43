"""A conversation far longer than the context window keeps answering: the prompt stays
within the window, and the older turns live on in a running summary (or are dropped,
if the user chose that)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.engine.types import SamplingParams
from app.services.context import AppContext
from app.services.context_budget import SUMMARY_HEADER
from app.services.conversations import Conversations, open_conversations
from app.services.models import LoadedModel

MAX_TOKENS = 24  # with the users' turns, fifty replies this long fill three windows
PARAMS = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS, seed=1)
# Where only overflowing matters, short answers: each token the model writes costs tens
# of milliseconds on a busy core.
SHORT = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
WINDOW = 2048  # the session's model (tests/services/conftest.py)
SMALL_WINDOW = 1024
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


def converse(convs: Conversations, turns: int, window: int,
             params: SamplingParams = PARAMS) -> tuple[str, list[int]]:
    conv = convs.create(system_prompt="You are a concise business analyst.")
    prompts = []
    for i in range(turns):
        reply = convs.send(conv.id, long_turn(i), params=params)
        text = "".join(reply)
        assert reply.status == "complete", f"turn {i} did not finish"
        assert text.strip(), f"turn {i} got no answer"
        assert reply.context_window == window
        # What the engine measured for the prompt it was given: never more than the
        # window less the reply's room.
        assert reply.stats.prompt_tokens <= window - params.max_tokens, f"turn {i} overflowed"
        prompts.append(reply.stats.prompt_tokens)
    return conv.id, prompts


@pytest.fixture(scope="module")
def small_window_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedModel]:
    """The default model with a 1024-token window: overflowing it takes half the turns
    that a 2048-token one does, for a claim that does not depend on the window's size."""
    from app.services.context import open_context
    from app.services.models import load_model

    model = load_model(open_context(tmp_path_factory.mktemp("small-window")),
                       n_ctx=SMALL_WINDOW, threads=1)
    yield model
    model.close()


@pytest.fixture(scope="module")
def two_thread_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedModel]:
    """The default model on both cores: fifty turns are mostly prompt processing (one
    big graph per turn), which a second thread nearly halves. The other service tests'
    model keeps one thread, which stays quick beside other processes' work."""
    from app.services.context import open_context
    from app.services.models import load_model

    model = load_model(open_context(tmp_path_factory.mktemp("two-threads")), n_ctx=WINDOW, threads=2)
    yield model
    model.close()


@pytest.mark.slow
def test_fifty_long_turns_keep_answering_with_a_running_summary(
        ctx: AppContext, two_thread_model: LoadedModel) -> None:
    convs = open_conversations(ctx, two_thread_model)
    try:
        _fifty_turns(convs)
    finally:
        convs.close()


def _fifty_turns(convs: Conversations) -> None:
    started = time.perf_counter()
    conversation_id, prompts = converse(convs, 50, WINDOW)

    view = convs.get(conversation_id)
    assert len(view.messages) == 100  # nothing the user wrote or saw is lost
    assert view.summary and view.summary.strip()  # shown to the user as such
    assert view.summary_upto_id in {m.id for m in view.messages[:-2]}
    assert sum(m.token_count or 0 for m in view.messages) > 3 * WINDOW  # far beyond the window
    # The window overflowed several times, and each time the prompt shrank.
    assert sum(1 for a, b in zip(prompts, prompts[1:], strict=False) if b < a) >= 3
    # The summary is in the prompt, beside the system prompt.
    used, window = convs.context_usage(conversation_id)
    assert window == WINDOW and used <= WINDOW - MAX_TOKENS
    print(f"50 turns in {time.perf_counter() - started:.1f} s; prompt sizes {prompts}")


@pytest.mark.slow
def test_drop_oldest_forgets_the_oldest_turns_and_keeps_answering(
    ctx: AppContext, small_window_model: LoadedModel
) -> None:
    ctx.settings.set("context_overflow", "drop_oldest")
    convs = open_conversations(ctx, small_window_model)
    try:
        conversation_id, prompts = converse(convs, 10, SMALL_WINDOW, SHORT)

        view = convs.get(conversation_id)
        assert view.summary is None
        assert len(view.messages) == 20  # dropped from the prompt, not from the history
        # The prompt filled the window, then lost its oldest turns.
        assert max(prompts) > SMALL_WINDOW * 3 // 4 and prompts[-1] < max(prompts)
        assert SUMMARY_HEADER not in convs.export(conversation_id)
    finally:
        convs.close()
