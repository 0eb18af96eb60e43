"""A device for the sync tests: its own data folder, keyring and store, in this process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import false, select

from app.security.secrets import Secrets
from app.services import sync
from app.services.context import AppContext
from app.store.schema import Message
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
        with self.store.repo(write=False) as repo:
            conversations = repo.list_conversations(limit=100_000)
        out: dict[str, dict[str, Any]] = {
            conv.id: {"title": conv.title, "summary": conv.summary, "messages": {}}
            for conv in conversations
        }
        # The rows get_all_messages reads for each of them (live, oldest first), in one
        # query: the random test asks this after every sync, of up to a hundred conversations.
        with self.store.session(write=False) as session:
            rows = session.execute(
                select(Message.conversation_id, Message.id, Message.parent_id, Message.role,
                       Message.content)
                .where(Message.deleted == false())
                .order_by(Message.pk)
            )
            for conversation_id, mid, parent_id, role, content in rows:
                if conversation_id in out:
                    out[conversation_id]["messages"][mid] = (parent_id, role, content)
        return out

    def close(self) -> None:
        self.store.close()
