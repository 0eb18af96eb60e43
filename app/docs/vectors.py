"""Passages' embedding vectors in the store, and the search by meaning over them with
sqlite-vec's distance functions (loaded into the store's own SQLCipher connection)."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, false, func, select, text
from sqlalchemy.orm import Session

from app.docs.index import Hit
from app.errors import DocumentError
from app.store.schema import Chunk, ChunkVector, Document

NO_EXTENSION = (
    "Finding passages by meaning needs the sqlite-vec package, which is missing or cannot be "
    "loaded ({detail}). Reinstall Open-AutoGLM, or clear the embedding_model setting to "
    "search by words only."
)


def pack(vector: Sequence[float]) -> bytes:
    """sqlite-vec's float32 vector format: the floats, little-endian, one after another."""
    return struct.pack(f"<{len(vector)}f", *vector)


def unpack(blob: bytes) -> list[float]:
    return list(struct.unpack(f"<{len(blob) // 4}f", blob))


def ensure_extension(session: Session) -> None:
    """Load sqlite-vec into the session's connection, unless it is there already."""
    raw: Any = session.connection().connection.driver_connection
    try:
        raw.execute("SELECT vec_version()").fetchone()
        return
    except Exception:  # noqa: BLE001 - "no such function": not loaded on this connection yet
        pass
    try:
        import sqlite_vec

        raw.enable_load_extension(True)
        try:
            raw.load_extension(sqlite_vec.loadable_path())
        finally:
            raw.enable_load_extension(False)
    except Exception as err:  # ImportError, or the driver refusing the library
        raise DocumentError(NO_EXTENSION.format(detail=err)) from err


def missing_vectors(session: Session, collection_ids: Sequence[str], model: str,
                    limit: int | None = None) -> list[tuple[int, str]]:
    """(chunk key, text) of the live passages of the collections that have no vector from
    ``model`` yet, in document order."""
    made = select(ChunkVector.chunk_pk).where(ChunkVector.model == model)
    query = (
        select(Chunk.pk, Chunk.text)
        .join(Document, Document.id == Chunk.document_id)
        .where(Document.collection_id.in_(collection_ids), Document.deleted == false(),
               Chunk.pk.not_in(made))
        .order_by(Chunk.pk)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(pk, t) for pk, t in session.execute(query).all()]


def count_missing(session: Session, collection_ids: Sequence[str], model: str) -> int:
    made = select(ChunkVector.chunk_pk).where(ChunkVector.model == model)
    return session.scalar(
        select(func.count())
        .select_from(Chunk)
        .join(Document, Document.id == Chunk.document_id)
        .where(Document.collection_id.in_(collection_ids), Document.deleted == false(),
               Chunk.pk.not_in(made))
    ) or 0


def store_vectors(session: Session, model: str, vectors: Sequence[tuple[int, Sequence[float]]]) -> None:
    """Keep each passage's vector (replacing one another model made)."""
    if not vectors:
        return
    keys = [pk for pk, _ in vectors]
    session.execute(delete(ChunkVector).where(ChunkVector.chunk_pk.in_(keys)))
    session.execute(
        ChunkVector.__table__.insert(),
        [{"chunk_pk": pk, "model": model, "embedding": pack(v)} for pk, v in vectors],
    )


_NEAREST = text(
    """
    SELECT c.pk, c.document_id, d.path, c.page, c.section, c.line, c.char_start, c.char_end,
           c.text, vec_distance_cosine(v.embedding, :query) AS distance
    FROM chunk_vectors AS v
    JOIN chunks AS c ON c.pk = v.chunk_pk
    JOIN documents AS d ON d.id = c.document_id
    WHERE v.model = :model AND d.deleted = 0 AND d.collection_id IN (
        SELECT value FROM json_each(:collections))
    ORDER BY distance, c.pk
    LIMIT :limit
    """
)


def nearest_chunks(session: Session, collection_ids: Sequence[str], model: str,
                   query: Sequence[float], limit: int) -> list[Hit]:
    """The passages whose vectors are nearest ``query`` (cosine distance, 0 is the same
    direction), nearest first. An exact scan: sqlite-vec computes each distance in C."""
    if not collection_ids or limit <= 0:
        return []
    ensure_extension(session)
    rows = session.execute(
        _NEAREST,
        {"query": pack(query), "model": model, "collections": json.dumps(list(collection_ids)),
         "limit": limit},
    ).all()
    return [Hit(*row) for row in rows]
