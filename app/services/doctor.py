"""What `autoglm doctor` reports: the build, the hardware and what was chosen."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from app import __version__
from app.config import RESOURCES_DIR
from app.errors import AppError
from app.services.context import AppContext

# Where an installed bundle carries its CycloneDX SBOM, under the shipped resources.
SBOM_FILE = Path("sbom") / "open-autoglm.cdx.json"
NO_SBOM = ("this install carries no SBOM (a checkout or a pip install; "
           "`make sbom` writes one to build/sbom/)")


def shipped_sbom(resources: Path | None = None) -> Path | None:
    """The SBOM shipped inside this install, if it has one (bundles and packages do)."""
    path = (RESOURCES_DIR if resources is None else resources) / SBOM_FILE
    return path if path.is_file() else None


def diagnose(ctx: AppContext, model: str | None = None) -> dict[str, Any]:
    from app.engine import native
    from app.engine.hardware import detect_backend, plan_load
    from app.services.models import resolve_model

    report: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "paths": {k: str(getattr(ctx.paths, k)) for k in ("data", "config", "cache", "logs")},
    }
    try:
        llama_cpp = native.llama()
        report["llama_cpp_python"] = getattr(llama_cpp, "__version__", "?")
        report["llama_system_info"] = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
        backend = detect_backend()
        report["backend"] = {
            "name": backend.name,
            "gpu_offload": backend.gpu_offload,
            "devices": list(backend.devices),
            "free_memory_mib": (backend.free_memory_bytes or 0) // 2**20,
            "free_memory_mib_each": [f // 2**20 for f in backend.device_free_bytes],
        }
    except AppError as exc:
        report["llama_cpp_python"] = f"unavailable: {exc}"
        backend = None
    try:
        from app.catalog.gguf_info import read_model_info

        path = resolve_model(ctx, model)
        info = read_model_info(path)
        n_ctx = min(int(ctx.settings.get("context_length")), info.context_length or 4096)
        entry: dict[str, Any] = {"path": str(path), "ok": info.ok, "error": info.error}
        if info.ok and backend is not None:
            plan = plan_load(
                file_size=info.file_size, n_layers=info.n_layers or 1,
                kv_bytes=max(0, info.estimate_memory(n_ctx) - info.file_size), n_ctx=n_ctx,
                gpu_layers=int(ctx.settings.get("gpu_layers")),
                threads=int(ctx.settings.get("threads")), backend=backend,
                gpu=int(ctx.settings.get("gpu_device")), split=str(ctx.settings.get("gpu_split")),
            )
            entry["plan"] = {
                "n_gpu_layers": plan.n_gpu_layers,
                "layers_total": plan.n_layers + 1,
                "n_ctx": plan.n_ctx,
                "threads": plan.n_threads,
                "reason": plan.reason,
                "gpu": plan.placement.describe(backend.devices) if plan.n_gpu_layers else None,
                "split_mode": plan.placement.split_mode,
                "main_gpu": plan.placement.main_gpu,
                "tensor_split": list(plan.placement.tensor_split),
                "estimated_memory_mib": info.estimate_memory(n_ctx) // 2**20,
            }
        report["model"] = entry
    except AppError as exc:
        report["model"] = {"error": str(exc)}
    report["speculative"] = {"mode": str(ctx.settings.get("speculative")),
                             "draft_tokens": int(ctx.settings.get("draft_tokens")),
                             "draft_model": str(ctx.settings.get("draft_model") or "") or None}
    from app.services.storage import store_status

    report["store"] = store_status(ctx).as_dict()
    report["trusted_keys"] = [k.key_id for k in ctx.trust.list()]
    sbom = shipped_sbom()
    report["sbom"] = str(sbom) if sbom else None
    report["network"] = "no connections: no sync server or API is configured"
    return report
