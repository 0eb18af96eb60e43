"""Sentence embeddings: a context with embeddings on and mean pooling, beside the
generation context on the same weights; several inputs share one decode."""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from typing import Any

from app.engine.vocab import Vocab
from app.errors import ContextOverflow, EngineError, ModelLoadFailed


class Embedder:
    """Not thread-safe: the caller serialises ``embed`` calls."""

    def __init__(self, lib: Any, model: Any, vocab: Vocab, *, n_threads: int, n_ctx: int = 2048,
                 n_seq: int = 8) -> None:
        self._lib = lib
        self._vocab = vocab
        cparams = lib.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = n_ctx
        cparams.n_ubatch = n_ctx  # a pooled input must fit in one physical batch
        cparams.n_seq_max = n_seq
        cparams.kv_unified = True
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        cparams.embeddings = True
        cparams.pooling_type = lib.LLAMA_POOLING_TYPE_MEAN
        cparams.no_perf = True
        self._ctx = lib.llama_init_from_model(model, cparams)
        if not self._ctx:
            raise ModelLoadFailed("llama.cpp could not create the embeddings context (not enough memory?)")
        self.n_ctx = lib.llama_n_ctx(self._ctx)
        self.n_seq = n_seq
        self.n_embd = lib.llama_model_n_embd(model)
        self._mem = lib.llama_get_memory(self._ctx)
        self._batch = lib.llama_batch_init(self.n_ctx, 0, 1)

    def embed(self, texts: Sequence[str]) -> tuple[list[list[float]], int]:
        """One L2-normalised vector per text, and the number of tokens read."""
        inputs = []
        bos = self._lib.llama_vocab_bos(self._vocab.handle)
        for i, text in enumerate(texts):
            tokens = self._vocab.prompt_tokens(text) or [bos]
            if len(tokens) > self.n_ctx:
                raise ContextOverflow(
                    f"input {i} is {len(tokens)} tokens; embeddings take at most {self.n_ctx}"
                )
            inputs.append(tokens)
        out: list[list[float]] = []
        group: list[list[int]] = []
        size = 0
        for tokens in inputs:
            if group and (len(group) == self.n_seq or size + len(tokens) > self.n_ctx):
                out.extend(self._embed_group(group))
                group, size = [], 0
            group.append(tokens)
            size += len(tokens)
        if group:
            out.extend(self._embed_group(group))
        return out, sum(len(t) for t in inputs)

    def _embed_group(self, group: list[list[int]]) -> list[list[float]]:
        lib, b = self._lib, self._batch
        lib.llama_memory_clear(self._mem, True)
        n = 0
        for s, tokens in enumerate(group):
            for p, t in enumerate(tokens):
                b.token[n] = t
                b.pos[n] = p
                b.n_seq_id[n] = 1
                b.seq_id[n][0] = s
                b.logits[n] = 1
                n += 1
        b.n_tokens = n
        rc = lib.llama_decode(self._ctx, b)
        if rc != 0:
            lib.llama_memory_clear(self._mem, True)
            raise EngineError(f"llama.cpp failed to compute the embeddings (code {rc})")
        vectors = []
        for s in range(len(group)):
            ptr = lib.llama_get_embeddings_seq(self._ctx, s)
            if not ptr:
                raise EngineError("this model gives no pooled embeddings")
            vec = ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float * self.n_embd)).contents[:]
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            vectors.append([v / norm for v in vec])
        lib.llama_memory_clear(self._mem, True)
        return vectors

    def close(self) -> None:
        if self._ctx:
            self._lib.llama_batch_free(self._batch)
            self._lib.llama_free(self._ctx)
            self._ctx = None
