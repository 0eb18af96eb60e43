"""Where the administrator's policy lives: the system config folder (or the file named by
``AUTOGLM_POLICY_FILE``), with the administrator's public key beside it. Read by the policy
itself, and by the trust store for the machine's ``trust`` folder next to it."""

from __future__ import annotations

import os
from pathlib import Path

from app.config import APP_NAME

POLICY_ENV = "AUTOGLM_POLICY_FILE"
ADMIN_KEY_FILE = "policy-admin.pub"  # the administrator's public key, beside the policy


def policy_path() -> Path:
    env = os.environ.get(POLICY_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "policy.json"


def admin_key_path(policy_file: Path | None = None) -> Path:
    return (policy_file or policy_path()).with_name(ADMIN_KEY_FILE)
