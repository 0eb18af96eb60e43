"""Collections, documents and chunks in the store, and the ranked search over chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import column, delete, false, func, select, table, text
from sqlalchemy.orm import Session

from app.docs.query import MAX_EXPANSION, match_expression, question_terms
from app.store.schema import Chunk, DocCollection, Document, utcnow

chunks_fts_terms = table("chunks_fts_terms", column("term"))


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


def _expand(session: Session, term: str) -> list[str]:
    folded = term.lower()
    return list(
        session.scalars(
            select(chunks_fts_terms.c.term)
            .where(chunks_fts_terms.c.term >= folded, chunks_fts_terms.c.term < folded + "\U0010ffff")
            .limit(MAX_EXPANSION + 1)
        )
    )


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
    """The passages of the collections that best match ``question``, best first."""
    import json

    expr = match_expression(question_terms(question), lambda t: _expand(session, t))
    if not expr or not collection_ids or limit <= 0:
        return []
    rows = session.execute(
        _SEARCH, {"expr": expr, "collections": json.dumps(list(collection_ids)), "limit": limit}
    ).all()
    return [Hit(*row) for row in rows]
