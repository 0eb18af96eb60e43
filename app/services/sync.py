"""Sync with the user's WebDAV server, the same for every door: set up, run, status,
conflicts, and enrolling a second device.

The server is the app's first network connection: nothing here connects unless a
server is configured (by the user, or pinned by the administrator's policy). The
password and the data key live behind the secrets door, never in a file or a log.
After a failure the next automatic attempt waits longer each time (with jitter, and
at least what the server's Retry-After asked); a refused password stops automatic
attempts until the settings change.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import AppError, ConfigError
from app.security.secrets import SYNC_DATA_KEY, SYNC_PASSWORD
from app.sync.crypto import DataKey, SyncKeyError, new_data_key, unwrap_key, wrap_key
from app.sync.webdav import AuthFailed, DavClient, ServerUnavailable

if TYPE_CHECKING:
    from app.services.context import AppContext
    from app.store.store import Store
    from app.store.sync_rows import ConflictRecord
    from app.sync.engine import Progress, SyncReport

STATE_KEY = "sync.state"
BACKOFF_FIRST_S = 30.0
BACKOFF_MAX_S = 30 * 60.0


class SyncNotConfigured(AppError):
    exit_code = 85
    code = "sync_not_configured"


@dataclass(frozen=True)
class SyncConfig:
    url: str
    user: str
    ca_bundle: str
    client_cert: str
    interval_s: float
    pinned: bool  # the administrator's policy fixes the server

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    url: str
    pending: int
    conflicts: int
    last_sync: str | None  # ISO time of the last good run
    last_error: str | None
    failures: int
    next_attempt: float | None  # epoch seconds; None: no automatic attempt (off, or auth)
    paused: bool  # a refused password: waiting for the user
    device_key: str | None  # the data key's fingerprint, if this device has one

    @property
    def state(self) -> str:
        """One word for the status bar: off, offline, paused, conflicts, pending or synced."""
        if not self.configured:
            return "off"
        if self.paused:
            return "paused"
        if self.failures:
            return "offline"
        if self.conflicts:
            return "conflicts"
        if self.pending:
            return "pending"
        return "synced"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "state": self.state}


def config(ctx: AppContext) -> SyncConfig:
    from app.security.policy import load_policy

    settings = ctx.settings
    policy = load_policy()
    pinned_url = getattr(policy, "sync_server", None) or ""
    pinned_ca = getattr(policy, "sync_ca_bundle", None) or ""
    return SyncConfig(
        url=pinned_url or str(settings.get("sync_url") or "").strip(),
        user=str(settings.get("sync_user") or ""),
        ca_bundle=pinned_ca or str(settings.get("sync_ca_bundle") or ""),
        client_cert=str(settings.get("sync_client_cert") or ""),
        interval_s=60.0 * int(settings.get("sync_interval_minutes")),
        pinned=bool(pinned_url),
    )


def setup(
    ctx: AppContext,
    url: str,
    user: str,
    password: str | None,
    *,
    ca_bundle: str = "",
    client_cert: str = "",
    interval_minutes: int | None = None,
) -> None:
    """Save the server's address and credentials (the password behind the secrets door)."""
    url = url.strip()
    pinned = config(ctx)
    if pinned.pinned and url.rstrip("/") != pinned.url.rstrip("/"):
        from app.errors import PolicyViolation

        raise PolicyViolation(
            f"the administrator's policy fixes the sync server at {pinned.url}; it cannot be changed here"
        )
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"the sync server's address must start with https:// ({url!r})")
    if url.startswith("http://") and not _loopback(url):
        raise ConfigError("a sync server on another computer must use https://")
    for name in (ca_bundle, client_cert):
        if name and not Path(name).is_file():
            raise ConfigError(f"{name} does not exist")
    settings = ctx.settings
    settings.set("sync_url", url)
    settings.set("sync_user", user)
    settings.set("sync_ca_bundle", ca_bundle)
    settings.set("sync_client_cert", client_cert)
    if interval_minutes is not None:
        settings.set("sync_interval_minutes", interval_minutes)
    if password is not None:
        ctx.secrets.set(SYNC_PASSWORD, password)


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def client_for(ctx: AppContext, cfg: SyncConfig | None = None) -> DavClient:
    cfg = cfg or config(ctx)
    if not cfg.configured:
        raise SyncNotConfigured(
            "no sync server is set up: Settings → Sync, or autoglm sync setup URL --user NAME"
        )
    password = ctx.secrets.get(SYNC_PASSWORD) if cfg.user else None
    return DavClient(
        cfg.url,
        cfg.user or None,
        password,
        ca_bundle=cfg.ca_bundle or None,
        client_cert=cfg.client_cert or None,
    )


def data_key(ctx: AppContext, client: DavClient | None = None) -> DataKey:
    """This device's data key; made here only when the server holds no data yet."""
    raw = ctx.secrets.get_bytes(SYNC_DATA_KEY)
    if raw is not None:
        return DataKey(raw)
    if client is not None:
        from app.sync.engine import KEYCHECK

        if client.get(KEYCHECK) is not None:
            raise SyncKeyError(
                "the sync server already holds data from your other devices: enrol this one "
                "with a key file exported from one of them (Settings → Sync → Enrol, or "
                "autoglm sync enroll --import FILE)"
            )
    return DataKey(ctx.secrets.get_or_create_bytes(SYNC_DATA_KEY, new_data_key))


def sync_now(
    ctx: AppContext, store: Store, progress: Progress | None = None
) -> SyncReport:
    """Push then pull, now; the outcome is saved for status and audited."""
    from app.services.audit import record
    from app.services.safety import Safety
    from app.sync.engine import Syncer

    cfg = config(ctx)
    safety = Safety.for_context(ctx)
    try:
        with client_for(ctx, cfg) as client:
            key = data_key(ctx, client)
            syncer = Syncer(
                store,
                client,
                key,
                ctx.secrets.installation_id() or "",
                outbound=lambda doc: _outbound(safety, doc),
                progress=progress,
            )
            try:
                report = syncer.run()
            except BaseException:
                syncer.report.requests = client.requests
                raise
    except AppError as err:
        _failed(ctx, store, err)
        record(ctx, "sync.run", cfg.url and _host(cfg.url), "failed", {"error": err.code})
        raise
    _succeeded(ctx, store)
    record(
        ctx,
        "sync.run",
        _host(cfg.url),
        "ok",
        {k: report.as_dict()[k] for k in ("pushed", "pulled", "merged", "conflicts", "requests")},
    )
    return report


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


def _outbound(safety: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """What the policy lets leave the machine: findings it does not allow outbound are
    redacted in titles, prompts, summaries and messages before they are encrypted."""
    fields = dict(doc["fields"])
    for name in ("title", "system_prompt", "summary"):
        item = fields.get(name)
        if item and isinstance(item["v"], str) and item["v"]:
            clean = safety.redact(item["v"], "outbound")
            if clean != item["v"]:
                fields[name] = {**item, "v": clean}
    messages = {}
    for mid, m in doc["messages"].items():
        body = m.get("m")
        if body and body.get("content"):
            clean = safety.redact(body["content"], "outbound")
            if clean != body["content"]:
                m = {**m, "m": {**body, "content": clean}}
        messages[mid] = m
    return {**doc, "fields": fields, "messages": messages}


# --- state, backoff ---------------------------------------------------------------------------


def _state(store: Store) -> dict[str, Any]:
    with store.repo(write=False) as repo:
        value = repo.get_setting(STATE_KEY, {})
    return dict(value) if isinstance(value, dict) else {}


def _save_state(store: Store, state: dict[str, Any]) -> None:
    with store.repo() as repo:
        repo.set_setting(STATE_KEY, state)


def backoff_delay(failures: int, retry_after: float | None = None, rand: Callable[[], float] = random.random) -> float:
    """Seconds before the next automatic attempt after ``failures`` failures in a row:
    doubling from 30 s to 30 min, with ±50 % jitter, never less than Retry-After asked."""
    base = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, failures - 1))
    delay = base * (0.5 + rand())
    return max(delay, retry_after or 0.0)


def _failed(ctx: AppContext, store: Store, err: AppError) -> None:
    state = _state(store)
    failures = int(state.get("failures", 0)) + 1
    state.update(failures=failures, last_error=str(err), error_code=err.code)
    if isinstance(err, AuthFailed | SyncKeyError):
        state["paused"] = True  # no retry until the user acts: never a tight loop
        state["next_attempt"] = None
    else:
        retry_after = err.retry_after if isinstance(err, ServerUnavailable) else None
        state["next_attempt"] = time.time() + backoff_delay(failures, retry_after)
    try:
        _save_state(store, state)
    except AppError:
        pass  # a full disk: the error itself is what the user sees


def _succeeded(ctx: AppContext, store: Store) -> None:
    _save_state(
        store,
        {
            "failures": 0,
            "last_error": None,
            "paused": False,
            "last_sync": datetime.now(UTC).isoformat(timespec="seconds"),
            "next_attempt": time.time() + config(ctx).interval_s,
        },
    )


def status(ctx: AppContext, store: Store) -> SyncStatus:
    from app.store import sync_rows

    cfg = config(ctx)
    state = _state(store)
    with store.session(write=False) as session:
        pending = sync_rows.pending_count(session)
        conflicts = sync_rows.open_conflict_count(session)
    raw = ctx.secrets.get_bytes(SYNC_DATA_KEY) if cfg.configured else None
    return SyncStatus(
        configured=cfg.configured,
        url=cfg.url,
        pending=pending,
        conflicts=conflicts,
        last_sync=state.get("last_sync"),
        last_error=state.get("last_error"),
        failures=int(state.get("failures", 0)),
        next_attempt=state.get("next_attempt") if cfg.configured else None,
        paused=bool(state.get("paused")),
        device_key=DataKey(raw).fingerprint() if raw else None,
    )


def resume(store: Store) -> None:
    """The user changed the credentials or enrolled: automatic attempts may start again."""
    state = _state(store)
    state.update(paused=False, failures=0, next_attempt=time.time())
    _save_state(store, state)


def due(ctx: AppContext, store: Store, now: float | None = None) -> bool:
    """Whether an automatic sync should run now."""
    st = status(ctx, store)
    if not st.configured or st.paused:
        return False
    return st.next_attempt is None or (now or time.time()) >= st.next_attempt


# --- enrolment --------------------------------------------------------------------------------


def export_key(ctx: AppContext, passphrase: str) -> str:
    """The data key wrapped with ``passphrase``: the text of an enrolment file."""
    raw = ctx.secrets.get_bytes(SYNC_DATA_KEY)
    if raw is None:
        raise SyncKeyError("this device has no sync key yet: sync once first")
    from app.services.audit import record

    record(ctx, "sync.key_export", DataKey(raw).fingerprint())
    return wrap_key(raw, passphrase)


def import_key(ctx: AppContext, text: str, passphrase: str, store: Store | None = None) -> str:
    """Install the data key from an enrolment file; returns its fingerprint."""
    from app.services.audit import record

    raw = unwrap_key(text, passphrase)
    ctx.secrets.set_bytes(SYNC_DATA_KEY, raw)
    fingerprint = DataKey(raw).fingerprint()
    record(ctx, "sync.key_import", fingerprint)
    if store is not None:
        resume(store)
    return fingerprint


# --- conflicts --------------------------------------------------------------------------------


def conflicts(store: Store, *, include_resolved: bool = False) -> list[ConflictRecord]:
    from app.store import sync_rows

    with store.session(write=False) as session:
        return sync_rows.conflicts(session, include_resolved=include_resolved)


def dismiss(store: Store, pk: int) -> None:
    """Keep what the merge kept."""
    from app.store import sync_rows

    with store.session() as session:
        sync_rows.resolve_conflict(session, pk)


def restore(ctx: AppContext, store: Store, pk: int) -> str:
    """Bring back the value the merge set aside: a field takes it again (as a new change
    that syncs), a message's other text comes back as a branch beside it. Returns what
    was done, in words."""
    from app.store import sync_rows

    found = [c for c in conflicts(store, include_resolved=True) if c.pk == pk]
    if not found:
        raise ConfigError(f"no sync conflict {pk}")
    c = found[0]
    with store.repo() as repo:
        if c.kind == "field" and c.item == "title":
            repo.rename_conversation(c.conversation_id, str(c.other or ""))
            done = "title restored"
        elif c.kind == "field" and c.item in ("system_prompt", "model"):
            repo.update_conversation(c.conversation_id, **{c.item: c.other})
            done = f"{c.item} restored"
        elif c.kind == "field" and c.item == "settings":
            repo.update_conversation(c.conversation_id, settings=dict(c.other or {}))
            done = "settings restored"
        elif c.kind == "field" and c.item == "summary":
            current = repo.get_conversation(c.conversation_id)
            repo.set_summary(c.conversation_id, c.other, current.summary_upto_message_id if current else None)
            done = "summary restored"
        elif c.kind == "message" and c.other is not None:
            repo.edit_message(c.item, str(c.other))
            done = "the other text is back, as a branch beside the one kept"
        else:
            done = "nothing to restore"
        sync_rows.resolve_conflict(repo.session, pk)
    return done
