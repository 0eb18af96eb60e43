"""Finding passages by meaning: the embedding model the settings name, loaded through the
signature gate, the vectors it makes for a collection's passages, and the search over them."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app.errors import Cancelled, DocumentError
from app.services.context import AppContext

if TYPE_CHECKING:
    from app.docs.embedding import EmbeddingModel
    from app.docs.index import Hit
    from app.services.models import LoadedModel
    from app.store import Store

log = logging.getLogger(__name__)

# Passages embedded per call and per transaction.
EMBED_BATCH = 16
# (passages done, passages in all)
EmbedProgress = Callable[[int, int], None]

NO_MODEL = (
    "No embedding model is set, so passages can only be found by their words. Set one with "
    "`autoglm settings set embedding_model FILE` or in Settings → Models."
)


def load_embedding_model(ctx: AppContext, name: str | None = None, *,
                         threads: int | None = None) -> LoadedModel[EmbeddingModel]:
    """The model ``name`` (else the ``embedding_model`` setting) loaded for embeddings, after
    the same signature and policy checks as any model (``threads``: else the setting's)."""
    from app.docs.embedding import EMBED_CTX, EmbeddingModel
    from app.services.models import load_verified

    chosen = name or str(ctx.settings.get("embedding_model") or "").strip()
    if not chosen:
        raise DocumentError(NO_MODEL)

    def build(load_path: str, file_name: str, plan: object, want_ctx: int) -> EmbeddingModel:
        key = f"{file_name}:{os.stat(load_path).st_size}"
        # Loaded after the chat model, it goes where the most memory is left: with two
        # GPUs, the one the chat model is not on (app.engine.hardware.place).
        return EmbeddingModel(load_path, file_name, key, n_threads=plan.n_threads,  # type: ignore[attr-defined]
                              n_gpu_layers=plan.n_gpu_layers,  # type: ignore[attr-defined]
                              placement=plan.placement)  # type: ignore[attr-defined]

    return load_verified(ctx, chosen, build, n_ctx=EMBED_CTX,  # type: ignore[type-var,arg-type]
                         threads=threads)


class MeaningIndex:
    """The vectors of one store's passages, made by the configured embedding model (loaded
    on first use, and again when the setting names another)."""

    def __init__(self, ctx: AppContext, store: Store) -> None:
        self.ctx = ctx
        self.store = store
        self._lock = threading.Lock()
        self._loaded: LoadedModel[EmbeddingModel] | None = None
        self._loaded_for = ""
        self._given: EmbeddingModel | None = None

    def use(self, model: EmbeddingModel | None) -> None:
        """Use ``model`` (already loaded, owned by the caller) whatever the setting says;
        None goes back to the setting."""
        self._given = model

    @property
    def configured(self) -> bool:
        return self._given is not None or bool(self._setting())

    def _setting(self) -> str:
        return str(self.ctx.settings.get("embedding_model") or "").strip()

    def model(self) -> EmbeddingModel | None:
        """The embedding model, loading it if need be; None when none is configured."""
        if self._given is not None:
            return self._given
        wanted = self._setting()
        with self._lock:
            if self._loaded is not None and self._loaded_for != wanted:
                self._loaded.close()
                self._loaded = None
            if not wanted:
                return None
            if self._loaded is None:
                self._loaded = load_embedding_model(self.ctx, wanted)
                self._loaded_for = wanted
            return self._loaded.engine

    def missing(self, collection_ids: Sequence[str]) -> int:
        """How many of the collections' passages the configured model has not embedded yet
        (0 when no model is configured)."""
        from app.docs.vectors import count_missing

        if not self.configured:
            return 0
        key = self._key()
        with self.store.session(write=False) as s:
            return count_missing(s, collection_ids, key) if key else 0

    def _key(self) -> str | None:
        model = self.model()
        return model.key if model is not None else None

    def embed_pending(self, collection_ids: Sequence[str], *,
                      progress: EmbedProgress | None = None,
                      cancel: threading.Event | None = None) -> int:
        """Embed the collections' passages that have no vector from the model yet, a batch
        per transaction (what is done stays done when stopped); returns how many."""
        from app.docs.vectors import count_missing, missing_vectors, store_vectors

        model = self.model()
        if model is None:
            raise DocumentError(NO_MODEL)
        with self.store.session(write=False) as s:
            total = count_missing(s, collection_ids, model.key)
        done = 0
        if progress is not None:
            progress(0, total)
        while done < total:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            with self.store.session(write=False) as s:
                batch = missing_vectors(s, collection_ids, model.key, EMBED_BATCH)
            if not batch:
                break
            vectors = model.embed([t for _, t in batch])
            with self.store.session() as s:
                store_vectors(s, model.key, [(pk, v) for (pk, _), v in zip(batch, vectors, strict=True)])
            done += len(batch)
            if progress is not None:
                progress(min(done, total), total)
        return done

    def nearest(self, collection_ids: Sequence[str], query: str, limit: int) -> list[Hit]:
        """The passages nearest ``query`` in meaning (those embedded so far), nearest first."""
        from app.docs.vectors import nearest_chunks

        model = self.model()
        if model is None:
            return []
        vector = model.embed([query])[0]
        with self.store.session(write=False) as s:
            return nearest_chunks(s, collection_ids, model.key, vector, limit)

    def close(self) -> None:
        with self._lock:
            if self._loaded is not None:
                self._loaded.close()
                self._loaded = None
