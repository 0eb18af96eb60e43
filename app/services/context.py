"""The app's shared state for one process: paths, settings, trust store, API keys, secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Paths, Settings, resolve_paths

if TYPE_CHECKING:
    from app.security.api_keys import ApiKeyStore
    from app.security.keys import TrustStore
    from app.security.secrets import Secrets
    from app.services.audit import AuditTrail


@dataclass
class AppContext:
    paths: Paths
    settings: Settings
    extra_model_dirs: list[Path] = field(default_factory=list)
    # Said once to the user when the store had to stay unencrypted (see services.storage).
    store_notice: str = ""

    @cached_property
    def trust(self) -> TrustStore:
        from app.security.keys import TrustStore

        return TrustStore([self.paths.trust_dir])

    @cached_property
    def secrets(self) -> Secrets:
        """The one door for secrets; each door sets ``ask_passphrase`` to its own prompt."""
        from app.security.secrets import Secrets

        return Secrets(self.paths.config)

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        """The local API server's keys (stored hashed): one store for `autoglm serve keys`,
        the Settings page and the server itself, which sees changes at once."""
        from app.security.api_keys import ApiKeyStore

        return ApiKeyStore(self.paths.data)

    @cached_property
    def audit(self) -> AuditTrail:
        """This process's audit trail (app.services.audit.record writes through it)."""
        from app.services.audit import AuditTrail

        return AuditTrail(self)

    def model_dirs(self) -> list[Path]:
        from app.catalog.catalog import model_dirs

        configured = [Path(p) for p in str(self.settings.get("model_dirs")).split(os.pathsep) if p]
        return model_dirs(self.paths, [*configured, *self.extra_model_dirs])


def open_context(data_dir: str | os.PathLike[str] | None = None) -> AppContext:
    paths = resolve_paths(data_dir).ensure()
    ctx = AppContext(paths, Settings.load(paths.settings_file))
    from app.services.policy import policy_locks

    ctx.settings.lock_with(policy_locks)  # the administrator's policy outranks every door
    ctx.settings.on_change(lambda name, value: ctx.audit.setting_changed(name, value))
    return ctx
