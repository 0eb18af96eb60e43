"""Roles on the API, against the real server on loopback: what a ``user``, an ``auditor`` and
an ``admin`` key may call, with the real `openai` client and plain HTTP; refusals answer 403
in OpenAI's shape and leave an audit record; requests from other computers (as a proxy on
this machine forwards them) need a key on every route, /health and /openapi.json included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from api_helpers import ApiServer, Served

from app.security.api_keys import ApiKeyStore
from tests.keyring_backends import DIR_ENV
from tests.policy_helpers import write_policy

MESSAGES = [{"role": "user", "content": "Say hi."}]
# What nginx adds for a client on another computer; the server trusts it from loopback.
OFF_LOOPBACK = {"X-Forwarded-For": "203.0.113.9"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server of its own whose audit log is written (its keyring is a folder keyring), with
    the policy file it reads in its data folder (none at first)."""
    data = tmp_path_factory.mktemp("roles-server")
    _, key = ApiKeyStore(data).create("tests")
    server = ApiServer(data, "--threads", "1", "--slots", "2", "--ctx", "512", env={
        "AUTOGLM_POLICY_FILE": str(data / "policy.json"),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backends.FolderKeyring",
        DIR_ENV: str(data / "keyring")})
    url = server.wait_ready()
    yield Served(server, url, key, data)
    server.stop()


@pytest.fixture(scope="module")
def keys(served: Served) -> dict[str, str]:
    store = ApiKeyStore(served.data_dir)
    return {role: store.create(f"{role} key", role=role)[1] for role in ("auditor", "admin")} | {
        "user": served.key}  # made before roles existed: a user


@pytest.fixture
def policy(served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Install an administrator's policy on the running server (it reads the policy again
    when the file changes), and for this process too; removed after the test."""
    path = served.data_dir / "policy.json"
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(path))

    def install(body: dict[str, Any]) -> None:
        write_policy(path, body)

    yield install
    path.unlink(missing_ok=True)


def http(served: Served, method: str, path: str, key: str | None = None,
         headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    h = dict(headers or {})
    if key:
        h["Authorization"] = f"Bearer {key}"
    return httpx.request(method, served.url + path, headers=h, timeout=60, **kw)


def audit_page(served: Served, key: str, after: int = 0) -> list[dict[str, Any]]:
    r = http(served, "GET", f"/v1/audit?after={after}&limit=1000", key)
    assert r.status_code == 200, r.text
    return r.json()["data"]  # type: ignore[no-any-return]


def test_a_user_key_chats_completes_and_embeds(served: Served, keys: dict[str, str]) -> None:
    c = served.client(keys["user"])
    assert c.models.list().data
    assert c.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2).choices
    assert c.completions.create(model="any", prompt="One, two,", max_tokens=2).choices
    assert c.embeddings.create(model="any", input="hello").data[0].embedding


def test_a_user_key_is_refused_the_audit_log_and_administration_with_403(
        served: Served, keys: dict[str, str]) -> None:
    c = served.client(keys["user"])
    with pytest.raises(openai.PermissionDeniedError) as err:
        c.get("/audit", cast_to=object)
    assert err.value.body["code"] == "role_forbidden"  # type: ignore[index]
    assert "'user'" in err.value.message and "audit.read" in err.value.message
    for method, path in (("GET", "/v1/admin/keys"), ("POST", "/v1/admin/keys"),
                         ("GET", "/v1/admin/models"), ("GET", "/v1/admin/settings")):
        r = http(served, method, path, keys["user"], json={"name": "x"})
        assert r.status_code == 403, (path, r.text)
        assert r.json() == {"error": {"message": r.json()["error"]["message"],
                                      "type": "permission_error", "param": None,
                                      "code": "role_forbidden"}}


def test_each_refusal_of_a_role_is_in_the_audit_log(served: Served, keys: dict[str, str]) -> None:
    before = audit_page(served, keys["auditor"])
    last = before[-1]["seq"] if before else 0
    user_id = keys["user"].split("_")[0].removeprefix("agl-")
    assert http(served, "GET", "/v1/admin/keys", keys["user"]).status_code == 403
    refused = [e for e in audit_page(served, keys["auditor"], last)
               if e["action"] == "api.role_refused"]
    assert refused and refused[-1]["object"] == "route:/v1/admin/keys"
    assert refused[-1]["details"] == {"permission": "keys.manage", "role": "user", "key": user_id}
    assert refused[-1]["actor"] == f"api-key:{user_id}" and refused[-1]["outcome"] == "refused"


def test_an_auditor_reads_the_audit_log_page_by_page_but_manages_nothing(
        served: Served, keys: dict[str, str]) -> None:
    c = served.client(keys["auditor"])
    assert c.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2).choices
    first = c.get("/audit?limit=2", cast_to=object)
    assert isinstance(first, dict) and len(first["data"]) == 2
    after = first["last_seq"]
    following = c.get(f"/audit?after={after}&limit=2", cast_to=object)
    assert isinstance(following, dict) and following["data"][0]["seq"] == after + 1
    assert {"seq", "time", "actor", "action", "object", "outcome", "details", "mac"} <= set(
        following["data"][0])
    with pytest.raises(openai.PermissionDeniedError):
        c.get("/admin/keys", cast_to=object)


def test_an_admin_makes_lists_and_revokes_keys_over_the_api(served: Served,
                                                           keys: dict[str, str]) -> None:
    c = served.client(keys["admin"])
    made = c.post("/admin/keys", body={"name": "dashboards", "role": "auditor"}, cast_to=object)
    assert isinstance(made, dict) and made["role"] == "auditor" and made["key"].startswith("agl-")
    assert audit_page(served, made["key"])  # the new key works at once, with its role
    listed = c.get("/admin/keys", cast_to=object)
    assert isinstance(listed, dict)
    roles = {k["name"]: k["role"] for k in listed["data"]}
    assert roles["dashboards"] == "auditor" and roles["tests"] == "user"
    assert all("key" not in k and "sha256" not in k for k in listed["data"])
    with pytest.raises(openai.BadRequestError, match="no role 'auditer'"):
        c.post("/admin/keys", body={"name": "typo", "role": "auditer"}, cast_to=object)
    c.delete(f"/admin/keys/{made['id']}", cast_to=object)
    assert http(served, "GET", "/v1/audit", made["key"]).status_code == 401


def test_an_admin_lists_models_and_changes_settings(served: Served, keys: dict[str, str]) -> None:
    c = served.client(keys["admin"])
    models = c.get("/admin/models", cast_to=object)
    assert isinstance(models, dict) and any(m["default"] for m in models["data"])
    changed = c.put("/admin/settings/top_k", body={"value": 30}, cast_to=object)
    assert changed == {"name": "top_k", "value": 30}
    with pytest.raises(openai.BadRequestError, match="must be between 0 and 1000"):
        c.put("/admin/settings/top_k", body={"value": 5000}, cast_to=object)


def test_a_setting_the_policy_locks_cannot_be_changed_over_the_api(
        served: Served, keys: dict[str, str], policy: Any) -> None:
    policy({"locked_settings": {"temperature": 0.2}})
    c = served.client(keys["admin"])
    with pytest.raises(openai.PermissionDeniedError, match="temperature is locked") as err:
        c.put("/admin/settings/temperature", body={"value": 1.5}, cast_to=object)
    assert err.value.body["code"] == "policy_violation"  # type: ignore[index]
    shown = c.get("/admin/settings", cast_to=object)
    assert isinstance(shown, dict)
    assert shown["temperature"] == {"value": 0.2, "locked": True}


def test_a_role_the_policy_defines_gets_exactly_its_permissions(
        served: Served, keys: dict[str, str], policy: Any) -> None:
    policy({"roles": {"embedder": ["embeddings"]}})
    _, key = ApiKeyStore(served.data_dir).create("search index", role="embedder")
    c = served.client(key)
    assert c.embeddings.create(model="any", input="hello").data
    with pytest.raises(openai.PermissionDeniedError, match="'embedder'"):
        c.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2)


def test_without_a_key_administration_is_refused_with_401(served: Served) -> None:
    r = http(served, "GET", "/v1/admin/keys")
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key"


def test_off_loopback_health_and_openapi_refuse_without_a_key(served: Served,
                                                             keys: dict[str, str]) -> None:
    for path in ("/health", "/openapi.json", "/no-such-page"):
        r = http(served, "GET", path, headers=OFF_LOOPBACK)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"]["type"] == "invalid_request_error"
        wrong = http(served, "GET", path, "agl-00000000_wrong", headers=OFF_LOOPBACK)
        assert wrong.status_code == 401
    assert http(served, "GET", "/health", keys["user"], headers=OFF_LOOPBACK).json()["slots"] == 2
    spec = http(served, "GET", "/openapi.json", keys["user"], headers=OFF_LOOPBACK).json()
    assert "/v1/audit" in spec["paths"]
    assert http(served, "GET", "/health").status_code == 200  # on this computer it stays open


def test_a_probe_the_policy_opens_says_up_and_nothing_else(served: Served, policy: Any) -> None:
    policy({"health_probe_open": True})
    r = http(served, "GET", "/health", headers=OFF_LOOPBACK)
    assert r.status_code == 200 and r.json() == {"status": "up"}
    assert http(served, "GET", "/openapi.json", headers=OFF_LOOPBACK).status_code == 401


def test_a_policy_that_forbids_serving_other_computers_refuses_them_even_with_a_key(
        served: Served, keys: dict[str, str], policy: Any) -> None:
    policy({"serve_off_loopback": False})
    c = openai.OpenAI(base_url=served.url + "/v1", api_key=keys["admin"], max_retries=0,
                      default_headers=OFF_LOOPBACK)
    with pytest.raises(openai.PermissionDeniedError) as err:
        c.models.list()
    assert err.value.body["code"] == "off_loopback_forbidden"  # type: ignore[index]
    assert served.client(keys["admin"]).models.list().data  # this computer is still served


def test_keys_made_before_roles_read_as_user(tmp_path: Path) -> None:
    import json

    old = {"version": 1, "keys": [{"key_id": "0badc0de", "name": "old", "sha256": "0" * 64,
                                   "created_at": "2026-01-01T00:00:00+00:00",
                                   "rate_limit": None, "revoked_at": None}]}
    (tmp_path / "api_keys.json").write_text(json.dumps(old))
    assert [k.role for k in ApiKeyStore(tmp_path).list()] == ["user"]
