"""Hardware fit: which backend this llama.cpp build offloads to, and how many
layers of a given model fit in the free device memory."""

from __future__ import annotations

import ctypes
import logging

from app.config import physical_cores
from app.engine import native
from app.engine.types import Backend, LoadPlan, Placement

log = logging.getLogger(__name__)

# ggml backend registry names → the names users know.
_BACKEND_NAMES = {
    "CUDA": "CUDA",
    "ROCm": "ROCm",
    "HIP": "ROCm",
    "Metal": "Metal",
    "MTL": "Metal",
    "Vulkan": "Vulkan",
    "SYCL": "SYCL",
    "CANN": "CANN",
    "OpenCL": "OpenCL",
}

# Device memory we leave free for the driver, the display and other programs.
HEADROOM_BYTES = 512 * 1024 * 1024


def detect_backend() -> Backend:
    """The GPU backend this build can offload to, or CPU."""
    llama_cpp = native.llama()
    count = native.fn("ggml_backend_dev_count")
    get = native.fn("ggml_backend_dev_get")
    dev_type = native.fn("ggml_backend_dev_type")
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    if not (offload and count and get and dev_type):
        return Backend("CPU", gpu_offload=False)
    names: list[str] = []
    devices: list[str] = []
    free_each: list[int] = []
    for i in range(count()):
        dev = get(i)
        if dev_type(dev) not in (native.DEV_TYPE_GPU, native.DEV_TYPE_IGPU):
            continue
        reg_name = _reg_name(dev)
        names.append(_BACKEND_NAMES.get(reg_name, reg_name))
        desc = native.fn("ggml_backend_dev_description")
        devices.append(desc(dev).decode("utf-8", "replace") if desc else reg_name)
        free_each.append(_free_memory(dev))
    if not names:
        return Backend("CPU", gpu_offload=False)
    return Backend(names[0], gpu_offload=True, devices=tuple(devices),
                   free_memory_bytes=sum(free_each), device_free_bytes=tuple(free_each))


def _reg_name(dev: int) -> str:
    reg_of = native.fn("ggml_backend_dev_backend_reg")
    reg_name = native.fn("ggml_backend_reg_name")
    if reg_of and reg_name:
        raw = reg_name(reg_of(dev))
        if raw:
            return str(raw.decode("utf-8", "replace"))
    name = native.fn("ggml_backend_dev_name")
    return str(name(dev).decode("utf-8", "replace")) if name else "GPU"


def _free_memory(dev: int) -> int:
    mem = native.fn("ggml_backend_dev_memory")
    if mem is None:
        return 0
    free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
    mem(dev, ctypes.byref(free), ctypes.byref(total))
    return int(free.value)


def plan_load(
    *,
    file_size: int,
    n_layers: int,
    kv_bytes: int,
    n_ctx: int,
    gpu_layers: int = -1,
    threads: int = 0,
    backend: Backend | None = None,
    gpu: int = -1,
    split: str = "auto",
) -> LoadPlan:
    """Choose GPU layers, the GPU(s) and threads for a model.

    ``gpu_layers`` -1 means automatic: every layer when the weights, the KV
    cache and headroom fit in free device memory, otherwise as many layers as
    fit, 0 on CPU builds. Any other value is the user's override.

    With several GPUs (``place``): ``gpu`` pins one; ``split`` "auto" keeps the model
    on the GPU with the most free memory when it fits there (no traffic between GPUs
    per token) and otherwise splits it by layers across all of them in proportion to
    their free memory; "layer" or "row" split it across all of them anyway.
    """
    backend = backend or detect_backend()
    n_threads = threads if threads > 0 else physical_cores()
    total_layers = n_layers + 1  # llama.cpp counts the output layer too
    need = file_size + kv_bytes
    placement, free, where = place(backend, need, gpu=gpu, split=split)
    if gpu_layers >= 0:
        chosen = min(gpu_layers, total_layers) if backend.gpu_offload else 0
        why = "set by the user" if backend.gpu_offload else "set by the user, but this build is CPU-only"
        return LoadPlan(backend, chosen, n_layers, n_ctx, n_threads, why + where, overridden=True,
                        placement=placement)
    if not backend.gpu_offload:
        return LoadPlan(backend, 0, n_layers, n_ctx, n_threads, "CPU-only build of llama.cpp")
    free -= HEADROOM_BYTES
    if free >= need:
        return LoadPlan(
            backend, total_layers, n_layers, n_ctx, n_threads,
            f"all layers fit: need {need / 2**20:.0f} MiB of {free / 2**20:.0f} MiB free" + where,
            placement=placement,
        )
    per_layer = need / max(1, total_layers)
    fit = max(0, int(free // per_layer)) if free > 0 else 0
    return LoadPlan(
        backend, min(fit, total_layers), n_layers, n_ctx, n_threads,
        f"{fit} of {total_layers} layers fit in {max(free, 0) / 2**20:.0f} MiB free" + where,
        placement=placement,
    )


def place(backend: Backend, need: int, *, gpu: int = -1, split: str = "auto") -> tuple[Placement, int, str]:
    """The GPU(s) for a model needing ``need`` bytes: the placement, the free memory it
    has there, and a few words on why (empty with one GPU or none)."""
    free_each = backend.device_free_bytes or ((backend.free_memory_bytes or 0),)
    n = len(free_each)
    if not backend.gpu_offload or n == 0:
        return Placement(), 0, ""
    if split not in ("auto", "layer", "row"):
        raise ValueError(f"unknown GPU split {split!r} (auto, layer or row)")
    if n == 1:
        if gpu > 0:
            return Placement(), free_each[0], f"; GPU {gpu} does not exist, so GPU 0"
        return Placement(), free_each[0], ""
    if 0 <= gpu < n:
        return Placement("none", gpu), free_each[gpu], f"; on GPU {gpu}, as set"
    most = max(range(n), key=lambda i: free_each[i])
    note = f"; GPU {gpu} does not exist" if gpu >= n else ""
    if split == "auto" and free_each[most] - HEADROOM_BYTES >= need:
        return Placement("none", most), free_each[most], f"{note}; on GPU {most}, which has the most free memory"
    total = sum(free_each)
    shares = tuple(round(f / total, 3) for f in free_each) if total else tuple(1 / n for _ in free_each)
    mode = "layer" if split == "auto" else split
    why = ("does not fit on one GPU, so split by layers" if split == "auto"
           else f"split by {mode} (as set)")
    return (Placement(mode, most, shares), total - (n - 1) * HEADROOM_BYTES,
            f"{note}; {why} across {n} GPUs in proportion to their free memory")
