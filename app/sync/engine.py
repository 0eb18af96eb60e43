"""One sync run: push what the outbox holds, then pull what other devices changed.

Server layout, under the collection the user configured::

    open-autoglm/keycheck        a sealed marker: which data key this server's data is under
    open-autoglm/c/<name>        one sealed resource per conversation (name: HMAC of its id)

Every step is idempotent and nothing is acknowledged before the server confirmed it:

- push: a conversation with outbox rows is sent with ``If-Match`` its last known ETag
  (``If-None-Match: *`` the first time). A 412 fetches the server's copy, merges, writes
  the merge locally and sends it again. The outbox rows read before the send are removed
  only after the server answered 2xx, in the same transaction that saves the new ETag;
- pull: one PROPFIND lists the conversations' ETags; only those that differ from the last
  seen are fetched, merged and written locally; if the merge holds something the server
  lacks, it is sent back the same way.

A kill, a dropped connection or a full disk at any point leaves the outbox and the
saved ETags such that the next run finishes the job (it may repeat a PUT; a repeated
merge changes nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.store import sync_rows
from app.store.store import Store
from app.sync import doc as docs
from app.sync.crypto import KEYCHECK_NAME, DamagedRecord, DataKey, SyncKeyError
from app.sync.webdav import DavClient, PreconditionFailed, ServerRefused, is_weak

log = logging.getLogger(__name__)

ROOT = "open-autoglm/"
CONVERSATIONS = ROOT + "c/"
KEYCHECK = ROOT + KEYCHECK_NAME
MAX_RETRIES = 8  # 412s in a row on one conversation before giving up this run

Progress = Callable[[str, int, int], None]  # (phase, done, total)
Outbound = Callable[[docs.Doc], docs.Doc]


@dataclass
class SyncReport:
    pushed: int = 0  # conversations sent
    pulled: int = 0  # conversations fetched
    merged: int = 0  # local copies changed by what came from the server
    conflicts: int = 0
    damaged: int = 0  # server copies that did not open (then written again from ours)
    requests: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Syncer:
    def __init__(
        self,
        store: Store,
        client: DavClient,
        key: DataKey,
        device: str,
        *,
        outbound: Outbound | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.key = key
        self.device = device
        self.outbound = outbound or (lambda d: d)
        self.progress = progress or (lambda phase, done, total: None)
        self.report = SyncReport()

    # --- the run --------------------------------------------------------------------------

    def run(self) -> SyncReport:
        started = time.perf_counter()
        before = self.client.requests
        try:
            self.prepare()
            self.push()
            self.pull()
        finally:
            self.report.requests = self.client.requests - before
            self.report.seconds = time.perf_counter() - started
        return self.report

    def prepare(self) -> None:
        """Check the server holds data under our key (or holds none yet, then claim it)."""
        got = self.client.get(KEYCHECK)
        if got is None:
            self.client.mkcol(ROOT)
            self.client.mkcol(CONVERSATIONS)
            try:
                self.client.put(KEYCHECK, self.key.keycheck(), if_match=None)
                return
            except PreconditionFailed:  # another device claimed it a moment ago
                got = self.client.get(KEYCHECK)
                if got is None:
                    raise SyncKeyError("the sync server's key check vanished; try again") from None
        self.key.verify_keycheck(got[0])

    def push(self) -> None:
        """Send every conversation with outbox rows; the outbox is read in pages, again
        until nothing is left that this run has not sent (changes made while it runs
        wait for the next)."""
        sent: set[str] = set()
        while True:
            with self.store.session(write=False) as session:
                total = sync_rows.pending_conversations(session)
                waiting = {c: u for c, u in sync_rows.pending(session).items() if c not in sent}
            if not waiting:
                return
            for cid, upto in waiting.items():
                self._sync_conversation(cid, upto=upto, remote=None)
                sent.add(cid)
                self.report.pushed += 1
                self.progress("push", len(sent), max(total, len(sent)))

    def pull(self) -> None:
        entries = [e for e in self.client.propfind(CONVERSATIONS) if not e.collection]
        with self.store.session(write=False) as session:
            known = sync_rows.known_resources(session)
        changed = [e for e in entries if e.etag is None or known.get(e.name, ("", None))[1] != e.etag]
        for done, entry in enumerate(changed, 1):
            got = self.client.get(CONVERSATIONS + entry.name)
            if got is not None:
                self._pulled(entry.name, *got, known.get(entry.name, (None, None))[0])
            self.progress("pull", done, len(changed))

    # --- one conversation -----------------------------------------------------------------

    def _pulled(self, name: str, blob: bytes, etag: str | None, known_as: str | None) -> None:
        try:
            revision, theirs = self.key.open(name, blob)
        except DamagedRecord as err:
            self.report.damaged += 1
            log.warning("%s", err)
            if known_as is not None:  # ours too: write it again from this device's copy
                self._sync_conversation(known_as, upto=None, remote=(None, etag))
            return
        theirs["revision"], theirs["size"] = revision, len(blob)
        cid = theirs.get("id")
        if not isinstance(cid, str) or self.key.resource_name(cid) != name:
            raise SyncKeyError(f"the server's copy of {name} names another conversation")
        self.report.pulled += 1
        self._sync_conversation(cid, upto=None, remote=(theirs, etag))

    def _sync_conversation(
        self, cid: str, *, upto: int | None, remote: tuple[docs.Doc | None, str | None] | None
    ) -> None:
        """Bring the server's copy and ours to the same merge, writing each side only if
        it lacks something. ``upto``: the outbox rows this settles."""
        name = self.key.resource_name(cid)
        path = CONVERSATIONS + name
        with self.store.session(write=False) as session:
            known = sync_rows.read(session, cid)
        known_etag, known_size = known.etag, (known.base or {}).get("size")
        if remote is None and known_etag is not None and is_weak(known_etag):
            remote = self._fetch(path, name)  # a weak ETag cannot guard a PUT: merge first
            if remote is None:
                known_etag = None
        first: sync_rows.LocalCopy | None = known
        for _ in range(MAX_RETRIES):
            theirs, etag = remote if remote is not None else (None, known_etag)
            if theirs is not None:
                mine = self._apply(cid, theirs)
            else:
                mine = self._mine(cid, first)
            first = None  # after a 412, read again: the merge may have changed it
            if mine is None:  # the outbox names a conversation that was never stored
                break
            if theirs is not None and docs.same(mine, theirs):
                self._settled(cid, name, etag, theirs, upto)
                return
            outgoing = self.outbound(mine)
            if theirs is not None and docs.same(outgoing, theirs):
                self._settled(cid, name, etag, theirs, upto)
                return
            revision = int((theirs or {}).get("revision", 0)) + 1
            body = self._sealed(name, revision, outgoing, (theirs or {}).get("size", known_size))
            try:
                new_etag = self.client.put(path, body, if_match=etag)
            except PreconditionFailed:
                remote = self._fetch(path, name)
                known_etag = None  # gone from the server: create it again
                continue
            self._settled(cid, name, new_etag, {**outgoing, "size": len(body)}, upto)
            return
        else:
            raise ServerRefused(f"conversation {cid[:8]} kept changing on the server; try again")
        if upto is not None:
            with self.store.session() as session:
                sync_rows.acknowledge(session, cid, upto)

    def _sealed(self, name: str, revision: int, doc: docs.Doc, avoid_size: int | None) -> bytes:
        """The sealed body, never the same length as the copy it replaces: servers whose
        ETag is the file's size and modification second (wsgidav's, and others') would
        otherwise give two writes in one second the same ETag, and a change would go
        unseen by the other devices."""
        body = self.key.seal(name, revision, doc)
        if avoid_size is not None and len(body) == avoid_size:
            body = self.key.seal(name, revision, {**doc, "pad": " "})
        return body

    def _fetch(self, path: str, name: str) -> tuple[docs.Doc | None, str | None] | None:
        got = self.client.get(path)
        if got is None:
            return None
        try:
            revision, theirs = self.key.open(name, got[0])
        except DamagedRecord as err:
            self.report.damaged += 1
            log.warning("%s", err)
            return None, got[1]  # replaced by our copy, if it is still the one there
        theirs["revision"], theirs["size"] = revision, len(got[0])
        return theirs, got[1]

    def _mine(self, cid: str, copy: sync_rows.LocalCopy | None = None) -> docs.Doc | None:
        if copy is None:
            with self.store.session(write=False) as session:
                copy = sync_rows.read(session, cid)
        if copy.conversation is None:
            return None
        return docs.local_doc(copy.conversation, copy.messages, copy.base, self.device)

    def _apply(self, cid: str, theirs: docs.Doc) -> docs.Doc:
        """Merge the server's copy into ours, in one transaction; returns the merge."""
        with self.store.session() as session:
            copy = sync_rows.read(session, cid)
            if copy.conversation is None:
                merged = docs.Merge(theirs)
            else:
                mine = docs.local_doc(copy.conversation, copy.messages, copy.base, self.device)
                merged = docs.merge(mine, theirs, copy.base)
            if merged.conflicts:
                self.report.conflicts += sync_rows.add_conflicts(
                    session, cid, [(c.kind, c.item, c.kept, c.other) for c in merged.conflicts]
                )
            if copy.conversation is None or not docs.same(merged.doc, mine):
                _write(session, cid, merged.doc)
                self.report.merged += 1
        return merged.doc

    def _settled(
        self, cid: str, name: str, etag: str | None, server_copy: docs.Doc, upto: int | None
    ) -> None:
        with self.store.session() as session:
            base = docs.base_of(server_copy) | {"size": server_copy.get("size")}
            sync_rows.save_state(session, cid, name, etag, base)
            if upto is not None:
                sync_rows.acknowledge(session, cid, upto)


def _write(session: Any, cid: str, doc: docs.Doc) -> None:
    fields = {n: f["v"] for n, f in doc["fields"].items()}
    stamps = [f["s"] for f in doc["fields"].values()] + [m["s"] for m in doc["messages"].values()]
    top = max(stamps)
    sync_rows.write_conversation(
        session,
        cid,
        docs.parse_time(doc["created_at"]),
        fields,
        docs.parse_time(top[0]),
        max(f["s"][1] for f in doc["fields"].values()),
    )
    sync_rows.write_messages(session, cid, _in_tree_order(doc["messages"]))


def _in_tree_order(messages: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows to write, each after its parent."""
    out: list[dict[str, Any]] = []
    placed: set[str] = set()
    by_time = sorted(messages.items(), key=lambda kv: (kv[1]["c"], kv[0]))
    pending = by_time
    while pending:
        rest = []
        for mid, m in pending:
            if m["p"] is None or m["p"] in placed or m["p"] not in messages:
                out.append(_row(mid, m))
                placed.add(mid)
            else:
                rest.append((mid, m))
        if len(rest) == len(pending):  # a cycle cannot happen; never loop on a damaged copy
            out.extend(_row(mid, m) for mid, m in rest)
            break
        pending = rest
    return out


def _row(mid: str, m: dict[str, Any]) -> dict[str, Any]:
    row = {
        "id": mid,
        "parent_id": m["p"],
        "role": m["r"],
        "created_at": docs.parse_time(m["c"]),
        "updated_at": docs.parse_time(m["s"][0]),
        "version": m["s"][1],
        "deleted": m["deleted"],
        "erased": bool(m.get("x")),
    }
    if not m["deleted"]:
        row.update(m["m"])
    return row
