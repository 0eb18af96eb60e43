"""API keys: shown once, stored hashed, checked in constant time, revocable; and
the per-key rate limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.api.auth import Gatekeeper, RateLimiter
from app.api.errors import ApiError
from app.errors import ConfigError
from app.security.api_keys import ApiKeyStore, UnknownApiKey


def test_a_key_is_stored_only_as_its_hash(tmp_path: Path) -> None:
    store = ApiKeyStore(tmp_path)
    key, secret = store.create("ci")
    body = (tmp_path / "api_keys.json").read_text()
    assert secret not in body and secret.split("_", 1)[1] not in body
    assert json.loads(body)["keys"][0]["sha256"] == key.sha256
    assert (tmp_path / "api_keys.json").stat().st_mode & 0o077 == 0
    assert ApiKeyStore(tmp_path).verify(secret) == key
    assert store.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.verify("sk-somebody-elses") is None


def test_revoking_by_name_or_id_stops_the_key(tmp_path: Path) -> None:
    store = ApiKeyStore(tmp_path)
    a, secret_a = store.create("alpha")
    _, secret_b = store.create("beta")
    store.revoke("alpha")
    assert store.verify(secret_a) is None and store.verify(secret_b) is not None
    store.revoke(secret_b)  # the key itself names its id
    assert not store.any_active()
    with pytest.raises(UnknownApiKey):
        store.revoke("gamma")
    assert [k.key_id for k in store.list()][0] == a.key_id


def test_a_damaged_key_file_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "api_keys.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        ApiKeyStore(tmp_path).verify("agl-12345678_x")


def test_the_rate_limit_allows_a_burst_then_says_when_to_retry() -> None:
    limiter = RateLimiter()
    assert all(limiter.take("k", 60) == 0 for _ in range(10))  # a sixth of a minute's quota
    wait = limiter.take("k", 60)
    assert 0 < wait <= 1.0


def test_the_gatekeeper_asks_for_a_key_once_one_exists(tmp_path: Path) -> None:
    store = ApiKeyStore(tmp_path)
    gate = Gatekeeper(store, always=False, default_rate_limit=0)
    assert gate.check(None) is None  # loopback, no keys: open
    _, secret = store.create("first")
    with pytest.raises(ApiError) as err:
        gate.check(None)
    assert err.value.http_status == 401
    assert gate.check(f"Bearer {secret}") is not None
