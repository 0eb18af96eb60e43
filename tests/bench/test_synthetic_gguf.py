"""Synthetic GGUF models (bench/synthetic_gguf.py): real shapes, real files llama.cpp runs."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest
from gguf.quants import dequantize

from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import ChatMessage, SamplingParams
from bench.synthetic_gguf import SHAPES, random_blocks, tensor_plan, write_model

BYTES_PER_BLOCK = {"Q4_K": (144, 256), "Q6_K": (210, 256), "Q8_0": (34, 32), "F32": (4, 1)}


def _size(shape: str, quant: str) -> tuple[int, int]:
    """(weights, bytes) of a shape's tensors, from the plan alone."""
    weights = nbytes = 0
    for _name, dims, qtype in tensor_plan(SHAPES[shape], quant):
        n = int(np.prod(dims))
        per_block, per = BYTES_PER_BLOCK[qtype]
        weights += n
        nbytes += n // per * per_block
    return weights, nbytes


@pytest.mark.parametrize(("shape", "billions"), [("llama3-8b", 8.03), ("qwen2.5-7b", 7.62),
                                                  ("llama3.2-1b", 1.24)])
def test_each_shape_has_its_familys_parameter_count(shape: str, billions: float) -> None:
    weights, _ = _size(shape, "q8_0")
    assert weights / 1e9 == pytest.approx(billions, abs=0.01)


# The sizes of llama.cpp's own quantized files of these models, in GB.
@pytest.mark.parametrize(("shape", "quant", "gb"), [
    ("llama3-8b", "q4_k_m", 4.92), ("llama3-8b", "q8_0", 8.54), ("qwen2.5-7b", "q4_k_m", 4.68),
    ("qwen2.5-7b", "q8_0", 8.10), ("llama3.2-1b", "q4_k_m", 0.81), ("llama3.2-1b", "q8_0", 1.32)])
def test_each_file_is_the_size_llama_cpps_quantizer_makes_it(shape: str, quant: str, gb: float) -> None:
    _, nbytes = _size(shape, quant)
    assert nbytes / 1e9 == pytest.approx(gb, abs=0.03)


@pytest.mark.parametrize("qtype", ["Q4_K", "Q6_K", "Q8_0"])
def test_random_blocks_have_a_trained_models_spread(qtype: str) -> None:
    blocks = random_blocks(np.random.default_rng(7), 64, 1024, qtype, zero_rows=[5])
    w = dequantize(blocks, gguf.GGMLQuantizationType[qtype])
    assert w.shape == (64, 1024) and np.isfinite(w).all()
    assert abs(float(w.mean())) < 0.003
    assert 0.015 < float(w.std()) < 0.03
    assert not w[5].any() and w[4].any()


def test_the_file_holds_the_quantizers_type_mix(tmp_path: Path) -> None:
    path = write_model("tiny", "q4_k_m", tmp_path / "tiny.gguf")
    reader = gguf.GGUFReader(str(path))
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["output.weight"] == "Q6_K"
    assert types["blk.0.attn_v.weight"] == "Q4_K" and types["blk.1.attn_v.weight"] == "Q6_K"
    assert types["blk.1.ffn_down.weight"] == "Q6_K" and types["blk.0.ffn_gate.weight"] == "Q4_K"
    assert types["blk.0.attn_norm.weight"] == "F32"
    assert int(reader.fields["llama.block_count"].parts[-1][0]) == 2


@pytest.mark.parametrize("quant", ["q4_k_m", "q8_0"])
def test_llama_cpp_runs_it_and_every_reply_runs_to_its_length(tmp_path: Path, quant: str) -> None:
    path = write_model("tiny", quant, tmp_path / f"tiny-{quant}.gguf")
    with LlamaEngine(str(path), EngineConfig(n_ctx=512, n_threads=2), name=path.name) as engine:
        assert engine.n_layers == 2
        for seed in (1, 2, 3):
            gen = engine.stream_chat([ChatMessage("user", "Hello there")],
                                     SamplingParams(seed=seed, max_tokens=48))
            gen.read_all()
            # No end-of-generation token is ever sampled: speed runs measure whole replies.
            assert gen.stats.generated_tokens == 48
            assert gen.stats.finish_reason == "length"
