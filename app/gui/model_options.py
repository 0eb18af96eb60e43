"""GPU layers and context length chosen per model file, kept in the ``model_options``
setting (by file name) and falling back to the global settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.context import AppContext


def model_options(ctx: AppContext, name: str) -> dict[str, int]:
    """GPU layers and context length chosen for the model file ``name`` (falling back to the global ones)."""
    per_model = dict(ctx.settings.get("model_options") or {}).get(name) or {}
    return {
        "gpu_layers": int(per_model.get("gpu_layers", ctx.settings.get("gpu_layers"))),
        "context_length": int(per_model.get("context_length", ctx.settings.get("context_length"))),
    }


def save_model_options(ctx: AppContext, name: str, gpu_layers: int, context_length: int) -> None:
    options = {k: dict(v) for k, v in dict(ctx.settings.get("model_options") or {}).items()}
    options[name] = {"gpu_layers": int(gpu_layers), "context_length": int(context_length)}
    ctx.settings.set("model_options", options)
