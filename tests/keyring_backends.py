"""Keyring backends for tests: keyring's real API over a folder or over nothing.

``FolderKeyring`` keeps each secret in a file under ``$AUTOGLM_TEST_KEYRING_DIR`` so
that a test and the subprocesses it starts (``PYTHON_KEYRING_BACKEND=
tests.keyring_backends.FolderKeyring``) share one keyring, never the developer's own.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

DIR_ENV = "AUTOGLM_TEST_KEYRING_DIR"


class FolderKeyring(KeyringBackend):
    @classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's class property
        # Only where a test asked for it: keyring offers every backend class it knows.
        if DIR_ENV not in os.environ:
            raise RuntimeError(f"{DIR_ENV} is not set")
        return 1

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = Path(folder) if folder else Path(os.environ.get(DIR_ENV, "."))

    def _file(self, service: str, username: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / hashlib.sha256(f"{service}\0{username}".encode()).hexdigest()

    def get_password(self, service: str, username: str) -> str | None:
        try:
            return self._file(service, username).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def set_password(self, service: str, username: str, password: str) -> None:
        target = self._file(service, username)
        tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(password)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def delete_password(self, service: str, username: str) -> None:
        try:
            self._file(service, username).unlink()
        except FileNotFoundError:
            raise PasswordDeleteError(username) from None


def use_folder_keyring(folder: Path) -> None:
    """Keep this process's secrets, and its children's, in ``folder``: for the tests, and
    for benches and screenshots that run the app on throwaway data, so that they never
    touch (or, on a machine without one, wait for) a real keyring."""
    import keyring

    os.environ[DIR_ENV] = str(folder)
    os.environ["PYTHON_KEYRING_BACKEND"] = f"{__name__}.FolderKeyring"
    keyring.set_keyring(FolderKeyring(folder))
