"""API keys for the local HTTP server: made, listed and revoked by the user,
stored only as SHA-256 hashes in the data dir, checked per request.

A key is ``agl-<id>_<secret>`` with 256 random bits in the secret, so a plain
SHA-256 cannot be brute-forced and checks in microseconds (a slow hash such as
scrypt protects low-entropy passwords, and would cost every request ~50 ms).
The key itself is shown once, when made. A running server re-reads the file
when it changes, so a revoked key stops working at once. Each key carries a
role (``app.security.roles``); keys made before roles existed are ``user``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.errors import AppError, ConfigError
from app.files import atomic_write
from app.security.roles import DEFAULT_ROLE

KEY_PREFIX = "agl-"
KEYS_FILE = "api_keys.json"


class UnknownApiKey(AppError):
    exit_code = 2
    http_status = 404
    code = "api_key_not_found"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    sha256: str
    created_at: str
    rate_limit: int | None = None  # requests per minute; None: the server's default
    revoked_at: str | None = None
    role: str = DEFAULT_ROLE  # what the key may do on the API, as the policy defines roles

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def hint(self) -> str:
        """What identifies the key in lists, without revealing it."""
        return f"{KEY_PREFIX}{self.key_id}_…"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / KEYS_FILE
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, ApiKey] = {}

    # -- reading ------------------------------------------------------------------------------

    def _current(self) -> dict[str, ApiKey]:
        """The keys on disk, re-read only when the file changed."""
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._keys = self._read() if stamp else {}
                self._stamp = stamp
            return self._keys

    def _read(self) -> dict[str, ApiKey]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {k["key_id"]: ApiKey(**k) for k in raw.get("keys", [])}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            # Failing closed: a damaged key file must not let everyone in.
            raise ConfigError(f"the API key file {self.path} cannot be read: {exc}") from exc

    def list(self) -> list[ApiKey]:
        return sorted(self._current().values(), key=lambda k: k.created_at)

    def any_active(self) -> bool:
        return any(k.active for k in self._current().values())

    def verify(self, presented: str) -> ApiKey | None:
        """The active key matching ``presented``, or None."""
        if not presented.startswith(KEY_PREFIX) or "_" not in presented:
            return None
        key_id = presented[len(KEY_PREFIX):].split("_", 1)[0]
        key = self._current().get(key_id)
        if key is None or not key.active:
            return None
        return key if hmac.compare_digest(key.sha256, _hash(presented)) else None

    # -- changing -----------------------------------------------------------------------------

    def create(self, name: str, rate_limit: int | None = None,
               role: str = DEFAULT_ROLE) -> tuple[ApiKey, str]:
        """A new key with ``role`` (one the policy defines); the returned secret is never
        stored and cannot be shown again."""
        from app.security.policy import load_policy
        from app.security.roles import check_role_name

        if not name.strip():
            raise ConfigError("give the key a name, e.g. `autoglm serve keys create notebooks`")
        check_role_name(role, load_policy().roles)
        if rate_limit is not None and rate_limit < 1:
            raise ConfigError(f"Invalid value {rate_limit} for rate limit: must be at least 1")
        keys = dict(self._current())
        key_id = secrets.token_hex(4)
        while key_id in keys:
            key_id = secrets.token_hex(4)
        secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, name.strip(), _hash(secret),
                     datetime.now(UTC).isoformat(timespec="seconds"), rate_limit, role=role)
        keys[key_id] = key
        self._write(keys)
        return key, secret

    def revoke(self, which: str) -> ApiKey:
        """Revoke by id (or by name, when one active key has it)."""
        keys = dict(self._current())
        ident = which[len(KEY_PREFIX):].split("_", 1)[0] if which.startswith(KEY_PREFIX) else which
        key = keys.get(ident)
        if key is None:
            named = [k for k in keys.values() if k.name == which and k.active]
            if len(named) > 1:
                raise ConfigError(f"{len(named)} active keys are named {which!r}: revoke one by its id")
            key = named[0] if named else None
        if key is None:
            raise UnknownApiKey(f"no API key {which!r} (see `autoglm serve keys list`)")
        if key.active:
            key = ApiKey(**{**asdict(key), "revoked_at": datetime.now(UTC).isoformat(timespec="seconds")})
            keys[key.key_id] = key
            self._write(keys)
        return key

    def _write(self, keys: dict[str, ApiKey]) -> None:
        body = json.dumps({"version": 1, "keys": [asdict(k) for k in keys.values()]}, indent=1)
        atomic_write(self.path, body.encode("utf-8"), mode=0o600)  # hashes, but still private
        with self._lock:
            self._stamp = None  # re-read on next use
