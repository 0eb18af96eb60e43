"""The continuous-batching engine on the real default model."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.batch import BatchConfig, BatchEngine
from app.engine.types import ChatMessage, SamplingParams
from app.errors import ContextOverflow, EngineError, ServerBusy

QUESTION = [ChatMessage("system", "You are a helpful assistant."),
            ChatMessage("user", "Name three colours of the rainbow.")]


@pytest.fixture(scope="module")
def batch(default_model_path: Path) -> Iterator[BatchEngine]:
    eng = BatchEngine(str(default_model_path),
                      BatchConfig(slots=2, n_ctx_slot=512, n_threads=1, queue_depth=1))
    yield eng
    eng.close()


def test_requests_in_one_batch_each_get_their_own_reply(batch: BatchEngine) -> None:
    a = batch.submit_chat(QUESTION, SamplingParams(seed=1, max_tokens=24))
    b = batch.submit_chat([ChatMessage("user", "Count to five.")], SamplingParams(seed=2, max_tokens=24))
    text_a, text_b = a.read_all(), b.read_all()
    assert text_a.strip() and text_b.strip() and text_a != text_b
    assert a.stats.generated_tokens > 0 and a.stats.finish_reason in {"stop", "length"}
    assert a.stats.time_to_first_token_s > 0


def test_a_repeated_prompt_reuses_the_slots_cache(batch: BatchEngine) -> None:
    batch.submit_chat(QUESTION, SamplingParams(seed=3, max_tokens=4)).read_all()
    again = batch.submit_chat(QUESTION, SamplingParams(seed=3, max_tokens=4))
    again.read_all()
    assert again.stats.cached_tokens == again.stats.prompt_tokens - 1


def test_a_cancelled_request_leaves_its_slot_within_a_step(batch: BatchEngine) -> None:
    long = batch.submit_chat(QUESTION, SamplingParams(seed=4, max_tokens=400), ignore_eos=True)
    pieces = iter(long)
    next(pieces)
    long.cancel()
    rest = list(pieces)
    assert long.finish_reason == "cancelled"
    assert long.stats.generated_tokens < 10 + len(rest)
    assert batch.busy_slots == 0
    assert batch.submit_chat(QUESTION, SamplingParams(seed=5, max_tokens=8)).read_all().strip()


def test_a_full_queue_refuses_with_a_retry_time(batch: BatchEngine) -> None:
    running = [batch.submit_chat(QUESTION, SamplingParams(seed=i, max_tokens=400), ignore_eos=True)
               for i in range(3)]  # two slots and a queue of one
    try:
        with pytest.raises(ServerBusy) as err:
            batch.submit_chat(QUESTION, SamplingParams(max_tokens=4))
        assert err.value.retry_after_s >= 1
    finally:
        for r in running:
            r.cancel()
    for r in running:
        r.read_all()
    assert all(r.finish_reason == "cancelled" for r in running)


def test_stop_strings_end_the_reply_and_are_not_shown(batch: BatchEngine) -> None:
    r = batch.submit_completion("1, 2, 3, 4, 5, 6, 7,", SamplingParams(temperature=0, max_tokens=40,
                                                                      stop=(" 9",)))
    text = r.read_all()
    assert r.finish_reason == "stop" and " 9" not in text and "8" in text


def test_bad_input_is_refused_before_it_queues(batch: BatchEngine) -> None:
    with pytest.raises(EngineError, match="GBNF"):
        batch.submit_chat(QUESTION, SamplingParams(grammar="root ::= ("))
    with pytest.raises(ContextOverflow):
        batch.submit(list(range(100, 700)), SamplingParams())


def test_embeddings_are_unit_length_and_batch_like_singles(batch: BatchEngine) -> None:
    both, n = batch.embed(["a red apple", "tax law in 1990"])
    single, _ = batch.embed(["tax law in 1990"])
    assert n > 4 and len(both[0]) == 576
    assert math.isclose(sum(v * v for v in both[0]), 1.0, rel_tol=1e-4)
    assert both[1] == pytest.approx(single[0], abs=1e-4)
