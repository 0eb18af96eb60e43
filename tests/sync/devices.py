"""A device for the sync tests: its own data folder, keyring and store, in this process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from app.security.secrets import Secrets
from app.services import sync
from app.services.context import AppContext
from app.store.store import Store
from tests.keyring_backends import FolderKeyring
from tests.sync.dav_server import DavServer


class Device:
    def __init__(self, folder: Path, template: Path, dav: DavServer) -> None:
        from app.config import Settings, resolve_paths
        from app.services.storage import open_user_store

        self.dav = dav
        paths = resolve_paths(folder / "data").ensure()
        self.ctx = AppContext(paths, Settings.load(paths.settings_file))
        self.keyring_dir = folder / "keyring"
        self.ctx.__dict__["secrets"] = Secrets(paths.config, backend=FolderKeyring(self.keyring_dir))
        shutil.copyfile(template, paths.database)
        self.store: Store = open_user_store(self.ctx)

    def set_up(self, password: str | None = None) -> None:
        sync.setup(self.ctx, self.dav.url, self.dav.user, password or self.dav.password)

    def sync(self) -> sync.SyncReport:
        return sync.sync_now(self.ctx, self.store)

    def enrol_from(self, other: Device, passphrase: str = "enrol me please") -> None:
        sync.import_key(self.ctx, sync.export_key(other.ctx, passphrase), passphrase, self.store)

    # --- what the user sees -------------------------------------------------------------

    def conversations(self) -> dict[str, dict[str, Any]]:
        """Every live conversation: title, summary and its live messages (id → text)."""
        out = {}
        with self.store.repo(write=False) as repo:
            for conv in repo.list_conversations(limit=100_000):
                messages = {m.id: (m.parent_id, m.role, m.content) for m in repo.get_all_messages(conv.id)}
                out[conv.id] = {"title": conv.title, "summary": conv.summary, "messages": messages}
        return out

    def close(self) -> None:
        self.store.close()
