"""A loaded model's weights and vocabulary, shared by every context made on them.

llama.cpp lets many contexts use one ``llama_model``. Each engine holds a
reference, and the model is freed when the last one lets go: the desktop app's
chat engine and the API server it starts keep one copy of the weights, in
memory and on the GPU, and either can stop first.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from app.engine import native
from app.engine.types import SPLIT_MODES, Placement
from app.engine.vocab import Vocab
from app.errors import ModelLoadFailed


class Weights:
    """One ``llama_model``; the loader holds the first reference."""

    def __init__(self, load_path: str, *, n_gpu_layers: int = 0, use_mmap: bool = True,
                 name: str = "", placement: Placement | None = None) -> None:
        lib = self._lib = native.llama()
        mparams = lib.llama_model_default_params()
        mparams.n_gpu_layers = n_gpu_layers
        mparams.use_mmap = use_mmap
        placement = placement or Placement()
        mparams.split_mode = SPLIT_MODES.index(placement.split_mode)
        mparams.main_gpu = placement.main_gpu
        split = None
        if placement.tensor_split:
            split = (ctypes.c_float * len(placement.tensor_split))(*placement.tensor_split)
            mparams.tensor_split = split  # read while loading only; kept alive until then
        handle = lib.llama_model_load_from_file(load_path.encode("utf-8"), mparams)
        if not handle and placement.split_mode == "row":
            # Some builds have no row-split buffers for this device ("does not support
            # split buffers"): split by layers instead, and say so (self.placement).
            placement = Placement("layer", placement.main_gpu, placement.tensor_split)
            mparams.split_mode = SPLIT_MODES.index("layer")
            handle = lib.llama_model_load_from_file(load_path.encode("utf-8"), mparams)
        if not handle:
            raise ModelLoadFailed(f"llama.cpp could not load the model {name or load_path}")
        self.handle: Any = handle
        self.name = name
        del split
        self.n_gpu_layers = n_gpu_layers
        self.placement = placement
        self.vocab = Vocab(lib, handle)
        self.n_ctx_train: int = lib.llama_model_n_ctx_train(handle)
        self.n_layers: int = lib.llama_model_n_layer(handle)
        self._refs = 1
        self._lock = threading.Lock()

    def retain(self) -> bool:
        """Take another reference; False when the model has been freed already."""
        with self._lock:
            if self._refs == 0:
                return False
            self._refs += 1
            return True

    def release(self) -> None:
        """Let go of one reference; the last frees the model."""
        with self._lock:
            if self._refs == 0:
                return
            self._refs -= 1
            if self._refs == 0:
                self._lib.llama_model_free(self.handle)
                self.handle = None

    @property
    def alive(self) -> bool:
        return self._refs > 0


def take_weights(load_path: str, weights: Weights | None, n_gpu_layers: int, use_mmap: bool,
                 name: str, placement: Placement | None = None) -> Weights:
    """A new reference to ``weights`` while they are loaded, else the model loaded anew."""
    if weights is not None and weights.retain():
        return weights
    return Weights(load_path, n_gpu_layers=n_gpu_layers, use_mmap=use_mmap, name=name,
                   placement=placement)


def free_context(lib: Any, ctx: Any, threadpool: native.Threadpool) -> None:
    """Free a context and the CPU threadpool attached to it."""
    if ctx:
        threadpool.detach(ctx)
        lib.llama_free(ctx)
    threadpool.free()
