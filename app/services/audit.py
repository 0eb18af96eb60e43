"""The audit trail every door writes to: recording what happened, checkpoints, verification
and export (the format and the proofs are app.security.audit's).

``record(ctx, action, object, outcome, details)`` is the one call the services make.
Records hold ids and counts, never text a user wrote; the policy's ``audit_content``
hook may one day ask for content, and is off.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from app.errors import AppError, Cancelled, KeyringUnavailable
from app.security import audit_files
from app.security.audit import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    Verdict,
    chain_digest,
    key_id,
    new_signing_key,
    os_actor,
    public_key_of,
    seal,
    sign_checkpoint,
    verify_entries,
)
from app.security.audit import api_actor as api_actor  # the doors name their callers with it
from app.security.audit_files import header, line, read_checkpoints
from app.security.secrets import AUDIT_KEY

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.context import AppContext
    from app.store.store import Store

log = logging.getLogger(__name__)

AUDIT_SIGNING_KEY = "audit-signing-key"
CHECKPOINT_EVERY = 1000  # records between automatic checkpoints


class AuditUnavailable(AppError):
    exit_code = 73
    code = "audit_unavailable"


class AuditKeyMissing(AuditUnavailable):
    """The log has records and the keys that made them are gone."""


@dataclass(frozen=True)
class AuditKeys:
    mac_key: bytes
    signing_key: bytes
    installation_id: str

    @property
    def public_key(self) -> bytes:
        return public_key_of(self.signing_key)


def content_allowed() -> bool:
    """Whether the administrator's policy asks for content in audit records (off by default)."""
    from app.security.policy import load_policy

    return bool(getattr(load_policy(), "audit_content", False))


class AuditTrail:
    """The audit log of one app context: its keys (from the secrets door, cached for the
    process) and the store it writes to (the conversations' own, or one it opens)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._owns_store = False
        self._keys: AuditKeys | None = None
        self._unavailable = ""
        self._since_checkpoint = 0
        ref = weakref.ref(self)
        atexit.register(lambda: (trail := ref()) is not None and trail.close())

    # -- where it writes ---------------------------------------------------------------------

    def use_store(self, store: Store) -> None:
        """Write to ``store`` (the one the conversations opened) from now on."""
        with self._lock:
            if self._store is store:
                return
            if self._owns_store and self._store is not None:
                self._store.close()
            self._store, self._owns_store = store, False

    def adopt(self, opener: Callable[[], Store]) -> Store:
        """Open the user's store with ``opener`` (no audit record opens one meanwhile, so
        a new database is never created twice at once) and write to it from now on."""
        with self._lock:
            store = opener()
            self.use_store(store)
            return store

    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                from app.services.storage import open_user_store

                self._store, self._owns_store = open_user_store(self.ctx), True
            return self._store

    def keys(self) -> AuditKeys:
        """The MAC key and the checkpoint signing key, made on first use."""
        with self._lock:
            if self._keys is None:
                secrets = self.ctx.secrets
                mac_key = secrets.get_bytes(AUDIT_KEY)
                signing = secrets.get_bytes(AUDIT_SIGNING_KEY)
                if mac_key is None or signing is None:
                    self._refuse_new_keys_for_old_records()
                # Made under the secrets' creation lock: server instances starting
                # together on one data folder must all sign with the same keys.
                mac_key = mac_key or secrets.get_or_create_bytes(AUDIT_KEY, lambda: os.urandom(32))
                signing = signing or secrets.get_or_create_bytes(AUDIT_SIGNING_KEY, new_signing_key)
                self._keys = AuditKeys(mac_key, signing, secrets.installation_id() or "")
            return self._keys

    def _refuse_new_keys_for_old_records(self) -> None:
        """New keys would make every record written before look forged: where records
        exist and their keys are gone, say so instead."""
        from app.store import audit as audit_store

        store = self.store()
        with store.session(write=False) as session:
            if audit_store.count(session) == 0:
                return
        raise AuditKeyMissing(
            f"The audit log in {store.path} has records, and its keys are not in "
            f"{self.ctx.secrets.where().describe()} (the keyring was reset, or the database "
            "comes from another installation). Restore the keyring from a backup to check or "
            "extend it; until then nothing more is recorded."
        )

    # -- writing -----------------------------------------------------------------------------

    def record(self, action: str, object: str = "", outcome: str = "ok",
               details: dict[str, Any] | None = None, *, actor: str | None = None,
               content: str | None = None) -> AuditEntry | None:
        """Append one record in a transaction of its own; None when the audit cannot be
        written here (no key store), which is logged once and never stops the user."""
        try:
            self.keys()  # first: without a key store there is nothing to write, nor a file to open
            store = self.store()
            with store.session() as session:
                return self.record_in(session, action, object, outcome, details, actor=actor,
                                      content=content)
        except AppError as err:  # no key store, the disk full, the database busy…
            self._say_unavailable(err)
            return None

    def record_in(self, session: Session, action: str, object: str = "", outcome: str = "ok",
                  details: dict[str, Any] | None = None, *, actor: str | None = None,
                  content: str | None = None) -> AuditEntry | None:
        """Append one record inside the caller's write transaction, so that it is kept
        exactly when the change it describes is."""
        from app.store import audit as audit_store

        try:
            keys = self.keys()
        except (KeyringUnavailable, AuditUnavailable) as err:
            self._say_unavailable(err)
            return None
        details = dict(details or {})
        if content is not None and content_allowed():
            details["content"] = content
        last_seq, last_mac = audit_store.head(session) or (0, GENESIS)
        entry = AuditEntry(
            seq=last_seq + 1, time=datetime.now(UTC), actor=actor or os_actor(),
            action=action, object=object, outcome=outcome, details=details,
        )
        entry = seal(keys.mac_key, last_mac, entry)
        audit_store.append(session, entry)
        with self._lock:
            self._since_checkpoint += 1
        if entry.seq % CHECKPOINT_EVERY == 0:
            self._checkpoint_in(session, keys)
        return entry

    def setting_changed(self, name: str, value: Any) -> None:
        """A setting changed, from any door; its value is kept only when it is a number or a
        switch (a system prompt or a folder is the user's text)."""
        plain = isinstance(value, bool | int | float)
        self.record("settings.change", f"setting:{name}", "ok", {"value": value} if plain else {})

    def checkpoint(self) -> Checkpoint | None:
        """Sign where the log stands now (None while it is empty)."""
        keys = self._keys_or_raise()
        with self.store().session() as session:
            return self._checkpoint_in(session, keys)

    def _checkpoint_in(self, session: Session, keys: AuditKeys) -> Checkpoint | None:
        from app.store import audit as audit_store

        last = audit_store.head(session)
        if last is None:
            return None
        last_seq, last_mac = last
        previous = audit_store.last_checkpoint(session)
        start, digest = 0, GENESIS
        if previous is not None and previous.seq <= last_seq:
            start, digest = previous.seq, previous.digest
        for entry in audit_store.entries(session, after=start, upto=last_seq):
            digest = chain_digest(digest, entry)
        point = sign_checkpoint(keys.signing_key, Checkpoint(
            last_seq, last_mac, digest, datetime.now(UTC), keys.installation_id,
            key_id(keys.public_key)))
        audit_store.append_checkpoint(session, point)
        with self._lock:
            self._since_checkpoint = 0
        return point

    def checkpoint_if_due(self) -> None:
        """A checkpoint if this process recorded anything since the last (a server or
        window shutting down); never raises."""
        with self._lock:
            try:
                if self._since_checkpoint and self._keys is not None and self._store is not None:
                    with self._store.session() as session:
                        self._checkpoint_in(session, self._keys)
            except Exception as err:  # shutting down: say it, never raise
                log.warning("no audit checkpoint at shutdown: %s", err)

    def close(self) -> None:
        """At exit: a checkpoint if one is due, then close the store if this trail opened it."""
        with self._lock:
            self.checkpoint_if_due()
            if self._owns_store and self._store is not None:
                self._store.close()
            self._store, self._owns_store = None, False

    # -- reading -----------------------------------------------------------------------------

    def list(self, *, limit: int = 100, action: str | None = None,
             since: datetime | None = None, until: datetime | None = None) -> list[AuditEntry]:
        from app.store import audit as audit_store

        with self.store().session(write=False) as session:
            return audit_store.search(session, limit=limit, action=action, since=since,
                                      until=until)

    def page(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Up to ``limit`` records with a sequence number above ``after``, oldest first (how
        a reader pages through the whole log)."""
        from itertools import islice

        from app.store import audit as audit_store

        with self.store().session(write=False) as session:
            return list(islice(audit_store.entries(session, after=max(0, after)), max(0, limit)))

    def actions(self) -> list[str]:
        from app.store import audit as audit_store

        with self.store().session(write=False) as session:
            return audit_store.actions(session)

    def verify(self, checkpoint_file: Path | None = None) -> Verdict:
        """Check the whole chain and every checkpoint, the stored ones and those in
        ``checkpoint_file`` (a checkpoint or an export written earlier)."""
        from app.store import audit as audit_store

        keys = self._keys_or_raise()
        outside = read_checkpoints(checkpoint_file, keys.public_key) if checkpoint_file else []
        with self.store().session(write=False) as session:
            points = audit_store.checkpoints(session)
            return verify_entries(audit_store.entries(session), key=keys.mac_key,
                                  public_key=keys.public_key, checkpoints=[*points, *outside])

    def export(self, out: IO[str]) -> int:
        """Write a header with the public key, every record and every checkpoint (a fresh
        one last) as JSON lines; returns the number of records written."""
        from app.store import audit as audit_store

        keys = self._keys_or_raise()
        self.checkpoint()
        written = 0
        with self.store().session(write=False) as session:
            out.write(line(header(keys.public_key, keys.installation_id)))
            for entry in audit_store.entries(session):
                out.write(line({"type": "record", **entry.as_json()}))
                written += 1
            for point in audit_store.checkpoints(session):
                out.write(line({"type": "checkpoint", **point.as_json()}))
        return written

    def checkpoint_document(self) -> dict[str, Any]:
        """A new checkpoint as a document to keep off the machine."""
        keys = self._keys_or_raise()
        point = self.checkpoint()
        if point is None:
            raise AuditUnavailable("The audit log is empty: there is nothing to checkpoint yet.")
        return {**header(keys.public_key, keys.installation_id), "type": "checkpoint-file", "checkpoint": point.as_json()}

    # -- inside --------------------------------------------------------------------------------

    def _keys_or_raise(self) -> AuditKeys:
        try:
            return self.keys()
        except KeyringUnavailable as err:
            raise AuditUnavailable(
                f"The audit log's keys cannot be read: {err}"
            ) from None

    def _say_unavailable(self, err: Exception) -> None:
        """Log why a record was not written: once per reason, not once per record."""
        if self._unavailable != str(err):
            self._unavailable = str(err)
            log.warning("audit records cannot be written here: %s", err)


def verify_export(path: Path) -> Verdict:
    """Check an export anywhere, with the public key it carries and no secret."""
    return audit_files.verify_export(path)


# -- the one call of the services --------------------------------------------------------------

def record(ctx: AppContext, action: str, object: str = "", outcome: str = "ok",
           details: dict[str, Any] | None = None, *, actor: str | None = None,
           content: str | None = None) -> AuditEntry | None:
    """Audit one thing that happened; never raises for want of a key store."""
    return ctx.audit.record(action, object, outcome, details, actor=actor, content=content)


@contextmanager
def audited(ctx: AppContext, action: str, object: str = "",
            details: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Audit the block: "ok" when it ends, else "refused" for the user's errors (with the
    error's code), "cancelled" when the user stopped it, "failed" for the rest; the block
    may add details to the dict it is given."""
    extra: dict[str, Any] = dict(details or {})
    try:
        yield extra
    except Cancelled:
        record(ctx, action, object, "cancelled", extra)
        raise
    except AppError as err:
        record(ctx, action, object, "refused", {**extra, "error": err.code,
                                                 "kind": type(err).__name__})
        raise
    except Exception as err:
        record(ctx, action, object, "failed", {**extra, "kind": type(err).__name__})
        raise
    record(ctx, action, object, "ok", extra)
