"""Collections, documents and chunks in the store, and the ranked search over chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import column, delete, false, func, select, table, text
from sqlalchemy.orm import Session

from app.docs.query import MAX_EXPANSION, MIN_INDEXED_CHARS, question_terms, quote
from app.store.schema import Chunk, DocCollection, Document, utcnow

chunks_fts_terms = table("chunks_fts_terms", column("term"), column("doc"))

# A term in more than this share of all chunks is left out of a search (see prune_common),
# once there are enough chunks for that to matter.
COMMON_SHARE = 0.3
PRUNE_FROM_CHUNKS = 2000
KEEP_WHEN_ALL_COMMON = 3
MAX_PER_SHORT = 12


@dataclass(frozen=True)
class NewChunk:
    page: int | None
    section: str | None
    line: int | None
    char_start: int
    char_end: int
    text: str


@dataclass(frozen=True)
class Hit:
    """A chunk found by a search, with its document; lower score ranks higher (BM25)."""

    chunk_pk: int
    document_id: str
    path: str
    page: int | None
    section: str | None
    line: int | None
    char_start: int
    char_end: int
    text: str
    score: float


def live_collections(session: Session) -> Sequence[DocCollection]:
    return session.scalars(
        select(DocCollection).where(DocCollection.deleted == false()).order_by(DocCollection.name)
    ).all()


def collection_by_name(session: Session, name: str) -> DocCollection | None:
    return session.scalar(
        select(DocCollection).where(DocCollection.deleted == false(), DocCollection.name == name)
    )


def documents_of(session: Session, collection_ids: Sequence[str]) -> Sequence[Document]:
    return session.scalars(
        select(Document)
        .where(Document.collection_id.in_(collection_ids), Document.deleted == false())
        .order_by(Document.path)
    ).all()


def document_at(session: Session, collection_id: str, path: str) -> Document | None:
    return session.scalar(
        select(Document).where(
            Document.collection_id == collection_id,
            Document.path == path,
            Document.deleted == false(),
        )
    )


def chunk_counts(session: Session, document_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(Chunk.document_id, func.count())
        .where(Chunk.document_id.in_(document_ids))
        .group_by(Chunk.document_id)
    ).all()
    return {doc_id: count for doc_id, count in rows}


def replace_chunks(session: Session, document_id: str, chunks: Sequence[NewChunk]) -> None:
    """The document's passages, instead of those it had (the index follows by trigger)."""
    session.execute(delete(Chunk).where(Chunk.document_id == document_id))
    if chunks:
        session.execute(
            Chunk.__table__.insert(),
            [
                {
                    "document_id": document_id,
                    "ordinal": i,
                    "page": c.page,
                    "section": c.section,
                    "line": c.line,
                    "char_start": c.char_start,
                    "char_end": c.char_end,
                    "text": c.text,
                }
                for i, c in enumerate(chunks)
            ],
        )


def tombstone_document(session: Session, doc: Document) -> None:
    """Mark a document deleted (for sync) and drop its passages."""
    session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
    doc.deleted = True
    doc.version += 1
    doc.updated_at = utcnow()


def _expand(session: Session, term: str) -> list[tuple[str, int]]:
    """The indexed trigrams that begin with a short term, each with how many chunks hold it."""
    folded = term.lower()
    rows = session.execute(
        select(chunks_fts_terms.c.term, chunks_fts_terms.c.doc)
        .where(chunks_fts_terms.c.term >= folded, chunks_fts_terms.c.term < folded + "\U0010ffff")
        .limit(MAX_EXPANSION + 1)
    ).all()
    return [(t, n) for t, n in rows]


def _doc_counts(session: Session, grams: set[str]) -> dict[str, int]:
    if not grams:
        return {}
    rows = session.execute(
        select(chunks_fts_terms.c.term, chunks_fts_terms.c.doc).where(
            chunks_fts_terms.c.term.in_(sorted(grams)))
    ).all()
    return {t: n for t, n in rows}


def weighted_terms(session: Session, question: str) -> list[list[tuple[str, int]]]:
    """The question's terms as the index can match them, each as a group of (indexed
    term, chunks that may hold it): a word of three or more characters is a group of one;
    a shorter one is the trigrams it begins, most used first. Absent terms are left out."""
    groups: list[list[tuple[str, int]]] = []
    long_terms = []
    for term in question_terms(question):
        if len(term) >= MIN_INDEXED_CHARS:
            long_terms.append(term)
        else:
            grams = _expand(session, term)
            if 0 < len(grams) <= MAX_EXPANSION:
                groups.append(sorted(grams, key=lambda tn: -tn[1]))
    grams_of = {t: {t.lower()[i : i + 3] for i in range(len(t) - 2)} for t in long_terms}
    counts = _doc_counts(session, set().union(*grams_of.values()) if grams_of else set())
    for term, grams in grams_of.items():
        # A phrase is in no more chunks than its rarest trigram.
        n = min((counts.get(g, 0) for g in grams), default=0)
        if n:
            groups.append([(term, n)])
    return groups


def prune_common(groups: list[list[tuple[str, int]]], chunks: int) -> list[str]:
    """The terms worth matching. Matching costs a walk of each term's entry in the index,
    and a term in most chunks tells BM25 little: so a group in more than COMMON_SHARE of
    all chunks is left out (the rarest few stay when every group is that common), and a
    short word keeps only its MAX_PER_SHORT most used continuations."""
    if chunks >= PRUNE_FROM_CHUNKS:
        sized = [(g, sum(n for _, n in g)) for g in groups]
        kept = [g for g, n in sized if n <= COMMON_SHARE * chunks]
        if not kept:
            kept = [g for g, _ in sorted(sized, key=lambda gn: gn[1])[:KEEP_WHEN_ALL_COMMON]]
        groups = [g[:MAX_PER_SHORT] for g in kept]
    return [t for g in groups for t, _ in g]


_SEARCH = text(
    """
    SELECT c.pk, c.document_id, d.path, c.page, c.section, c.line, c.char_start, c.char_end,
           c.text, bm25(chunks_fts) AS score
    FROM chunks_fts
    JOIN chunks AS c ON c.pk = chunks_fts.rowid
    JOIN documents AS d ON d.id = c.document_id
    WHERE chunks_fts MATCH :expr AND d.deleted = 0 AND d.collection_id IN (
        SELECT value FROM json_each(:collections))
    ORDER BY score, c.pk
    LIMIT :limit
    """
)


def search_chunks(
    session: Session, collection_ids: Sequence[str], question: str, limit: int
) -> list[Hit]:
    """The passages of the collections that best match ``question`` (BM25), best first."""
    import json

    if not collection_ids or limit <= 0:
        return []
    terms = weighted_terms(session, question)
    chunks = session.scalar(select(func.count()).select_from(Chunk)) or 0
    expr = " OR ".join(dict.fromkeys(quote(t) for t in prune_common(terms, chunks)))
    if not expr:
        return []
    rows = session.execute(
        _SEARCH, {"expr": expr, "collections": json.dumps(list(collection_ids)), "limit": limit}
    ).all()
    return [Hit(*row) for row in rows]
