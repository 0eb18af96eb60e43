"""Speculative decoding with a draft model: the same replies with and without it (the
chat model verifies every drafted token), drafts accepted where the draft model
agrees, and a draft model of another vocabulary refused with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import ChatMessage, SamplingParams
from app.errors import EngineError

QUESTION = [ChatMessage("user", "Name three rivers of Europe and say where each flows.")]
CONFIG = EngineConfig(n_ctx=1024, n_threads=1)


@pytest.fixture(scope="module")
def chat_with_draft(default_model_path: Path) -> Iterator[LlamaEngine]:
    """The default model, with the default model again as its draft: the same vocabulary,
    and a draft that agrees wherever greedy decoding decides."""
    chat = LlamaEngine(str(default_model_path), CONFIG, name="chat")
    chat.attach_draft(LlamaEngine(str(default_model_path), CONFIG, name="draft"))
    yield chat
    chat.close()


def _reply(engine: LlamaEngine, params: SamplingParams) -> tuple[str, int, int]:
    engine.reset()
    gen = engine.stream_chat(QUESTION, params)
    text = gen.read_all()
    return text, gen.stats.drafted_tokens, gen.stats.accepted_tokens


@pytest.mark.parametrize("params", [
    SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=48),
    SamplingParams(temperature=0.0, repeat_penalty=1.3, max_tokens=48),
    SamplingParams(seed=7, temperature=0.7, max_tokens=48),
], ids=["greedy", "greedy, penalised", "sampled, penalised"])
def test_a_draft_model_changes_no_token_of_the_reply(
        chat_with_draft: LlamaEngine, params: SamplingParams) -> None:
    plain, drafted, _ = _reply(chat_with_draft, params)
    assert drafted == 0
    with_draft, drafted, accepted = _reply(chat_with_draft, SamplingParams(
        **{**params.__dict__, "draft": 4}))
    assert with_draft == plain
    assert drafted > 0 and len(plain) > 40
    if params.temperature == 0.0:
        # The draft is the chat model itself, drafting greedily with the reply's own
        # penalties: it agrees with every token.
        assert accepted >= 0.9 * drafted


def test_the_draft_models_cache_follows_the_conversation(chat_with_draft: LlamaEngine) -> None:
    draft = chat_with_draft.draft
    assert draft is not None
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=24, draft=4)
    _reply(chat_with_draft, params)
    prompt = chat_with_draft.chat_tokens(QUESTION)
    # The draft model holds the prompt and what it drafted, not a fresh copy each time.
    assert draft._cached[:len(prompt)] == prompt
    assert len(draft._cached) > len(prompt) + 10


def test_a_draft_model_with_another_vocabulary_is_refused(
        default_model_path: Path, tmp_path: Path) -> None:
    from bench.synthetic_gguf import write_model

    other = write_model("tiny", "q8_0", tmp_path / "tiny.gguf")
    with LlamaEngine(str(default_model_path), CONFIG, name="chat") as chat:
        stranger = LlamaEngine(str(other), EngineConfig(n_ctx=512, n_threads=1), name="tiny.gguf")
        try:
            with pytest.raises(EngineError, match="tiny.gguf .*must share the chat model's vocabulary"):
                chat.attach_draft(stranger)
            assert chat.draft is None
        finally:
            stranger.close()
        gen = chat.stream_chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=8, draft=4))
        assert gen.read_all()  # prompt lookup, as without a draft model
