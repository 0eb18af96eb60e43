"""The engine on a GPU build of llama.cpp (make cuda): the default model offloaded whole,
and the same greedy tokens as on the CPU. Skipped, with the reason, on CPU-only builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.hardware import detect_backend
from app.engine.llama import EngineConfig, LlamaEngine
from app.engine.types import ChatMessage, SamplingParams

pytestmark = pytest.mark.skipif(
    not detect_backend().gpu_offload,
    reason="needs llama.cpp built with a GPU backend (make cuda) on a machine with a GPU",
)

PROMPTS = ["What is the capital of France?", "Name three colours of the rainbow.",
           "Write one sentence about the sea."]


def test_the_default_model_loads_wholly_onto_the_gpu() -> None:
    from app.services.context import open_context
    from app.services.models import load_model

    ctx = open_context()
    loaded = load_model(ctx)
    try:
        plan = loaded.plan
        assert plan.backend.gpu_offload and plan.backend.devices
        assert plan.n_gpu_layers == plan.n_layers + 1, plan.reason  # every block and the output
        gen = loaded.engine.stream_chat([ChatMessage("user", PROMPTS[0])],
                                        SamplingParams(seed=1, max_tokens=24))
        assert gen.read_all().strip() and gen.stats.generated_tokens > 0
    finally:
        loaded.close()


def test_the_doctor_names_the_gpu() -> None:
    from app.services.context import open_context
    from app.services.doctor import diagnose

    report = diagnose(open_context())
    assert report["backend"]["gpu_offload"] is True
    assert report["backend"]["devices"] == list(detect_backend().devices)
    assert report["model"]["plan"]["n_gpu_layers"] == report["model"]["plan"]["layers_total"]


def test_greedy_decoding_picks_the_cpus_first_token(default_model_path: Path) -> None:
    # With no layers offloaded the weights stay in host memory; a CUDA build may still
    # run a long prompt batch's matrix products on the GPU, so this proves the offloaded
    # model computes what the host-resident one does, not a GPU-free reference.
    greedy = SamplingParams(temperature=0.0, max_tokens=1, seed=1)
    first: dict[int, list[str]] = {}
    for layers in (99, 0):
        with LlamaEngine(str(default_model_path), EngineConfig(n_ctx=512, n_gpu_layers=layers),
                         name=default_model_path.name) as engine:
            first[layers] = [engine.stream_chat([ChatMessage("user", p)], greedy).read_all()
                             for p in PROMPTS]
    assert all(first[99]) and first[99] == first[0]
