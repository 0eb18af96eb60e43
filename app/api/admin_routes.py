"""The routes beyond OpenAI's, each behind the role that may call it: reading the audit log
(``auditor``), and managing API keys, models and settings (``admin``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.api.auth import authenticate
from app.api.state import ApiState
from app.security.roles import DEFAULT_ROLE

router = APIRouter(prefix="/v1")


def _state(request: Request) -> ApiState:
    return request.app.state.api  # type: ignore[no-any-return]


def needs(permission: str) -> Callable[..., Any]:
    """A dependency letting through only callers whose key's role allows ``permission``."""

    def check(request: Request, authorization: str | None = Header(None)) -> None:
        authenticate(_state(request), request.url.path, authorization, permission)

    return check


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status_code=status,
                    media_type="application/json")


# -- the audit log -----------------------------------------------------------------------------

@router.get("/audit", dependencies=[Depends(needs("audit.read"))], tags=["audit"])
async def read_audit(request: Request, after: int = Query(0, ge=0),
                     limit: int = Query(100, ge=1, le=1000)) -> Response:
    """Audit records with a sequence number above ``after``, oldest first; page on with
    ``after`` set to the last one's ``seq``."""
    ctx = _state(request).ctx
    entries = await asyncio.to_thread(ctx.audit.page, after=after, limit=limit)
    data = [e.as_json() for e in entries]
    return _json({"object": "list", "data": data,
                  "last_seq": data[-1]["seq"] if data else after})


# -- API keys ----------------------------------------------------------------------------------

class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = DEFAULT_ROLE
    rate_limit: int | None = Field(None, ge=1)


def _key_json(k: Any) -> dict[str, Any]:
    return {"id": k.key_id, "object": "api_key", "name": k.name, "role": k.role,
            "created_at": k.created_at, "revoked_at": k.revoked_at, "rate_limit": k.rate_limit}


@router.get("/admin/keys", dependencies=[Depends(needs("keys.manage"))], tags=["admin"])
async def list_keys(request: Request) -> Response:
    keys = _state(request).keys.list()
    return _json({"object": "list", "data": [_key_json(k) for k in keys]})


@router.post("/admin/keys", dependencies=[Depends(needs("keys.manage"))], tags=["admin"])
async def create_key(body: KeyRequest, request: Request) -> Response:
    """A new key; the key itself is in this answer only."""
    key, secret = _state(request).keys.create(body.name, body.rate_limit, body.role)
    return _json({**_key_json(key), "key": secret}, 201)


@router.delete("/admin/keys/{key_id}", dependencies=[Depends(needs("keys.manage"))],
               tags=["admin"])
async def revoke_key(key_id: str, request: Request) -> Response:
    return _json(_key_json(_state(request).keys.revoke(key_id)))


# -- models and settings -----------------------------------------------------------------------

@router.get("/admin/models", dependencies=[Depends(needs("models.manage"))], tags=["admin"])
async def list_local_models(request: Request) -> Response:
    """The models on this machine and whether their signatures were found (not hashed here)."""
    from app.services.models import list_models

    entries = await asyncio.to_thread(list_models, _state(request).ctx)
    return _json({"object": "list", "data": [
        {"id": e.path.stem, "file": e.name, "status": e.status, "reason": e.reason,
         "default": e.is_default} for e in entries]})


class SettingValue(BaseModel):
    value: Any


def _settings_json(ctx: Any) -> dict[str, Any]:
    locked = ctx.settings.locked()
    return {name: {"value": value, "locked": name in locked}
            for name, value in ctx.settings.as_dict().items()}


@router.get("/admin/settings", dependencies=[Depends(needs("settings.manage"))], tags=["admin"])
async def read_settings(request: Request) -> Response:
    return _json(_settings_json(_state(request).ctx))


@router.put("/admin/settings/{name}", dependencies=[Depends(needs("settings.manage"))],
            tags=["admin"])
async def change_setting(name: str, body: SettingValue, request: Request) -> Response:
    """Change one setting; a setting the policy locks is refused with 403."""
    ctx = _state(request).ctx
    await asyncio.to_thread(ctx.settings.set, name, body.value)
    return _json({"name": name, "value": ctx.settings.get(name)})
