"""API roles: what a key of each role may do on the API, built in and as the policy defines.

A permission names one kind of call; a role is a set of permissions. The
built-in roles are ``user`` (chat, complete, embed), ``auditor`` (also read
the audit log) and ``admin`` (also manage keys, models and settings). The
administrator's policy may add roles or redefine these three.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import ConfigError

# Every kind of API call a role may be allowed, in the order they are listed to the user.
PERMISSIONS: tuple[str, ...] = (
    "models",  # list the served model
    "chat",  # chat completions
    "completions",  # text completions
    "embeddings",
    "metrics",  # the Prometheus counters
    "audit.read",  # the audit log
    "keys.manage",  # make, list and revoke API keys
    "models.manage",  # list and check the models on this machine
    "settings.manage",  # read and change settings (never past the policy's locks)
)

_USER = ("models", "chat", "completions", "embeddings", "metrics")
_AUDITOR = (*_USER, "audit.read")
_ADMIN = (*_AUDITOR, "keys.manage", "models.manage", "settings.manage")

DEFAULT_ROLE = "user"
_ROLE_NAME = re.compile(r"[a-z][a-z0-9_\-]{0,31}")


@dataclass(frozen=True)
class Role:
    name: str
    permissions: frozenset[str]

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


BUILT_IN_ROLES: Mapping[str, Role] = {
    "user": Role("user", frozenset(_USER)),
    "auditor": Role("auditor", frozenset(_AUDITOR)),
    "admin": Role("admin", frozenset(_ADMIN)),
}


def check_role_name(name: str, roles: Mapping[str, Role]) -> str:
    """``name`` when ``roles`` defines it, else ConfigError listing the ones there are."""
    if name in roles:
        return name
    close = difflib.get_close_matches(name, list(roles), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"no role {name!r}{hint}: the roles are {', '.join(sorted(roles))}")


def parse_roles(raw: Any, fail: Callable[[str, str], Exception]) -> Mapping[str, Role]:
    """The policy's ``roles`` section: role name → list of permissions, merged over the
    built-in roles; ``fail(where, problem)`` makes the error for a mistake."""
    roles = dict(BUILT_IN_ROLES)
    if raw is None:
        return roles
    if not isinstance(raw, dict):
        raise fail("roles", "must be an object: role name → list of permissions")
    for name, perms in raw.items():
        where = f"roles.{name}"
        if not isinstance(name, str) or not _ROLE_NAME.fullmatch(name):
            raise fail(where, "must be named with lowercase letters, digits, - and _")
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            raise fail(where, f"must be a list of permissions ({', '.join(PERMISSIONS)})")
        for p in perms:
            if p not in PERMISSIONS:
                close = difflib.get_close_matches(p, PERMISSIONS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise fail(where, f"names an unknown permission {p!r}{hint}; permissions are "
                           f"{', '.join(PERMISSIONS)}")
        roles[name] = Role(name, frozenset(perms))
    return roles
