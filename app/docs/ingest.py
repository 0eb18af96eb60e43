"""Adding files and folders to a collection: each file read, cut and indexed on its own, only
when its content changed, and a file that cannot be read recorded with its reason."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.docs.chunking import CHUNK_TOKENS, OVERLAP_TOKENS, chunk_spans
from app.docs.extract import MAX_FILE_BYTES, Page, Unreadable, is_supported, read_pages
from app.docs.index import NewChunk, document_at, replace_chunks
from app.errors import Cancelled
from app.store.schema import Document, utcnow

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger(__name__)

Outcome = Literal["added", "updated", "unchanged", "unreadable", "unsupported", "removed"]
# (files done, files in all, the file being read)
IngestProgress = Callable[[int, int, Path], None]


@dataclass(frozen=True)
class FileResult:
    path: Path
    outcome: Outcome
    reason: str | None = None
    pages: int = 0
    chunks: int = 0


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The files named, and those under the folders named (recursively, hidden ones left
    out), each once, in a stable order."""
    out: dict[Path, None] = {}
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path).parts
                if found.is_file() and not any(p.startswith(".") for p in rel):
                    out[found] = None
        else:
            out[path] = None
    return list(out)


def file_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def chunks_of(pages: Sequence[Page], budget: int = CHUNK_TOKENS,
              overlap: int = OVERLAP_TOKENS) -> list[NewChunk]:
    out = []
    for page in pages:
        text = page.text
        line, counted_to = 1, 0
        for start, end in chunk_spans(text, budget, overlap):
            line += text.count("\n", counted_to, start)
            counted_to = start
            out.append(NewChunk(page.number, page.section, line if page.number is None else None,
                                start, end, text[start:end]))
    return out


def ingest_file(store: Store, collection_id: str, path: Path,
                max_bytes: int = MAX_FILE_BYTES) -> FileResult:
    """Read one file into the collection, unless it is there unchanged."""
    if not path.exists():
        return FileResult(path, "unreadable", "no such file")
    if not is_supported(path):
        return FileResult(path, "unsupported", f"unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
        digest = file_hash(path) if size <= max_bytes else f"size:{size}"
    except OSError as err:
        return FileResult(path, "unreadable", f"cannot be opened: {err.strerror or err}")
    key = str(path)
    with store.session(write=False) as session:
        known = document_at(session, collection_id, key)
        if known is not None and known.content_hash == digest:
            return FileResult(path, "unchanged", known.reason, known.pages)
    reason: str | None = None
    chunks: list[NewChunk] = []
    pages: list[Page] = []
    try:
        pages = read_pages(path, max_bytes)
        chunks = chunks_of(pages)
    except Unreadable as err:
        reason = str(err)
    except Exception as err:  # a reader's bug must not stop the rest of the folder
        log.exception("reading %s failed", path)
        reason = f"could not be read ({err.__class__.__name__}: {err})"
    with store.session() as session:
        doc = document_at(session, collection_id, key)
        outcome: Outcome = "updated" if doc is not None else "added"
        now = utcnow()
        if doc is None:
            doc = Document(collection_id=collection_id, path=key, created_at=now, version=0)
            session.add(doc)
        doc.content_hash = digest
        doc.size = size
        doc.status = "unreadable" if reason else "indexed"
        doc.reason = reason
        doc.pages = len(pages)
        doc.version += 1
        doc.updated_at = now
        session.flush()
        replace_chunks(session, doc.id, chunks)
    if reason:
        return FileResult(path, "unreadable", reason)
    return FileResult(path, outcome, None, len(pages), len(chunks))


def ingest(store: Store, collection_id: str, paths: Iterable[Path], *,
           progress: IngestProgress | None = None,
           cancel: threading.Event | None = None,
           max_bytes: int = MAX_FILE_BYTES) -> list[FileResult]:
    """Add files and folders to a collection, one file at a time (each in its own
    transaction, so what was done stays done when the user stops). Raises Cancelled
    between files once ``cancel`` is set. A folder added again also drops the documents
    whose files are gone from it."""
    given = [Path(p).expanduser().resolve() for p in paths]
    files = expand_paths(given)
    results = []
    for i, path in enumerate(files):
        if progress is not None:
            progress(i, len(files), path)
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        results.append(ingest_file(store, collection_id, path, max_bytes))
    if progress is not None and files:
        progress(len(files), len(files), files[-1])
    folders = [p for p in given if p.is_dir()]
    if folders:
        results += _drop_vanished(store, collection_id, folders)
    return results


def _drop_vanished(store: Store, collection_id: str, folders: list[Path]) -> list[FileResult]:
    from app.docs.index import documents_of, tombstone_document

    gone = []
    with store.session() as session:
        for doc in documents_of(session, [collection_id]):
            path = Path(doc.path)
            if any(path.is_relative_to(f) for f in folders) and not path.exists():
                tombstone_document(session, doc)
                gone.append(FileResult(path, "removed", "the file is gone"))
    return gone
