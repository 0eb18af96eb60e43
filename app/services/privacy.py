"""Data rights: the retention period, an export of everything the app holds about the user,
erasure, and the retention purge (what is processed and why: app.services.processing_records).
The retention itself is read in app.services.retention, which the processing records read
too; it is passed on here, so that the doors find all of the data rights in one place.

Every door (the GUI's Privacy dialog, ``autoglm privacy``) calls these, so an erasure
is the same blanking, the same tombstones for the sync server and the same single
audit record whichever way the user asked for it. Audit records carry counts, never
text: the chain stays whole and verifiable after an erasure.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import AppError, Cancelled
from app.services.retention import Retention as Retention
from app.services.retention import retention as retention
from app.services.retention import set_retention as set_retention
from app.store.records import ErasedCounts

if TYPE_CHECKING:
    from app.security.audit import AuditEntry
    from app.services.context import AppContext
    from app.store.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

EXPORT_FORMAT = "open-autoglm.privacy-export"
EXPORT_VERSION = 1
# Settings that hold the user's own words; erasure puts them back to their defaults.
# The others (model folders, theme, ports) describe the machine, not the person.
PERSONAL_SETTINGS = ("system_prompt",)
DAY = timedelta(days=1)


class PrivacyError(AppError):
    """An export or erasure could not be carried out; the message says what was left."""

    exit_code = 80
    code = "privacy_error"


class EraseNotConfirmed(PrivacyError):
    """Erasing cannot be undone, and the user did not confirm it."""

    exit_code = 81
    code = "erase_not_confirmed"


# -- export ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportReport:
    path: str
    conversations: int
    messages: int
    documents: int
    audit_records: int
    bytes: int
    filtered: int = 0  # texts in which the safety policy replaced what may not leave the app

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def export_archive(ctx: AppContext, store: Store, out: Path, *, progress: Progress | None = None,
                   cancel: threading.Event | None = None) -> ExportReport:
    """Write everything the app holds about the user to the zip ``out``: the conversations
    with every message (deleted ones not yet erased too), the documents' metadata, the
    settings, the audit records about them, the processing records and a manifest.

    Text passes the safety filter's outbound rules, as any export does: what the
    administrator's policy does not let leave the app is replaced by its label, and the
    manifest counts the texts changed (``filtered``).

    The archive is written beside ``out`` under a temporary name and renamed into place
    once complete and on disk, so a full disk, an error or ``cancel`` leaves no half
    archive. ``progress(done, total)`` counts conversations and the other parts.
    """
    out = Path(out).expanduser().resolve()
    if out.is_dir():
        raise PrivacyError(f"{out} is a folder: give the name of the archive to write.")
    if not out.parent.is_dir():
        raise PrivacyError(f"The folder {out.parent} does not exist; nothing was written.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    except OSError as exc:
        raise _write_error(exc, out) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            counts = _write_archive(ctx, store, fh, progress, cancel)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        ctx.audit.record("privacy.export", "data:all", "failed", {"error": exc.errno or 0})
        raise _write_error(exc, out) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report = ExportReport(str(out), counts["conversations"], counts["messages"],
                          counts["documents"], counts["audit_records"], out.stat().st_size,
                          counts["filtered"])
    ctx.audit.record("privacy.export", "data:all", "ok",
                     {k: v for k, v in report.as_dict().items() if k != "path"})
    return report


def _write_error(exc: OSError, out: Path) -> PrivacyError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return PrivacyError(f"The disk is full: the archive {out} was not written, and nothing "
                            "was left behind. Free some space, or choose another disk, and "
                            "export again.")
    return PrivacyError(f"Could not write the archive {out}: {exc.strerror or exc}. Nothing was "
                        "left behind.")


def _write_archive(ctx: AppContext, store: Store, fh: Any, progress: Progress | None,
                   cancel: threading.Event | None) -> dict[str, int]:
    from app import __version__
    from app.services.processing_records import records_document
    from app.services.safety import Safety

    files: list[dict[str, Any]] = []
    counts = {"conversations": 0, "messages": 0, "documents": 0, "audit_records": 0,
              "filtered": 0}
    safety = Safety.for_context(ctx)

    def outbound(text: str | None) -> str | None:
        if not text:
            return text
        shown = safety.redact(text, "outbound")
        counts["filtered"] += shown != text
        return shown

    def step(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress is not None:
            progress(done, total)

    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, doc: Any) -> None:
            data = (json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n").encode()
            archive.writestr(name, data)
            files.append({"name": name, "bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()})

        with store.repo(write=False) as repo:  # one snapshot: every part agrees
            conversations = repo.personal_conversations()
            total = len(conversations) + 4
            step(0, total)
            ids: set[str] = set()
            for i, conv in enumerate(conversations, 1):
                messages = repo.every_message(conv.id)
                ids.add(f"conversation:{conv.id}")
                ids.update(f"message:{m.id}" for m in messages)
                put(f"conversations/{conv.id}.json", {
                    **conv.as_json(), "title": outbound(conv.title),
                    "system_prompt": outbound(conv.system_prompt),
                    "summary": outbound(conv.summary),
                    "messages": [{**m.as_json(), "content": outbound(m.content)}
                                 for m in messages]})
                counts["conversations"] += 1
                counts["messages"] += len(messages)
                step(i, total)
            collections = repo.documents_metadata()
            stored = repo.stored_settings()
        for col in collections:
            ids.add(f"collection:{col['id']}")
            for doc in col["documents"]:
                ids.add(f"document:{doc['id']}")
                counts["documents"] += 1
        put("documents.json", {"collections": collections})
        step(total - 3, total)
        preferences = ctx.settings.as_dict()
        preferences["system_prompt"] = outbound(str(preferences.get("system_prompt") or ""))
        put("settings.json", {"preferences": preferences, "stored": stored,
                              "api_keys": [_key_json(k) for k in _api_keys(ctx)]})
        step(total - 2, total)
        entries = _audit_about_user(ctx, store, ids)
        counts["audit_records"] = len(entries)
        put("audit.json", {"records": [e.as_json() for e in entries]})
        step(total - 1, total)
        put("processing_records.json", records_document(ctx))
        manifest = {
            "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
            "created_at": datetime.now(UTC).isoformat(), "app_version": __version__,
            "counts": counts, "files": files,
            "note": "Everything Open-AutoGLM held about you when this was written. Each "
                    "file's SHA-256 is listed here; 'filtered' counts the texts in which the "
                    "administrator's safety policy replaced what may not leave the app.",
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        step(total, total)
    return counts


def _api_keys(ctx: AppContext) -> list[Any]:
    try:
        return list(ctx.api_keys.list())
    except AppError as exc:  # a damaged key file: say so in the log, export the rest
        log.warning("API keys left out of the export: %s", exc)
        return []


def _key_json(key: Any) -> dict[str, Any]:
    return {"key_id": key.key_id, "name": key.name, "created_at": key.created_at,
            "revoked_at": key.revoked_at}


def _audit_about_user(ctx: AppContext, store: Store, ids: set[str]) -> list[AuditEntry]:
    """Audit records of this user's doing, or about one of their records."""
    from app.security.audit import os_actor
    from app.store import audit as audit_store

    me = os_actor()
    with store.session(write=False) as session:
        return [e for e in audit_store.entries(session) if e.actor == me or e.object in ids]


# -- erasure -----------------------------------------------------------------------------------

def erase_all(ctx: AppContext, store: Store) -> ErasedCounts:
    """Erase everything of the user's on this machine: conversations and messages become
    tombstones without text (queued for the sync server), documents, passages and stored
    settings are removed, the settings holding the user's words go back to their defaults,
    and the copies taken before upgrades are destroyed. One audit record, with counts."""
    report = _erase(ctx, store, None, "privacy.erase")
    for name in PERSONAL_SETTINGS:
        try:
            ctx.settings.reset(name)
        except AppError as exc:  # fixed by policy: it is the administrator's text, not the user's
            log.info("setting %s kept: %s", name, exc)
    return report


def purge_expired(ctx: AppContext, store: Store, *, now: datetime | None = None) -> int:
    """Erase the conversations not changed for longer than the retention (none when it
    is 0); returns how many. Audited with the count when there were any."""
    days = retention(ctx).days
    if days <= 0:
        return 0
    cutoff = (now or datetime.now(UTC)) - days * DAY
    with store.repo(write=False) as repo:
        if not repo.erasable_conversation_ids(not_updated_since=cutoff):
            return 0
    report = _erase(ctx, store, cutoff, "privacy.retention", {"retention_days": days})
    return report.conversations


def _erase(ctx: AppContext, store: Store, cutoff: datetime | None, action: str,
           extra: dict[str, Any] | None = None) -> ErasedCounts:
    from app.store.erase import truncate_wal

    _audit_keys_ready(ctx)
    with store.repo() as repo:
        repo.secure_delete()
        ids = repo.erasable_conversation_ids(not_updated_since=cutoff)
        now = datetime.now(UTC)
        messages = sum(repo.erase_conversation(cid, now) for cid in ids)
        report = ErasedCounts(conversations=len(ids), messages=messages)
        if cutoff is None:
            report = replace(repo.erase_documents(), conversations=len(ids), messages=messages,
                             settings=repo.erase_settings())
        repo.merge_search_indexes()
        details = {**(extra or {}), **report.as_dict()}
        details.pop("backups")
        ctx.audit.record_in(repo.session, action, "data:all", "ok", details)
    backups = _destroy_backups(store.path) if cutoff is None or ids else 0
    if not truncate_wal(store.engine):
        raise PrivacyError(
            f"Your data was erased, but another program still has {store.path} open, so "
            "the erased text may remain in its write-ahead log until that program closes. "
            "Close it and run the erasure again.")
    log.info("%s: %d conversation(s) erased", action, len(ids))
    return replace(report, backups=backups)


def _audit_keys_ready(ctx: AppContext) -> None:
    """Read (or make) the audit keys before the erasing transaction takes the write lock,
    so that recording inside it never has to open the store a second time."""
    try:
        ctx.audit.keys()
    except AppError as exc:  # no key store: the erasure goes on, unaudited, as any change would
        log.warning("the erasure cannot be audited here: %s", exc)


def _destroy_backups(database: Path) -> int:
    """Overwrite and remove the copies migrations took before upgrades (they hold the
    erased conversations), and any copy a killed re-encryption left."""
    n = 0
    pattern = f"{database.name}.*.bak"
    for backup in sorted(database.parent.glob(pattern)):
        for part in (backup, backup.with_name(backup.name + "-wal")):
            if part.exists():
                _overwrite(part)
                part.unlink(missing_ok=True)
        n += 1
    for leftover in (".encrypting", ".restoring"):
        stray = database.with_name(database.name + leftover)
        if stray.exists():
            _overwrite(stray)
            stray.unlink(missing_ok=True)
    return n


def _overwrite(path: Path) -> None:
    """Zeros over a file's bytes before it is removed (where the filesystem writes in
    place, the old bytes are then gone from the disk too)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            block = b"\0" * 65536
            for _ in range(0, size, len(block)):
                fh.write(block)
            fh.truncate(size)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:  # removing it is what matters; say why it was not overwritten
        log.warning("could not overwrite %s before removing it: %s", path, exc)


# -- at start-up, and daily ---------------------------------------------------------------------

_purging = threading.local()


def purge_at_start(ctx: AppContext, store: Store) -> int:
    """The retention purge as the store opens; never stops the opening (a failure is
    logged), and never runs again inside itself (recording it may open the store)."""
    if getattr(_purging, "active", False):
        return 0
    _purging.active = True
    from app.security.policy import PolicyRejected

    try:
        return purge_expired(ctx, store)
    except PolicyRejected:
        return 0  # the door that opened the store stops on it and says so, once
    except Exception as exc:  # noqa: BLE001 - the app must still open
        log.warning("the retention purge did not run at start-up: %s", exc)
        return 0
    finally:
        _purging.active = False
