"""The administrator's policy as every door shows it: which settings it locks."""

from __future__ import annotations

from app.errors import ConfigError
from app.security.policy import load_policy, policy_path


def locked_settings() -> dict[str, str]:
    """Setting name → the policy file that locks it to its safe value (False).

    A policy that cannot be read locks what it could have locked: it fails closed,
    as loading does.
    """
    try:
        policy = load_policy()
    except ConfigError:
        return {"allow_unsigned": str(policy_path())}
    locks = {}
    if not policy.allow_unsigned_models:
        locks["allow_unsigned"] = policy.source
    return locks
