"""The administrator's policy as every door applies it: checked at start-up (and audited),
the settings it locks, the API roles it grants, and the administrators' own commands."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import ConfigError, PolicyViolation
from app.security.policy import (
    Policy,
    PolicyRejected,
    admin_key_path,
    load_policy,
    parse_json,
    policy_path,
    policy_text,
    read_policy,
    sign_policy,
)
from app.security.roles import DEFAULT_ROLE

if TYPE_CHECKING:
    from app.security.api_keys import ApiKey
    from app.services.context import AppContext

log = logging.getLogger(__name__)

# What a policy that cannot be read still locks: it fails closed, as start-up does.
FAIL_CLOSED_LOCKS: Mapping[str, Any] = {"allow_unsigned": False, "api_allow_network": False}

_CHECKED = "_policy_checked"  # where a context keeps the policy its door checked


class RoleForbidden(PolicyViolation):
    """An API key's role does not allow the call."""

    http_status = 403
    code = "role_forbidden"


class KeyRequired(RoleForbidden):
    """A call no one may make without a key whose role allows it (administration, the audit
    log), made without one."""

    http_status = 401
    code = "missing_api_key"


def record(ctx: AppContext, *args: Any, **kw: Any) -> None:
    from app.services import audit  # only when something is recorded: reading settings stays cheap

    audit.record(ctx, *args, **kw)


def enforce_policy(ctx: AppContext) -> Policy:
    """The policy in force, checked once per app context as a door starts; a policy that is
    there and cannot be used raises its PolicyRejected (the door stops), and either way the
    outcome is audited."""
    done: Policy | None = vars(ctx).get(_CHECKED)
    if done is not None:
        return done
    try:
        policy = load_policy()
    except PolicyRejected as err:
        record(ctx, "policy.reject", "policy", "refused",
               {"error": err.code, "file": str(policy_path())})
        raise
    if policy.source != "default":  # a file was read: say which, and who signed it
        record(ctx, "policy.load", "policy", "ok",
               {"file": policy.source, "sha256": policy.sha256, "signer": policy.signer})
    vars(ctx)[_CHECKED] = policy
    return policy


def policy_locks() -> Mapping[str, Any]:
    """Setting name → the value the policy holds it at (the settings' lock provider)."""
    try:
        return load_policy().locks()
    except ConfigError:
        return FAIL_CLOSED_LOCKS


def locked_settings() -> dict[str, str]:
    """Setting name → the policy file that locks it (what the GUI shows beside it)."""
    try:
        policy = load_policy()
    except ConfigError:
        return dict.fromkeys(FAIL_CLOSED_LOCKS, str(policy_path()))
    return dict.fromkeys(policy.locks(), policy.source)


# -- roles on the API --------------------------------------------------------------------------

def role_of(key: ApiKey | None) -> str:
    return getattr(key, "role", None) or DEFAULT_ROLE


def authorize(ctx: AppContext, key: ApiKey | None, permission: str, route: str) -> None:
    """RoleForbidden (audited) unless ``key``'s role, as the policy defines it, allows
    ``permission``. Where the server lets callers in without a key (on loopback, before any
    key is made) they may do what the built-in ``user`` may, and never read the audit log
    or administer."""
    from app.security.roles import BUILT_IN_ROLES
    from app.services.audit import api_actor

    if key is None:
        if BUILT_IN_ROLES[DEFAULT_ROLE].allows(permission):
            return
        role_name = None
    else:
        role_name = role_of(key)
        role = load_policy().roles.get(role_name)
        if role is not None and role.allows(permission):
            return
    record(ctx, "api.role_refused", f"route:{route[:200]}", "refused",
           {"permission": permission, "role": role_name, "key": key.key_id if key else None},
           actor=api_actor(key.key_id if key else None))
    if key is None:
        raise KeyRequired(f"{route} needs an API key whose role allows {permission!r} "
                          "(`autoglm serve keys create NAME --role ROLE`)")
    raise RoleForbidden(f"The role {role_name!r} of key {key.key_id} does not allow "
                        f"{permission!r} ({route}).")


def role_names() -> list[str]:
    """The roles an API key may have: the built-in ones first, then the policy's."""
    try:
        roles = load_policy().roles
    except ConfigError:
        roles = {}
    builtin = [r for r in ("user", "auditor", "admin") if r in roles]
    return builtin + sorted(set(roles) - set(builtin)) if roles else ["user"]


def require_role(name: str) -> str:
    """``name`` if the policy defines such a role, else ConfigError listing them."""
    from app.security.roles import check_role_name

    return check_role_name(name, load_policy().roles)


# -- for administrators ------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyReport:
    """A policy file checked for an administrator: where, by whom, and what it says."""

    path: Path
    admin_key: Path
    exists: bool
    policy: Policy

    def as_dict(self) -> dict[str, Any]:
        p = self.policy
        return {
            "file": str(self.path), "admin_key": str(self.admin_key), "exists": self.exists,
            "signer": p.signer, "signed_at": p.signed_at, "sha256": p.sha256,
            "allow_unsigned_models": p.allow_unsigned_models,
            "require_encryption": p.require_encryption,
            "trusted_keys": list(p.trusted_keys), "allowed_models": sorted(p.allowed_models),
            "safety": {"actions": {c: dict(a) for c, a in p.safety.actions.items()},
                       "organisation": [r.name for r in p.safety.org]},
            "sync_server": p.sync_server, "sync_ca_bundle": p.sync_ca_bundle,
            "retention_days": p.retention_days, "audit_content": p.audit_content,
            "serve_off_loopback": p.serve_off_loopback,
            "health_probe_open": p.health_probe_open,
            "roles": {name: sorted(r.permissions) for name, r in sorted(p.roles.items())},
            "locked_settings": p.locks(),
            "tools": {"enabled": p.tools.enabled,
                      "allowed": None if p.tools.allowed is None else list(p.tools.allowed),
                      "mcp_servers": p.tools.mcp_servers,
                      "api_function_calling": p.tools.api_function_calling},
        }


def policy_report() -> PolicyReport:
    """The policy in force, for showing (PolicyRejected when it cannot be used)."""
    path = policy_path()
    policy = load_policy(path)
    return PolicyReport(path, admin_key_path(path), policy.source != "default", policy)


def check_policy_file(ctx: AppContext, path: Path | None = None,
                      admin_key: Path | None = None) -> PolicyReport:
    """The policy file checked as start-up would (default: the one in force), audited;
    PolicyRejected says why it would stop the app."""
    path = path or policy_path()
    admin_key = admin_key or admin_key_path(path)
    if not path.exists():
        return PolicyReport(path, admin_key, False, Policy())
    try:
        policy = read_policy(path, admin_key)
    except PolicyRejected as err:
        record(ctx, "policy.verify", "policy", "refused", {"error": err.code, "file": str(path)})
        raise
    record(ctx, "policy.verify", "policy", "ok",
           {"file": str(path), "sha256": policy.sha256, "signer": policy.signer})
    return PolicyReport(path, admin_key, True, policy)


def sign_policy_file(ctx: AppContext, source: Path, key_file: Path, output: Path | None = None,
                     passphrase: str | None = None) -> tuple[Path, str]:
    """Check the policy in ``source`` and write it signed to ``output`` (default: in place);
    returns where it went and the signer's key id. Audited."""
    from app.files import atomic_write

    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror or exc}") from None
    signed = sign_policy(parse_json(raw, source), key_file, passphrase)
    target = output or source
    atomic_write(target, policy_text(signed).encode("utf-8"))
    record(ctx, "policy.sign", "policy", "ok", {"file": str(target), "signer": signed["signer"]})
    return target, str(signed["signer"])


def policy_json(report: PolicyReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
