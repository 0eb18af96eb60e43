"""The KV cache at f16, q8_0 and q4_0: llama.cpp keeps it at the precision asked for, the
model still answers, and the memory estimate is llama.cpp's own figure."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from app.catalog.gguf_info import read_model_info
from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import ChatMessage, SamplingParams
from app.errors import EngineError

SIZE_LINE = re.compile(r"llama_kv_cache: size = +([\d.]+) MiB .*K \((\w+)\).*V \((\w+)\)")


@pytest.mark.parametrize("kv", ["f16", "q8_0", "q4_0"])
def test_the_kv_cache_is_kept_at_the_precision_asked_and_the_estimate_matches(
    default_model_path: Path, kv: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.engine.llama_cpp")
    with LlamaEngine(str(default_model_path), EngineConfig(n_ctx=2048, n_threads=2, kv_cache=kv)) as engine:
        reply = engine.stream_chat([ChatMessage("user", "Say hello.")],
                                   SamplingParams(temperature=0.0, max_tokens=8)).read_all()
        n_ctx = engine.n_ctx
    assert reply.strip()
    [found] = [m for m in map(SIZE_LINE.search, caplog.messages) if m]
    mib, k_type, v_type = float(found.group(1)), found.group(2), found.group(3)
    assert (k_type, v_type) == (kv, kv)
    estimate = read_model_info(default_model_path).kv_cache_bytes(n_ctx, kv) / 2**20
    assert estimate == pytest.approx(mib, rel=0.01)


def test_an_unknown_precision_is_refused_clearly(default_model_path: Path) -> None:
    with pytest.raises(EngineError, match="unknown KV cache precision 'q2'"):
        LlamaEngine(str(default_model_path), EngineConfig(n_ctx=512, kv_cache="q2"))
