"""Where the audit log is kept: appending records and checkpoints, and reading them back.

Append and read only: there is no update or delete here (and triggers refuse both).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.security.audit import AuditEntry, Checkpoint
from app.store.schema import AuditCheckpoint, AuditRecord

READ_BATCH = 5000


def entry_of(row: AuditRecord) -> AuditEntry:
    return AuditEntry(row.seq, row.time, row.actor, row.action, row.object, row.outcome,
                      dict(row.details or {}), row.mac)


def checkpoint_of(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(row.seq, row.mac, row.digest, row.time, row.installation_id, row.key_id,
                      row.signature)


_HEAD = "audit_head"  # in Session.info: the newest (seq, mac) this transaction knows


def head(session: Session) -> tuple[int, str] | None:
    """The newest record's sequence number and MAC.

    Read inside the writer's transaction (which holds SQLite's write lock, so no one
    appends between), then remembered for the rest of it.
    """
    known = session.info.get(_HEAD)
    if known is not None:
        return known  # type: ignore[no-any-return]
    table = AuditRecord.__table__
    row = session.execute(
        select(table.c.seq, table.c.mac).order_by(table.c.seq.desc()).limit(1)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def append(session: Session, entry: AuditEntry) -> None:
    session.execute(insert(AuditRecord.__table__), [{
        "seq": entry.seq, "time": entry.time, "actor": entry.actor, "action": entry.action,
        "object": entry.object, "outcome": entry.outcome, "details": entry.details,
        "mac": entry.mac,
    }])
    session.info[_HEAD] = (entry.seq, entry.mac)


def append_checkpoint(session: Session, point: Checkpoint) -> None:
    session.add(AuditCheckpoint(seq=point.seq, time=point.time, mac=point.mac,
                                digest=point.digest, installation_id=point.installation_id,
                                key_id=point.key_id, signature=point.signature))
    session.flush()


def entries(session: Session, *, after: int = 0, upto: int | None = None) -> Iterator[AuditEntry]:
    """Every record after ``after`` (up to ``upto``), oldest first, read in batches.

    Read as plain rows rather than ORM objects: verifying 100,000 records should cost
    the hashing, not the mapping.
    """
    table = AuditRecord.__table__
    cols = [table.c.seq, table.c.time, table.c.actor, table.c.action, table.c.object,
            table.c.outcome, table.c.details, table.c.mac]
    last = after
    while True:
        query = select(*cols).where(table.c.seq > last).order_by(table.c.seq).limit(READ_BATCH)
        if upto is not None:
            query = query.where(table.c.seq <= upto)
        rows = session.execute(query).all()
        for seq, time, actor, action, obj, outcome, details, mac in rows:
            yield AuditEntry(seq, time, actor, action, obj, outcome, dict(details or {}), mac)
        if len(rows) < READ_BATCH:
            return
        last = rows[-1][0]


def search(
    session: Session,
    *,
    limit: int = 100,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The newest records first, filtered by action (a prefix: ``model`` finds ``model.load``)
    and by time."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    if action:
        query = query.where(
            (AuditRecord.action == action) | AuditRecord.action.startswith(action + ".")
        )
    if since is not None:
        query = query.where(AuditRecord.time >= since)
    if until is not None:
        query = query.where(AuditRecord.time < until)
    return [entry_of(row) for row in session.scalars(query)]


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))


def checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
    return [checkpoint_of(row) for row in rows]


def last_checkpoint(session: Session) -> Checkpoint | None:
    row = session.scalar(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.pk.desc())
    )
    return None if row is None else checkpoint_of(row)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)
