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


def test_on_the_gpu_the_cut_is_made_in_the_graph_and_picks_llama_cpps_own_tokens(
        default_model_path: Path) -> None:
    from app.engine.sampler import llama_cpp_alone

    poem = [ChatMessage("user", "Write a short poem about rivers and the sea.")]
    with LlamaEngine(str(default_model_path), EngineConfig(n_ctx=512, n_gpu_layers=99)) as engine:
        assert engine.backend_sampling  # automatic where the output layer is on the GPU
        for params in (SamplingParams(seed=11, max_tokens=48),
                       SamplingParams(temperature=0.0, repeat_penalty=1.3, max_tokens=48)):
            engine.reset()
            ours = engine.stream_chat(poem, params).read_all()
            assert engine._graph_cut is not None and engine._graph_cut.attached
            with llama_cpp_alone():  # llama.cpp's own chain over every logit, same GPU
                engine.reset()
                theirs = engine.stream_chat(poem, params).read_all()
                assert not engine._graph_cut.attached
            assert ours == theirs and len(ours) > 20


def _gpus() -> int:
    return len(detect_backend().devices)


def _used_each() -> list[int]:
    return [-f for f in detect_backend().device_free_bytes]


two_gpus = pytest.mark.skipif(_gpus() < 2 if detect_backend().gpu_offload else True,
                              reason="needs two GPUs (the two-GPU run)")


@two_gpus
@pytest.mark.parametrize("pinned", [0, 1])
def test_a_pinned_gpu_holds_the_whole_model_and_the_other_none_of_it(
        default_model_path: Path, pinned: int) -> None:
    from app.engine.types import Placement
    from app.engine.weights import Weights

    before = _used_each()
    weights = Weights(str(default_model_path), n_gpu_layers=99, placement=Placement("none", pinned))
    try:
        grew = [a - b for a, b in zip(_used_each(), before, strict=True)]
    finally:
        weights.release()
    size = default_model_path.stat().st_size
    assert grew[pinned] > size // 2, grew
    assert grew[1 - pinned] < grew[pinned] // 4, grew


@two_gpus
def test_split_by_layers_puts_part_of_the_model_on_each_gpu_and_answers_as_one(
        default_model_path: Path) -> None:
    from app.engine.types import Placement

    greedy = SamplingParams(temperature=0.0, max_tokens=16)
    replies = {}
    for placement in (Placement("none", 0), Placement("layer", 0, (0.5, 0.5))):
        before = _used_each()
        with LlamaEngine(str(default_model_path),
                         EngineConfig(n_ctx=512, n_gpu_layers=99, placement=placement)) as engine:
            grew = [a - b for a, b in zip(_used_each(), before, strict=True)]
            replies[placement.split_mode] = engine.stream_chat(
                [ChatMessage("user", PROMPTS[0])], greedy).read_all()
        if placement.split_mode == "layer":
            size = default_model_path.stat().st_size
            assert all(g > size // 5 for g in grew), grew
    assert replies["layer"] and replies["layer"] == replies["none"]


@two_gpus
def test_with_two_gpus_the_app_places_the_model_and_says_where() -> None:
    from app.services.context import open_context
    from app.services.doctor import diagnose
    from app.services.models import load_model

    ctx = open_context()
    report = diagnose(ctx)
    plan = report["model"]["plan"]
    assert plan["split_mode"] == "none" and plan["gpu"].startswith(f"GPU {plan['main_gpu']}")
    loaded = load_model(ctx, gpu=1)
    try:
        assert loaded.plan.placement.main_gpu == 1 and "as set" in loaded.plan.reason
        assert loaded.engine.stream_chat([ChatMessage("user", PROMPTS[0])],
                                         SamplingParams(seed=1, max_tokens=8)).read_all()
    finally:
        loaded.close()
