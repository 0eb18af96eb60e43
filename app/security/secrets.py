"""The one door for the app's secrets (database keys, sync keys and password, the audit key,
the installation identity): the OS keyring, or where a machine has none, a key file in the
config folder locked with a passphrase the user types.

Secrets never appear in a log line, an exception message or any output: errors name the
secret and the key store, never the value.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.errors import KeyringUnavailable
from app.files import atomic_write

log = logging.getLogger(__name__)

SERVICE = "open-autoglm"
PASSPHRASE_ENV = "AUTOGLM_PASSPHRASE"
VAULT_FILE = "secrets.locked"
MIN_PASSPHRASE = 8
# scrypt at N=2**17, r=8 takes 128 MiB and about half a second: once per session, and
# costly for anyone guessing passphrases for a stolen file.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
_AAD = b"open-autoglm secrets v1"
_NAME = re.compile(r"^[a-z][a-z0-9-]*(:[A-Za-z0-9-]+)?$")

INSTALLATION_ID = "installation-id"
DATABASE_KEY = "database-key"
SYNC_DATA_KEY = "sync-data-key"
SYNC_PASSWORD = "sync-password"
AUDIT_KEY = "audit-key"

NO_KEYRING = (
    "No system keyring was found ({why}), so Open-AutoGLM keeps its keys in {file}, "
    "locked with a passphrase you choose."
)


class PassphraseRequired(KeyringUnavailable):
    """The keys are in the passphrase-locked file and no passphrase was given."""

    exit_code = 44  # 42 is the safety filter's block


class WrongPassphrase(KeyringUnavailable):
    exit_code = 43


# Asked for a passphrase: ``creating`` is True when the locked file does not exist yet
# (ask twice, explain), False to unlock it. None means the user declined.
PassphrasePrompt = Callable[[bool], str | None]


@dataclass(frozen=True)
class KeyStoreInfo:
    """Where secrets live on this machine, for `doctor`, the GUI and error messages."""

    kind: Literal["keyring", "passphrase-file"]
    name: str  # the keyring backend's name, or the locked file's path
    unlocked: bool
    notice: str = ""  # why there is no keyring, said once in plain words

    def describe(self) -> str:
        if self.kind == "keyring":
            return f"the system keyring ({self.name})"
        return f"the passphrase-locked file {self.name}"


def keyring_problem() -> str | None:
    """Why the OS keyring cannot be used here, or None when it can.

    keyring's fail backend (no Secret Service, no KWallet, no macOS/Windows store)
    and keyrings.alt's backends, which keep secrets in plain-text or home-made files,
    are both refused.
    """
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError as exc:
        return f"the keyring package is missing: {exc}"
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return "no keyring service is running"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no keyring service is running"
    if type(backend).__module__.startswith("keyrings.alt"):
        return f"{type(backend).__name__} from keyrings.alt keeps secrets in plain files"
    return None


class Secrets:
    """Named secrets of one user, through the keyring or the passphrase-locked file.

    The choice is made once: the locked file if it exists (so keys put there are
    never lost when a keyring appears later), else the keyring if one works, else
    the locked file, created on first write.
    """

    def __init__(
        self,
        config_dir: Path,
        ask_passphrase: PassphrasePrompt | None = None,
        backend: Any = None,
    ) -> None:
        """``backend``: a keyring backend to use instead of the one keyring chooses
        (one user's keyring among several in one process, as a multi-device test has)."""
        self.vault_path = Path(config_dir) / VAULT_FILE
        self._backend = backend
        self.ask_passphrase = ask_passphrase
        self._lock = threading.RLock()
        self._mode: Literal["keyring", "passphrase-file"] | None = None
        self._notice = ""
        self._vault: dict[str, str] | None = None
        self._vault_key: bytes | None = None
        self._vault_salt: bytes | None = None
        # The user was asked for a passphrase and chose to go on without one.
        self.declined = False
        self._file_lock: Any = None

    # -- where -------------------------------------------------------------------------

    def where(self) -> KeyStoreInfo:
        mode = self._choose()
        if mode == "keyring":
            import keyring

            backend = self._backend or keyring.get_keyring()
            name = getattr(backend, "name", type(backend).__name__)
            return KeyStoreInfo("keyring", str(name), True)
        return KeyStoreInfo(
            "passphrase-file", str(self.vault_path), self._vault is not None, self._notice
        )

    @property
    def needs_passphrase(self) -> bool:
        """True when the next use will ask the user for the passphrase (not when an
        unattended server gives it in the environment)."""
        return (self._choose() == "passphrase-file" and self._vault is None
                and not os.environ.get(PASSPHRASE_ENV))

    @property
    def vault_exists(self) -> bool:
        return self.vault_path.exists()

    def _choose(self) -> Literal["keyring", "passphrase-file"]:
        with self._lock:
            if self._mode is None:
                problem = (
                    None if self.vault_path.exists() or self._backend else keyring_problem()
                )
                if self.vault_path.exists():
                    self._mode = "passphrase-file"
                    self._notice = NO_KEYRING.format(
                        why="the keys were put in the locked file earlier", file=self.vault_path
                    )
                elif problem is None:
                    self._mode = "keyring"
                else:
                    self._mode = "passphrase-file"
                    self._notice = NO_KEYRING.format(why=problem, file=self.vault_path)
                    log.warning("%s", self._notice)
            return self._mode

    # -- get / set / delete ----------------------------------------------------------------

    def get(self, name: str) -> str | None:
        _check_name(name)
        if self._choose() == "keyring":
            return self._keyring_call("read", lambda kr: kr.get_password(SERVICE, name), name)
        return self._open_vault(create=False).get(name)

    def set(self, name: str, value: str) -> None:
        _check_name(name)
        if self._choose() == "keyring":
            self._keyring_call("save", lambda kr: kr.set_password(SERVICE, name, value), name)
            return
        with self._lock, self.creation_lock():
            vault = dict(self._latest_vault())
            vault[name] = value
            self._write_vault(vault)

    def delete(self, name: str) -> None:
        _check_name(name)
        if self._choose() == "keyring":
            import keyring.errors

            def drop(kr: Any) -> None:
                try:
                    kr.delete_password(SERVICE, name)
                except keyring.errors.PasswordDeleteError:
                    pass  # already gone

            self._keyring_call("delete", drop, name)
            return
        with self._lock, self.creation_lock():
            if not self.vault_path.exists():
                return
            vault = dict(self._latest_vault())
            if vault.pop(name, None) is not None:
                self._write_vault(vault)

    def get_bytes(self, name: str) -> bytes | None:
        value = self.get(name)
        return None if value is None else base64.b64decode(value)

    def set_bytes(self, name: str, value: bytes) -> None:
        self.set(name, base64.b64encode(value).decode("ascii"))

    def installation_id(self, *, create: bool = True) -> str | None:
        """This installation's identity (a random UUID kept with the other secrets)."""
        if not create:
            return self.get(INSTALLATION_ID)
        return self.get_or_create(INSTALLATION_ID, lambda: str(uuid.uuid4()))

    def get_or_create(self, name: str, make: Callable[[], str]) -> str:
        """The secret ``name``, made with ``make()`` and saved if there is none yet; the
        check and the save happen under a lock that other processes of this user
        honour too, so two of them starting at once never make two different ones."""
        with self._lock, self.creation_lock():
            found = self.get(name)
            if found is None:
                found = make()
                self.set(name, found)
            return found

    def get_or_create_bytes(self, name: str, make: Callable[[], bytes]) -> bytes:
        value = self.get_or_create(name, lambda: base64.b64encode(make()).decode("ascii"))
        return base64.b64decode(value)

    def creation_lock(self) -> Any:
        """An OS file lock in the config folder, held while a secret is made or the locked
        file rewritten (one lock object, so that holding it again in this thread is fine)."""
        if self._file_lock is None:
            from filelock import FileLock

            self.vault_path.parent.mkdir(parents=True, exist_ok=True)
            self._file_lock = FileLock(str(self.vault_path.with_name("secrets.lock")), timeout=60)
        return self._file_lock

    def _keyring_call(self, what: str, call: Callable[[Any], Any], name: str) -> Any:
        import keyring
        import keyring.errors

        try:
            return call(self._backend or keyring.get_keyring())
        except keyring.errors.KeyringError as exc:
            failure = type(exc).__name__
        # Raised outside the handler: the backend's exception may quote what was passed,
        # so it must not ride along as __context__ into a log or a crash dialog.
        raise KeyringUnavailable(
            f"The system keyring could not {what} the secret {name!r} ({failure}). "
            "Unlock your keyring (or log in to the desktop session that runs it) and try again."
        )

    # -- the passphrase-locked file ----------------------------------------------------------

    def decline(self) -> None:
        """The user chose to go on without a passphrase (the GUI's Cancel)."""
        self.declined = True

    def unlock(self, passphrase: str) -> None:
        """Unlock (or, if it does not exist yet, create) the locked file with ``passphrase``."""
        with self._lock:
            if self.vault_path.exists():
                self._vault = self._decrypt(passphrase)
            else:
                self._create_vault(passphrase)

    def _open_vault(self, *, create: bool) -> dict[str, str]:
        with self._lock:
            if self._vault is not None:
                return self._vault
            exists = self.vault_path.exists()
            if not exists and not create:
                return {}
            passphrase = os.environ.get(PASSPHRASE_ENV)
            if passphrase is None and self.ask_passphrase is not None:
                passphrase = self.ask_passphrase(not exists)
                self.declined = passphrase is None
            if passphrase is None:
                raise PassphraseRequired(
                    self._notice
                    + (" It is locked: " if exists else " It does not exist yet: ")
                    + "type the passphrase when asked, or for an unattended server set "
                    f"{PASSPHRASE_ENV} in its environment."
                )
            if exists:
                self._vault = self._decrypt(passphrase)
            else:
                self._create_vault(passphrase)
            assert self._vault is not None
            return self._vault

    def _create_vault(self, passphrase: str) -> None:
        if len(passphrase) < MIN_PASSPHRASE:
            raise WrongPassphrase(
                f"The passphrase must be at least {MIN_PASSPHRASE} characters long."
            )
        self._vault_salt = os.urandom(16)
        self._vault_key = derive_key(passphrase, self._vault_salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        self._write_vault({})
        log.info("created the passphrase-locked key file %s", self.vault_path)

    def _read_doc(self) -> tuple[bytes, tuple[int, int, int], bytes, bytes]:
        try:
            doc = json.loads(self.vault_path.read_text(encoding="utf-8"))
            kdf = doc["kdf"]
            params = (int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            return (base64.b64decode(kdf["salt"]), params, base64.b64decode(doc["nonce"]),
                    base64.b64decode(doc["ciphertext"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyringUnavailable(
                f"The key file {self.vault_path} is damaged ({type(exc).__name__}); restore it "
                "from a backup. It was left untouched."
            ) from None

    def _decrypt(self, passphrase: str) -> dict[str, str]:
        salt, (n, r, p), nonce, sealed = self._read_doc()
        key = derive_key(passphrase, salt, n, r, p)
        values = self._open_sealed(key, nonce, sealed)
        self._vault_key, self._vault_salt = key, salt
        return values

    def _open_sealed(self, key: bytes, nonce: bytes, sealed: bytes) -> dict[str, str]:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plain = AESGCM(key).decrypt(nonce, sealed, _AAD)
        except InvalidTag:
            raise WrongPassphrase(
                f"Wrong passphrase for {self.vault_path} (or the file was altered). "
                "Nothing was changed; try again."
            ) from None
        values = json.loads(plain.decode("utf-8"))
        return {str(k): str(v) for k, v in values.items()}

    def _latest_vault(self) -> dict[str, str]:
        """The locked file as it is on disk now (another process of this user may have
        added a secret since we read it), decrypted with the key this session unlocked."""
        self._open_vault(create=True)
        salt, _params, nonce, sealed = self._read_doc()
        if salt != self._vault_salt:
            raise KeyringUnavailable(
                f"The key file {self.vault_path} was replaced by another program while "
                "Open-AutoGLM was running; nothing was changed. Start Open-AutoGLM again."
            )
        assert self._vault_key is not None
        self._vault = self._open_sealed(self._vault_key, nonce, sealed)
        return self._vault

    def _write_vault(self, values: dict[str, str]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        assert self._vault_key is not None and self._vault_salt is not None
        nonce = os.urandom(12)
        sealed = AESGCM(self._vault_key).encrypt(
            nonce, json.dumps(values, sort_keys=True).encode("utf-8"), _AAD
        )
        doc = {
            "format": "open-autoglm secrets",
            "version": 1,
            "cipher": "AES-256-GCM",
            "kdf": {
                "name": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": base64.b64encode(self._vault_salt).decode("ascii"),
            },
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(sealed).decode("ascii"),
        }
        atomic_write(self.vault_path, json.dumps(doc, indent=1).encode("utf-8"), mode=0o600)
        self._vault = values


def derive_key(passphrase: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    """A 256-bit key from a passphrase (scrypt): for the locked key file and for wrapped keys."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"not a secret's name: {name!r}")
