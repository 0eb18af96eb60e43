"""Hardware fit: layer counts chosen from free device memory."""

from __future__ import annotations

from app.engine.hardware import HEADROOM_BYTES, detect_backend, plan_load
from app.engine.types import Backend

MiB = 2**20
GPU = Backend("CUDA", gpu_offload=True, devices=("Test GPU",), free_memory_bytes=8 * 1024 * MiB)


def test_this_build_reports_a_backend() -> None:
    backend = detect_backend()
    assert backend.name in {"CPU", "CUDA", "Metal", "ROCm", "Vulkan", "SYCL", "OpenCL", "CANN"}
    if backend.name == "CPU":
        assert not backend.gpu_offload


def test_a_cpu_build_offloads_nothing() -> None:
    plan = plan_load(file_size=100 * MiB, n_layers=30, kv_bytes=50 * MiB, n_ctx=2048,
                     backend=Backend("CPU", gpu_offload=False), threads=2)
    assert plan.n_gpu_layers == 0
    assert "CPU" in plan.reason


def test_all_layers_go_to_the_gpu_when_they_fit() -> None:
    plan = plan_load(file_size=100 * MiB, n_layers=30, kv_bytes=50 * MiB, n_ctx=2048, backend=GPU)
    assert plan.n_gpu_layers == 31  # 30 blocks plus the output layer


def test_only_the_layers_that_fit_are_offloaded() -> None:
    free = 2 * 1024 * MiB
    gpu = Backend("CUDA", True, ("Small GPU",), free + HEADROOM_BYTES)
    plan = plan_load(file_size=4 * 1024 * MiB, n_layers=31, kv_bytes=0, n_ctx=2048, backend=gpu)
    assert 14 <= plan.n_gpu_layers <= 16  # half the weights fit
    assert "of 32 layers fit" in plan.reason


def test_the_user_can_override_the_choice() -> None:
    plan = plan_load(file_size=100 * MiB, n_layers=30, kv_bytes=0, n_ctx=2048, backend=GPU, gpu_layers=5)
    assert plan.n_gpu_layers == 5 and plan.overridden


def test_threads_default_to_physical_cores() -> None:
    from app.config import physical_cores

    plan = plan_load(file_size=MiB, n_layers=1, kv_bytes=0, n_ctx=512, backend=GPU)
    assert plan.n_threads == physical_cores() >= 1
