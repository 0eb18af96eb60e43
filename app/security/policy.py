"""The administrator's policy: what a user may not change.

For now it answers one question — may unsigned models load? — from a policy
file in the system config dir (``AUTOGLM_POLICY_FILE`` overrides the path).
Signed policy files, pinned keys, allowed models and filter levels arrive with
the policy issue; every caller already asks here, so they will apply to every
door at once.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.config import APP_NAME
from app.errors import ConfigError, UnsignedNotAllowed
from app.security.safety.rules import SafetyRules, parse_safety

log = logging.getLogger(__name__)
POLICY_ENV = "AUTOGLM_POLICY_FILE"


@dataclass(frozen=True)
class Policy:
    allow_unsigned_models: bool = True  # the user may still opt in per load
    safety: SafetyRules = field(default_factory=SafetyRules)  # the safety filter's actions
    # Store nothing in clear: where no key store can be had, refuse to store at all.
    require_encryption: bool = False
    source: str = "default"


def policy_path() -> Path:
    env = os.environ.get(POLICY_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "policy.json"


def load_policy() -> Policy:
    path = policy_path()
    if not path.exists():
        return Policy()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        # A policy we cannot read must fail closed, not open.
        raise ConfigError(f"the administrator's policy {path} cannot be read: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"the administrator's policy {path} must be a JSON object, not "
                          f"{type(raw).__name__}")
    safety = parse_safety(raw.get("safety"), str(path))
    allow = raw.get("allow_unsigned_models", True)
    if not isinstance(allow, bool):
        raise ConfigError(f"the administrator's policy {path}: allow_unsigned_models must be true or false")
    require = raw.get("require_encryption", False)
    if not isinstance(require, bool):
        raise ConfigError(f"the administrator's policy {path}: require_encryption must be true or false")
    return Policy(allow_unsigned_models=allow, require_encryption=require, safety=safety, source=str(path))


def check_allow_unsigned(requested: bool, policy: Policy | None = None) -> bool:
    """The one switch for loading unsigned models: the user's wish, unless policy forbids."""
    if not requested:
        return False
    policy = policy or load_policy()
    if not policy.allow_unsigned_models:
        raise UnsignedNotAllowed(
            f"unsigned models are not allowed by the administrator's policy ({policy.source})"
        )
    return True
