"""What the handlers of one request tell its audit record: the caller's key id and token
counts. Written by whoever learns them (the key check, the routes), read by the audit
middleware once the answer has gone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_request_note: ContextVar[dict[str, Any] | None] = ContextVar("autoglm_request_note",
                                                              default=None)


def note_request(key: str | None = None, **tokens: int) -> None:
    """Add to the audit record of the request being answered (a no-op outside one)."""
    note = _request_note.get()
    if note is None:
        return
    if key is not None:
        note["key"] = key
    for name, n in tokens.items():
        note[name] = note.get(name, 0) + n


@contextmanager
def noting(note: dict[str, Any]) -> Iterator[None]:
    """``note_request`` fills ``note`` for the request answered inside the block."""
    token = _request_note.set(note)
    try:
        yield
    finally:
        _request_note.reset(token)
