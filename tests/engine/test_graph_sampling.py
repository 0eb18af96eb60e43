"""Sampling from the candidates the model's graph cut (llama.cpp's backend sampling,
on by itself where the output layer is on a GPU): the same tokens as llama.cpp's own
chain over every logit, for the same seed and settings. Forced on here, on the CPU; the
GPU run proves it on a GPU (tests/engine/test_gpu.py)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.sampler import GRAPH_CUT, fits_graph_cut, llama_cpp_alone
from app.engine.types import ChatMessage, SamplingParams

POEM = [ChatMessage("user", "Write a short poem about rivers and the sea.")]

SETTINGS = {
    "defaults": SamplingParams(seed=11, max_tokens=48),
    "greedy, penalised": SamplingParams(temperature=0.0, repeat_penalty=1.3, max_tokens=48),
    "hot, no penalties": SamplingParams(seed=5, temperature=1.2, repeat_penalty=1.0, max_tokens=48),
    "top-k 150 and penalties": SamplingParams(seed=9, temperature=1.5, top_k=150, top_p=1.0,
                                              min_p=0.0, frequency_penalty=0.4, max_tokens=48),
}


@pytest.fixture(scope="module")
def graph_engine(default_model_path: Path) -> Iterator[LlamaEngine]:
    with LlamaEngine(str(default_model_path),
                     EngineConfig(n_ctx=1024, n_threads=1, backend_sampling="on")) as eng:
        yield eng


def _reply(engine: LlamaEngine, params: SamplingParams) -> str:
    engine.reset()
    return engine.stream_chat(POEM, params).read_all()


def _llama_cpp_only(engine: LlamaEngine, params: SamplingParams) -> str:
    """llama.cpp's chain over a copy of every logit, as llama.cpp alone samples."""
    with llama_cpp_alone():
        return _reply(engine, params)


@pytest.mark.parametrize("params", SETTINGS.values(), ids=SETTINGS.keys())
def test_sampling_from_the_graphs_cut_picks_llama_cpps_tokens(
        graph_engine: LlamaEngine, engine: LlamaEngine, params: SamplingParams) -> None:
    assert graph_engine.backend_sampling and fits_graph_cut(params)
    ours = _reply(graph_engine, params)
    assert graph_engine._graph_cut is not None and graph_engine._graph_cut.attached
    theirs = _llama_cpp_only(engine, params)
    assert ours == theirs
    assert len(ours) > 20


def test_while_the_cut_is_attached_no_logit_of_the_vocabulary_comes_back(
        graph_engine: LlamaEngine) -> None:
    # What the cut saves: the graph sends back GRAPH_CUT candidates, not n_vocab logits.
    graph_engine.reset()
    graph_engine.stream_chat(POEM, SETTINGS["defaults"]).read_all()
    lib, ctx = graph_engine._lib, graph_engine._ctx
    assert lib.llama_get_sampled_logits_count_ith(ctx, -1) == GRAPH_CUT < graph_engine.n_vocab
    ids = lib.llama_get_sampled_candidates_ith(ctx, -1)
    assert len({ids[i] for i in range(GRAPH_CUT)}) == GRAPH_CUT
    assert all(0 <= ids[i] < graph_engine.n_vocab for i in range(GRAPH_CUT))
    assert ctypes.cast(ids, ctypes.c_void_p).value


def test_a_reply_that_needs_every_logit_detaches_the_cut_and_the_next_takes_it_again(
        graph_engine: LlamaEngine, engine: LlamaEngine) -> None:
    grammar = 'root ::= "The sea is " ("blue" | "green" | "grey") "."'
    constrained = SamplingParams(seed=3, max_tokens=12, grammar=grammar)
    top_p_only = SamplingParams(seed=4, top_k=0, max_tokens=12)  # top-p must see every logit
    wide = SamplingParams(seed=6, top_k=GRAPH_CUT, max_tokens=12)  # more than the cut keeps
    for params in (constrained, top_p_only, wide):
        assert not fits_graph_cut(params)
        ours = _reply(graph_engine, params)
        assert graph_engine._graph_cut is not None and not graph_engine._graph_cut.attached
        assert ours == _llama_cpp_only(engine, params) and ours
    assert _reply(graph_engine, SETTINGS["defaults"]) == _llama_cpp_only(engine, SETTINGS["defaults"])
    assert graph_engine._graph_cut.attached


def test_prompt_lookup_drafting_samples_every_output_of_its_batch_on_the_cpu(
        graph_engine: LlamaEngine, engine: LlamaEngine) -> None:
    # llama.cpp's backend sampling takes one output per sequence; a draft batch has several.
    quote = [ChatMessage("user", "Repeat exactly: the quick brown fox jumps over the lazy dog, "
                                 "the quick brown fox jumps over the lazy dog.")]
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=32, draft=4)
    graph_engine.reset()
    drafted = graph_engine.stream_chat(quote, params)
    text = drafted.read_all()
    assert graph_engine._graph_cut is not None and not graph_engine._graph_cut.attached
    engine.reset()
    plain = engine.stream_chat(quote, SamplingParams(temperature=0.0, repeat_penalty=1.0,
                                                     max_tokens=32)).read_all()
    assert drafted.stats.drafted_tokens > 0
    assert text[:40] == plain[:40] and text
