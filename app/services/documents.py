"""Documents the user asks questions of: collections, adding files, searching passages, and
answers that cite the passages they come from."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.docs.ingest import FileResult, IngestProgress
from app.engine.types import SamplingParams
from app.errors import DocumentError
from app.services.context import AppContext
from app.services.doc_meaning import EmbedProgress, MeaningIndex
from app.services.passages import Passage

if TYPE_CHECKING:
    from app.docs.index import Hit
    from app.services.doc_answers import DocAnswer
    from app.services.models import LoadedModel
    from app.store import Store
    from app.store.schema import DocCollection, Document

log = logging.getLogger(__name__)

SEARCH_LIMIT = 5
# Passages retrieved for an answer; as many as fit the window are given to the model.
ANSWER_CANDIDATES = 8
# The best passage must hold at least this share of the question's words for the
# collection to be taken as saying anything about it.
MIN_RELEVANCE = 0.34
# With an embedding model: each ranking (words, meaning) offers this many candidates to
# the fusion, and a passage found by meaning alone is taken as relevant within this cosine
# distance of the question (0: the same direction; a poor embedding model puts everything
# near, so this only holds back what a good one places far away).
FUSION_CANDIDATES = 20
MAX_MEANING_DISTANCE = 0.5


@dataclass(frozen=True)
class CollectionView:
    id: str
    name: str
    documents: int
    unreadable: int
    updated_at: datetime


@dataclass(frozen=True)
class DocumentView:
    id: str
    collection: str
    path: str
    status: str  # indexed | unreadable
    reason: str | None
    pages: int
    size: int
    chunks: int
    updated_at: datetime

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class IngestReport:
    """What adding files did: each file's outcome, and the time it took."""

    collection: str
    files: tuple[FileResult, ...]
    seconds: float
    embedded: int = 0  # passages given vectors by the embedding model
    embed_error: str | None = None  # why they could not be (the files were read all the same)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.outcome in ("added", "updated"))

    @property
    def problems(self) -> list[FileResult]:
        return [f for f in self.files if f.outcome in ("unreadable", "unsupported")]


class Documents:
    """The one door to collections and their documents, for the GUI, the CLI and the API."""

    def __init__(self, ctx: AppContext, store: Store) -> None:
        self.ctx = ctx
        self.store = store
        self._closing: Callable[[], None] | None = None  # what closes a store opened for us
        self.meaning = MeaningIndex(ctx, store)

    # --- collections -------------------------------------------------------------------

    def collections(self) -> list[CollectionView]:
        from sqlalchemy import func, select

        from app.docs.index import live_collections
        from app.store.schema import Document

        with self.store.session(write=False) as s:
            rows = live_collections(s)
            counts = dict(
                s.execute(
                    select(Document.collection_id, func.count())
                    .where(Document.deleted.is_(False))
                    .group_by(Document.collection_id)
                ).all()
            )
            bad = dict(
                s.execute(
                    select(Document.collection_id, func.count())
                    .where(Document.deleted.is_(False), Document.status == "unreadable")
                    .group_by(Document.collection_id)
                ).all()
            )
            return [
                CollectionView(c.id, c.name, counts.get(c.id, 0), bad.get(c.id, 0), c.updated_at)
                for c in rows
            ]

    def create_collection(self, name: str) -> CollectionView:
        from app.docs.index import collection_by_name
        from app.store.schema import DocCollection

        name = _valid_name(name)
        with self.store.session() as s:
            if collection_by_name(s, name) is not None:
                raise DocumentError(f"A collection named “{name}” already exists.")
            row = DocCollection(name=name)
            s.add(row)
            s.flush()
            return CollectionView(row.id, row.name, 0, 0, row.updated_at)

    def rename_collection(self, name: str, new_name: str) -> CollectionView:
        from app.docs.index import collection_by_name
        from app.store.schema import utcnow

        new_name = _valid_name(new_name)
        with self.store.session() as s:
            row = self._collection(s, name)
            if new_name != row.name and collection_by_name(s, new_name) is not None:
                raise DocumentError(f"A collection named “{new_name}” already exists.")
            row.name = new_name
            row.version += 1
            row.updated_at = utcnow()
        return next(c for c in self.collections() if c.id == row.id)

    def remove_collection(self, name: str) -> int:
        """Remove a collection and its documents' passages; returns how many documents it had."""
        from app.docs.index import documents_of, tombstone_document
        from app.store.schema import utcnow

        with self.store.session() as s:
            row = self._collection(s, name)
            docs = documents_of(s, [row.id])
            for doc in docs:
                tombstone_document(s, doc)
            row.deleted = True
            row.version += 1
            row.updated_at = utcnow()
            return len(docs)

    # --- documents ---------------------------------------------------------------------

    def add(self, collection: str, paths: Sequence[Path], *, create: bool = True,
            progress: IngestProgress | None = None,
            cancel: threading.Event | None = None,
            max_bytes: int | None = None,
            embed_progress: EmbedProgress | None = None) -> IngestReport:
        """Add files and folders (recursively) to a collection, made if ``create`` and new.
        Unchanged files are not read again; a file that cannot be read is recorded with
        its reason and the rest go on (so is one over ``max_bytes``). Raises Cancelled
        between files once ``cancel`` is set. With an embedding model configured, the new
        passages are then embedded (``embed_progress``); a model that cannot be loaded is
        reported in ``embed_error`` and the files stay read."""
        from app.docs.extract import MAX_FILE_BYTES
        from app.docs.index import collection_by_name
        from app.docs.ingest import ingest
        from app.errors import AppError

        missing = [str(p) for p in paths if not Path(p).exists()]
        if missing:
            raise DocumentError(f"No such file or folder: {', '.join(missing)}")
        name = _valid_name(collection)
        with self.store.session(write=False) as s:
            known = collection_by_name(s, name)
            cid = known.id if known is not None else None
        if cid is None:
            if not create:
                raise self._no_collection(name)
            cid = self.create_collection(name).id
        started = time.perf_counter()
        files = ingest(self.store, cid, [Path(p) for p in paths], progress=progress, cancel=cancel,
                       max_bytes=max_bytes or MAX_FILE_BYTES)
        embedded, embed_error = 0, None
        if self.meaning.configured:
            try:
                embedded = self.meaning.embed_pending([cid], progress=embed_progress, cancel=cancel)
            except AppError as err:
                embed_error = str(err)
        return IngestReport(name, tuple(files), time.perf_counter() - started, embedded,
                            embed_error)

    def embed(self, collection: str | Sequence[str], *, progress: EmbedProgress | None = None,
              cancel: threading.Event | None = None) -> int:
        """Embed the passages of collections read before the embedding model was set (or by
        another one); returns how many were embedded. Raises Cancelled once ``cancel`` is set
        (what was done stays done)."""
        names = [collection] if isinstance(collection, str) else list(collection)
        with self.store.session(write=False) as s:
            ids = [self._collection(s, n).id for n in names]
        return self.meaning.embed_pending(ids, progress=progress, cancel=cancel)

    def not_embedded(self, collection: str | Sequence[str]) -> int:
        """How many of the collections' passages still lack a vector from the configured
        embedding model (0 without one)."""
        names = [collection] if isinstance(collection, str) else list(collection)
        with self.store.session(write=False) as s:
            ids = [self._collection(s, n).id for n in names]
        return self.meaning.missing(ids)

    def documents(self, collection: str | None = None) -> list[DocumentView]:
        from app.docs.index import chunk_counts, documents_of, live_collections

        with self.store.session(write=False) as s:
            cols = [self._collection(s, collection)] if collection else list(live_collections(s))
            names = {c.id: c.name for c in cols}
            docs = documents_of(s, list(names))
            counts = chunk_counts(s, [d.id for d in docs])
            return [
                DocumentView(d.id, names[d.collection_id], d.path, d.status, d.reason, d.pages,
                             d.size, counts.get(d.id, 0), d.updated_at)
                for d in docs
            ]

    def remove(self, collection: str, targets: Sequence[str]) -> list[DocumentView]:
        """Remove documents (by path, file name, folder or id) and their passages."""
        from app.docs.index import documents_of, tombstone_document

        removed = []
        with self.store.session() as s:
            col = self._collection(s, collection)
            docs = documents_of(s, [col.id])
            for target in targets:
                hits = _matching(docs, target)
                if not hits:
                    raise DocumentError(
                        f"The collection “{col.name}” has no document {target!r} "
                        "(give its path, file name, folder or id)."
                    )
                for d in hits:
                    if not d.deleted:
                        removed.append(DocumentView(d.id, col.name, d.path, d.status, d.reason,
                                                    d.pages, d.size, 0, d.updated_at))
                        tombstone_document(s, d)
        return removed

    # --- search and answers ------------------------------------------------------------

    def search(self, collection: str | Sequence[str], query: str,
               limit: int = SEARCH_LIMIT) -> list[Passage]:
        """The passages of one or more collections that best match ``query``, best first: by
        their words (BM25), and with an embedding model configured also by meaning, the two
        rankings fused by reciprocal rank (k=60)."""
        from app.docs.fusion import reciprocal_rank_fusion
        from app.docs.index import search_chunks

        if not query.strip():
            raise DocumentError("Search for what? Give a question or some words.")
        names = [collection] if isinstance(collection, str) else list(collection)
        hybrid = self.meaning.configured
        with self.store.session(write=False) as s:
            ids = [self._collection(s, n).id for n in names]
            by_words = search_chunks(s, ids, query, max(limit, FUSION_CANDIDATES) if hybrid else limit)
        if not hybrid:
            return [_passage(i, h) for i, h in enumerate(by_words, 1)]
        by_meaning = self.meaning.nearest(ids, query, max(limit, FUSION_CANDIDATES))
        distance = {h.chunk_pk: h.score for h in by_meaning}
        hits = {h.chunk_pk: h for h in by_meaning} | {h.chunk_pk: h for h in by_words}
        fused = reciprocal_rank_fusion([[h.chunk_pk for h in by_words],
                                        [h.chunk_pk for h in by_meaning]])
        return [_passage(i, hits[pk], -score, distance.get(pk))
                for i, (pk, score) in enumerate(fused[:limit], 1)]

    def relevant(self, collection: str | Sequence[str], question: str,
                 limit: int = ANSWER_CANDIDATES) -> list[Passage]:
        """Passages for an answer, renumbered from 1: those holding enough of the question's
        words (MIN_RELEVANCE, and at least half as many as the best passage holds), and with
        an embedding model those near it in meaning (MAX_MEANING_DISTANCE). None when no
        passage is either: better no answer than one from the wrong text."""
        from dataclasses import replace

        from app.docs.query import matched_share, question_terms

        passages = self.search(collection, question, limit)
        terms = question_terms(question)
        shares = [matched_share(terms, p.text) for p in passages]
        floor = max(MIN_RELEVANCE, max(shares, default=0.0) / 2)
        kept = [p for p, share in zip(passages, shares, strict=True)
                if share >= floor or (p.distance is not None
                                      and p.distance <= MAX_MEANING_DISTANCE)]
        return [replace(p, number=n) for n, p in enumerate(kept, 1)]

    def answer(self, model: LoadedModel, collection: str | Sequence[str], question: str,
               params: SamplingParams, cancel: threading.Event | None = None, *,
               whole: bool = False) -> DocAnswer:
        """An answer from the collection's passages (or, with ``whole``, its documents whole
        when they fit the window), citing them (see doc_answers.answer)."""
        from app.services.doc_answers import answer

        return answer(self, model, collection, question, params, cancel, whole=whole)

    # --- helpers -----------------------------------------------------------------------

    def _collection(self, session: object, name: str) -> DocCollection:
        from app.docs.index import collection_by_name

        row = collection_by_name(session, " ".join(name.split()))  # type: ignore[arg-type]
        if row is None:
            raise self._no_collection(name)
        return row

    def _no_collection(self, name: str) -> DocumentError:
        names = [c.name for c in self.collections()]
        known = f" Collections: {', '.join(names)}." if names else " There are none yet."
        return DocumentError(f"No collection named “{name}”.{known}")

    def close(self) -> None:
        self.meaning.close()
        if self._closing is not None:
            self._closing()
            self._closing = None

    def __enter__(self) -> Documents:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_documents(ctx: AppContext) -> Documents:
    """Documents in the user's database (ctx.paths.database), opened exactly as the
    conversations in it are (created, upgraded, and unlocked with its key), so both always
    agree on how the one file is opened."""
    from app.services.conversations import open_conversations

    conversations = open_conversations(ctx)
    docs = Documents(ctx, conversations.store)
    docs._closing = conversations.close
    return docs


def _valid_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DocumentError("A collection needs a name.")
    if len(name) > 200:
        raise DocumentError("A collection name may have at most 200 characters.")
    return name


def _passage(number: int, h: Hit, score: float | None = None,
             distance: float | None = None) -> Passage:
    return Passage(number, h.document_id, h.path, h.page, h.section, h.line, h.char_start,
                   h.char_end, h.text, h.score if score is None else score, distance)


def _matching(docs: Sequence[Document], target: str) -> list[Document]:
    """The documents ``target`` names: an id (or its first 8+ characters), a path, a folder
    holding them, or a file name."""
    exact = [d for d in docs if d.id == target or (len(target) >= 8 and d.id.startswith(target))]
    if exact:
        return exact
    resolved = str(Path(target).expanduser().resolve())
    inside = resolved.rstrip("/") + "/"
    by_path = [d for d in docs if d.path == resolved or d.path.startswith(inside)]
    if by_path:
        return by_path
    return [d for d in docs if Path(d.path).name == target]
