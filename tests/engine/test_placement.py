"""Which GPU(s) a model goes to where there are several: the choice made from each
GPU's free memory, the user's pin, and the split setting. The choice is made from the
Backend that detect_backend() reports; the two-GPU run proves the loads themselves
(tests/engine/test_gpu.py)."""

from __future__ import annotations

import pytest

from app.engine.hardware import HEADROOM_BYTES, plan_load
from app.engine.types import Backend, Placement

GIB = 2**30
TWO = Backend("CUDA", True, ("GPU A", "GPU B"), 100 * GIB, (40 * GIB, 60 * GIB))


def plan(need: int, backend: Backend = TWO, **kw: object):  # type: ignore[no-untyped-def]
    return plan_load(file_size=need, n_layers=32, kv_bytes=0, n_ctx=4096, backend=backend, **kw)


def test_a_model_that_fits_on_one_gpu_goes_whole_to_the_one_with_the_most_free_memory() -> None:
    p = plan(5 * GIB)
    assert p.placement == Placement("none", 1)
    assert p.n_gpu_layers == 33 and "GPU 1" in p.reason
    assert p.placement.describe(TWO.devices) == "GPU 1 (GPU B)"


def test_a_model_too_big_for_either_gpu_is_split_by_layers_in_proportion_to_free_memory() -> None:
    p = plan(80 * GIB)
    assert p.placement.split_mode == "layer" and p.placement.main_gpu == 1
    assert p.placement.tensor_split == (0.4, 0.6)
    assert p.n_gpu_layers == 33  # fits the two together
    assert "split by layers across 2 GPUs" in p.reason


def test_what_fits_on_neither_gpu_nor_both_offloads_only_the_layers_that_fit() -> None:
    p = plan(150 * GIB)
    assert p.placement.split_mode == "layer"
    free = 100 * GIB - 2 * HEADROOM_BYTES
    assert p.n_gpu_layers == int(free // (150 * GIB / 33)) < 33


def test_a_pinned_gpu_keeps_the_model_there_even_with_less_free_memory() -> None:
    p = plan(5 * GIB, gpu=0)
    assert p.placement == Placement("none", 0) and "as set" in p.reason
    # ... and only that GPU's memory counts
    assert plan(50 * GIB, gpu=0).n_gpu_layers < 33


def test_a_pin_to_a_gpu_that_is_not_there_says_so_and_chooses_as_if_unset() -> None:
    p = plan(5 * GIB, gpu=5)
    assert p.placement == Placement("none", 1) and "GPU 5 does not exist" in p.reason


@pytest.mark.parametrize("mode", ["layer", "row"])
def test_a_split_setting_splits_even_a_model_that_fits_on_one(mode: str) -> None:
    p = plan(5 * GIB, split=mode)
    assert p.placement == Placement(mode, 1, (0.4, 0.6))
    assert f"split by {mode} (as set)" in p.reason


def test_one_gpu_or_none_needs_no_choice() -> None:
    one = Backend("CUDA", True, ("GPU A",), 40 * GIB, (40 * GIB,))
    assert plan(5 * GIB, one).placement == Placement()
    cpu = Backend("CPU", False)
    p = plan(5 * GIB, cpu, gpu=1)
    assert p.placement == Placement() and p.n_gpu_layers == 0


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown GPU split"):
        plan(5 * GIB, split="diagonal")
