"""Who may call the API: bearer API keys (when the server requires them), the role each key
carries (what it may call), and a token-bucket rate limit per key."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from app.api.errors import ApiError
from app.api.request_note import note_request
from app.security.api_keys import ApiKey, ApiKeyStore

# The permission (app.security.roles) each OpenAI route needs, by path prefix.
ROUTE_PERMISSIONS = (
    ("/v1/chat/completions", "chat"),
    ("/v1/completions", "completions"),
    ("/v1/embeddings", "embeddings"),
    ("/v1/models", "models"),
)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Requests per minute per key, allowing a burst of up to a sixth of a minute's quota."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, per_minute: int) -> float:
        """0 when the request may go now, else the seconds until it may."""
        rate = per_minute / 60.0
        burst = max(1.0, per_minute / 6.0)
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(key_id)
            if b is None:
                b = self._buckets[key_id] = _Bucket(burst, now)
            b.tokens = min(burst, b.tokens + (now - b.stamp) * rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / rate


class Gatekeeper:
    """Keys are required when ``always`` is set, and otherwise as soon as one exists."""

    def __init__(self, keys: ApiKeyStore, *, always: bool, default_rate_limit: int) -> None:
        self.keys = keys
        self.always = always
        self.default_rate_limit = default_rate_limit
        self.limiter = RateLimiter()

    @property
    def required(self) -> bool:
        return self.always or self.keys.any_active()

    def identify(self, authorization: str | None) -> ApiKey:
        """The active key presented in ``authorization``, or a 401 in OpenAI's words."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "You didn't provide an API key. Send it as `Authorization: Bearer "
                           "<key>`; `autoglm serve keys create NAME` makes one.", "missing_api_key")
        presented = authorization[7:].strip()
        key = self.keys.verify(presented)
        if key is None:
            shown = presented[:8] + "…" if len(presented) > 8 else "…"
            raise ApiError(401, f"Incorrect API key provided: {shown}. It is unknown or revoked.",
                           "invalid_api_key")
        return key

    def check(self, authorization: str | None) -> ApiKey | None:
        """The caller's key, or raise 401/429 in OpenAI's words."""
        if not self.required:
            return None
        key = self.identify(authorization)
        per_minute = key.rate_limit or self.default_rate_limit
        if per_minute > 0:
            wait = self.limiter.take(key.key_id, per_minute)
            if wait > 0:
                raise ApiError(429, f"Rate limit reached for key {key.key_id} ({key.name}): "
                               f"{per_minute} requests per minute. Try again in {math.ceil(wait)} s.",
                               "rate_limit_exceeded", retry_after_s=wait)
        return key


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def permission_for(path: str) -> str:
    for prefix, permission in ROUTE_PERMISSIONS:
        if path.startswith(prefix):
            return permission
    return "models"


def authenticate(state: Any, path: str, authorization: str | None,
                 permission: str | None = None) -> ApiKey | None:
    """The caller's key checked (401, 429) and its role asked whether it may call ``path``
    (403, audited by the policy service); ``permission`` defaults to the OpenAI route's."""
    from app.services.policy import authorize

    key = state.gate.check(authorization)
    note_request(key=key.key_id if key else None)
    authorize(state.ctx, key, permission or permission_for(path), path)
    return key
