"""The names people read for a model: its GGUF name, size and quantization rather than its
file name, and who signed it by the name of their key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.catalog.gguf_info import ModelInfo
    from app.services.context import AppContext


def size_label(info: ModelInfo) -> str:
    """``general.size_label`` ("135M"), else the parameter count rounded the same way."""
    if info.size_label:
        return info.size_label
    n = info.parameters or 0
    if n >= 1e9:
        return f"{n / 1e9:.1f}".removesuffix(".0") + "B"
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    return ""


def display_name(info: ModelInfo | None, path: Path | str | None = None) -> str:
    """"SmolLM2 135M Instruct · Q4_1": the GGUF name with its size and quantization added
    where the name lacks them; the file name when the file names nothing."""
    file_name = Path(path if path is not None else info.path if info is not None else "").name
    name = " ".join((info.name or "").split()) if info is not None else ""
    if not name or name.lower() in ("model", "models", "unknown"):
        return file_name
    words = {w.lower() for w in re.split(r"[\s_-]+", name)}
    label = size_label(info) if info is not None else ""
    if label and label.lower() not in words:
        name = f"{name} {label}"
    quant = info.quantization if info is not None else None
    if quant and quant.lower() not in words and quant.lower() not in name.lower():
        name = f"{name} · {quant}"
    return name


def signer_name(ctx: AppContext, key_id: str | None) -> str:
    """The name of the trusted key ``key_id`` ("Open-AutoGLM release"), or the id itself."""
    if not key_id:
        return ""
    key = ctx.trust.key(key_id)
    return key.name if key is not None and key.name else key_id
