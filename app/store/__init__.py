"""The SQLite store: schema, migrations and the unit of work.

Names are imported on first use, so that ``import app.store.records`` (the value
types) does not pull in SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store.migrate import NewerDatabase
    from app.store.records import (
        ConversationRecord,
        MessageRecord,
        MessageStatus,
        NotFound,
        OutboxRecord,
    )
    from app.store.repository import UNSET, Repository
    from app.store.store import Store, open_store
    from app.store.streaming import ReplyWriter

_WHERE = {
    "NewerDatabase": "app.store.migrate",
    "ConversationRecord": "app.store.records",
    "MessageRecord": "app.store.records",
    "MessageStatus": "app.store.records",
    "NotFound": "app.store.records",
    "OutboxRecord": "app.store.records",
    "UNSET": "app.store.repository",
    "Repository": "app.store.repository",
    "Store": "app.store.store",
    "open_store": "app.store.store",
    "ReplyWriter": "app.store.streaming",
}

__all__ = [
    "UNSET",
    "ConversationRecord",
    "MessageRecord",
    "MessageStatus",
    "NewerDatabase",
    "NotFound",
    "OutboxRecord",
    "ReplyWriter",
    "Repository",
    "Store",
    "open_store",
]


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'app.store' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
