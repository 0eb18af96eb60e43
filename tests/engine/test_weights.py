"""One loaded model shared by the chat engine and the batch engine: the real
default model, real llama.cpp contexts."""

from __future__ import annotations

from pathlib import Path

from app.engine.batch import BatchConfig, BatchEngine
from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import ChatMessage, SamplingParams
from app.engine.weights import Weights

QUESTION = [ChatMessage("user", "Name three colours of the rainbow.")]
GREEDY = SamplingParams(temperature=0.0, max_tokens=24)


def test_two_engines_on_one_model_answer_alike_and_free_it_when_the_last_closes(
        default_model_path: Path) -> None:
    path = str(default_model_path)
    chat = LlamaEngine(path, EngineConfig(n_ctx=512, n_threads=1))
    weights = chat.weights
    batch = BatchEngine(path, BatchConfig(slots=1, n_ctx_slot=512, n_threads=1), weights=weights)
    try:
        assert batch.weights is weights and batch.vocab is chat.vocab
        alone = chat.stream_chat(QUESTION, GREEDY).read_all()
        assert batch.submit_chat(QUESTION, GREEDY).read_all() == alone != ""

        chat.close()  # the chat engine goes; the batch engine still has the model
        assert weights.alive
        assert batch.submit_chat(QUESTION, GREEDY).read_all() == alone
    finally:
        batch.close()
        chat.close()  # a second close is harmless
    assert not weights.alive


def test_weights_freed_already_are_loaded_anew(default_model_path: Path) -> None:
    path = str(default_model_path)
    weights = Weights(path, name="first")
    weights.release()
    assert not weights.alive and not weights.retain()
    engine = LlamaEngine(path, EngineConfig(n_ctx=512, n_threads=1), weights=weights)
    try:
        assert engine.weights is not weights and engine.weights.alive
        assert engine.stream_chat(QUESTION, GREEDY).read_all()
    finally:
        engine.close()
