"""The sampling step on the real default model: the compiled first cut and the
penalty pre-cut must choose exactly the tokens llama.cpp's own chain chooses."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.engine.sampler as sampler_module
from app.engine.batch import BatchConfig, BatchEngine
from app.engine.llama import LlamaEngine
from app.engine.sampler import Sampler, first_cut, llama_cpp_alone
from app.engine.types import ChatMessage, SamplingParams

POEM = [ChatMessage("user", "Write a short poem about rivers and the sea.")]

SETTINGS = {
    "defaults": SamplingParams(seed=11, max_tokens=64),
    "greedy, penalised": SamplingParams(temperature=0.0, repeat_penalty=1.3, max_tokens=64),
    "hot, penalised": SamplingParams(seed=123, temperature=1.0, repeat_penalty=1.3, max_tokens=64),
    "no penalties": SamplingParams(seed=5, temperature=1.2, repeat_penalty=1.0, max_tokens=64),
    "greedy, no penalties": SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=64),
    # top (1000 + 64) candidates: more than the compiled step keeps on its stack
    "wide top-k": SamplingParams(seed=9, temperature=1.5, top_k=1000, top_p=1.0, min_p=0.0,
                                 frequency_penalty=0.4, presence_penalty=0.3, max_tokens=64),
}


def _reply(engine: LlamaEngine, params: SamplingParams) -> str:
    engine.reset()
    return engine.stream_chat(POEM, params).read_all()


@pytest.mark.parametrize("params", SETTINGS.values(), ids=SETTINGS.keys())
def test_the_compiled_step_chooses_the_tokens_llama_cpp_chooses(
        engine: LlamaEngine, params: SamplingParams) -> None:
    sampler = engine._sampler(params, [])
    try:
        assert sampler.compiled, "the compiled sampling step is not built or not bound"
    finally:
        sampler.free()
    ours = _reply(engine, params)
    with llama_cpp_alone():
        theirs = _reply(engine, params)
    assert ours == theirs
    assert len(ours) > 20


@pytest.mark.parametrize("temperature", [1.0, 0.0], ids=["sampled", "greedy"])
def test_the_penalty_precut_changes_no_output(engine: LlamaEngine, monkeypatch: pytest.MonkeyPatch,
                                              temperature: float) -> None:
    monkeypatch.setattr(sampler_module, "COMPILED_STEP", False)  # the cut inside the chain
    params = SamplingParams(seed=123, temperature=temperature, top_k=40, repeat_penalty=1.3,
                            max_tokens=64)
    cut = _reply(engine, params)
    monkeypatch.setattr(sampler_module, "PENALTY_PRECUT", False)
    plain = _reply(engine, params)
    assert cut == plain
    assert len(cut) > 20


def test_the_batch_engine_samples_alike(default_model_path: Path) -> None:
    batch = BatchEngine(str(default_model_path), BatchConfig(slots=1, n_ctx_slot=512, n_threads=1))
    try:
        params = SETTINGS["hot, penalised"]
        ours = batch.submit_chat(POEM, params).read_all()
        with llama_cpp_alone():
            theirs = batch.submit_chat(POEM, params).read_all()
    finally:
        batch.close()
    assert ours == theirs
    assert len(ours) > 20


@pytest.mark.parametrize(("params", "cut"), [
    (SamplingParams(top_k=40, repeat_last_n=64), 104),
    (SamplingParams(temperature=0.0, repeat_last_n=64), 65),
    (SamplingParams(top_k=40, repeat_penalty=1.0), 40),
    (SamplingParams(top_k=0, repeat_penalty=1.0), 0),  # top-p over the whole vocabulary
    (SamplingParams(top_k=40, presence_penalty=-0.5), 0),  # raises logits: no cut is exact
    (SamplingParams(top_k=40, repeat_last_n=-1), 0),  # the whole context: unbounded
])
def test_the_first_cut_is_only_made_where_it_is_exact(params: SamplingParams, cut: int) -> None:
    assert first_cut(params) == cut


def test_a_grammar_sees_every_candidate(engine: LlamaEngine) -> None:
    sampler = Sampler(engine._lib, engine.vocab.handle, engine.n_vocab,
                      SamplingParams(grammar='root ::= "yes" | "no"'))
    try:
        assert not sampler.compiled
    finally:
        sampler.free()


def test_the_compiled_step_refuses_null_pointers(engine: LlamaEngine) -> None:
    from app.engine import _sampling

    sampler = engine._sampler(SamplingParams(), [])
    try:
        with pytest.raises(ValueError, match="needs a chain, a context"):
            sampler.sample(0, -1)
        with pytest.raises(TypeError):
            sampler.sample("not a context", -1)
        with pytest.raises(TypeError, match="sample\\(chain"):
            _sampling.sample(1, 2)
    finally:
        sampler.free()


LOOP_SETTINGS = {
    "defaults": SamplingParams(seed=11, max_tokens=64),
    "greedy": SamplingParams(temperature=0.0, max_tokens=64),
    "grammar (llama.cpp's own sampling)": SamplingParams(
        seed=3, max_tokens=24, grammar='root ::= "The river " [a-z ]+ "."'),
}


@pytest.mark.parametrize("params", LOOP_SETTINGS.values(), ids=LOOP_SETTINGS.keys())
def test_the_compiled_decode_loop_writes_what_the_python_loop_writes(
        engine: LlamaEngine, monkeypatch: pytest.MonkeyPatch, params: SamplingParams) -> None:
    def run() -> tuple[str, int, str, list[int]]:
        engine.reset()
        gen = engine.stream_chat(POEM, params)
        text = gen.read_all()
        return text, gen.stats.generated_tokens, gen.stats.finish_reason, list(engine._cached)

    ours = run()
    monkeypatch.setattr(sampler_module, "COMPILED_LOOP", False)
    python_loop = engine._sampler(params, [])
    assert python_loop.steps.func is sampler_module._one_step  # type: ignore[attr-defined]
    python_loop.free()
    theirs = run()
    assert ours == theirs
    assert ours[1] > 10


def test_what_a_reply_leaves_in_the_cache_serves_the_next_prompt_as_a_fresh_run_would(
        engine: LlamaEngine) -> None:
    params = SamplingParams(temperature=0.0, max_tokens=20)
    engine.reset()
    prompt = engine.chat_tokens(POEM)
    gen = engine.stream_tokens(prompt, params)
    reply = gen.read_all()
    assert gen.stats.finish_reason == "length" and gen.stats.generated_tokens == 20
    # The reply's last token was never decoded: nothing would read what follows it.
    assert len(engine._cached) == len(prompt) + 19
    follow = prompt + engine.tokenize(reply + " And then", parse_special=False)
    again = engine.stream_tokens(follow, params)
    continued = again.read_all()
    assert again.stats.cached_tokens >= len(prompt) + 10  # the reply's own tokens reused
    engine.reset()
    fresh = engine.stream_tokens(follow, params)
    assert fresh.read_all() == continued and fresh.stats.cached_tokens == 0


def test_the_compiled_decode_loop_refuses_bad_arguments(engine: LlamaEngine) -> None:
    from app.engine import _sampling

    sampler = engine._sampler(SamplingParams(), [])
    try:
        with pytest.raises(ValueError, match="needs a chain, a context, a vocabulary"):
            sampler.steps(0, 4, 4)
        with pytest.raises(ValueError, match="needs a chain, a context, a vocabulary"):
            sampler.steps(engine._ctx, 0, 4)
        with pytest.raises(ValueError, match="unknown mode"):
            _sampling.steps(7, 1, 1, 1, 1, 1, 1, 1, 1000)
        with pytest.raises(TypeError, match="steps\\(mode"):
            _sampling.steps(1, 2)
    finally:
        sampler.free()
