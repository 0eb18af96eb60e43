"""GPU layers, context length and KV cache precision chosen per model file, kept in the ``model_options``
setting (by file name) and falling back to the global settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.catalog.gguf_info import KV_BYTES_PER_ELEMENT

KV_CACHE_TYPES = tuple(KV_BYTES_PER_ELEMENT)

if TYPE_CHECKING:
    from app.services.context import AppContext


def model_options(ctx: AppContext, name: str) -> dict[str, Any]:
    """GPU layers, context length and KV cache precision chosen for the model file ``name``
    (falling back to the global ones)."""
    per_model = dict(ctx.settings.get("model_options") or {}).get(name) or {}
    kv = str(per_model.get("kv_cache", ctx.settings.get("kv_cache")))
    return {
        "gpu_layers": int(per_model.get("gpu_layers", ctx.settings.get("gpu_layers"))),
        "context_length": int(per_model.get("context_length", ctx.settings.get("context_length"))),
        "kv_cache": kv if kv in KV_CACHE_TYPES else "f16",
    }


def save_model_options(ctx: AppContext, name: str, gpu_layers: int, context_length: int,
                       kv_cache: str | None = None) -> None:
    options = {k: dict(v) for k, v in dict(ctx.settings.get("model_options") or {}).items()}
    options[name] = {"gpu_layers": int(gpu_layers), "context_length": int(context_length),
                     "kv_cache": kv_cache or str(ctx.settings.get("kv_cache"))}
    ctx.settings.set("model_options", options)
