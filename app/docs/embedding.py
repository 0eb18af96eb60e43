"""A GGUF model loaded for embeddings only: its weights and the engine's mean-pooling
Embedder on them, turning passages and questions into vectors."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from app.engine import native
from app.engine.embeddings import Embedder
from app.engine.types import Placement
from app.engine.weights import Weights

# A passage is a few hundred tokens (app.docs.chunking); this leaves room for longer ones.
EMBED_CTX = 2048
# Characters of a passage given to the model; a passage is far shorter, this only
# keeps an odd one (a table without breaks) inside the context.
MAX_CHARS = 4000


class EmbeddingModel:
    """``key`` names the model in the store (file name and size), so vectors of two models
    are never compared. Thread-safe: one ``embed`` at a time."""

    def __init__(self, load_path: str, name: str, key: str, *, n_threads: int,
                 n_gpu_layers: int = 0, placement: Placement | None = None) -> None:
        self.name = name
        self.key = key
        self.weights = Weights(load_path, n_gpu_layers=n_gpu_layers, name=name, placement=placement)
        self._lock = threading.Lock()
        try:
            self._embedder = Embedder(native.llama(), self.weights.handle, self.weights.vocab,
                                      n_threads=n_threads,
                                      n_ctx=min(EMBED_CTX, self.weights.n_ctx_train or EMBED_CTX))
        except BaseException:
            self.weights.release()
            raise
        self.dimensions: int = self._embedder.n_embd

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalised vector per text."""
        with self._lock:
            vectors, _ = self._embedder.embed([t[:MAX_CHARS] for t in texts])
            return vectors

    def close(self) -> None:
        with self._lock:
            self._embedder.close()
            self.weights.release()
