"""Ed25519 signing keys and the trust store: the public keys whose signatures we accept."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from app.config import RESOURCES_DIR, Paths
from app.errors import ConfigError, UntrustedSigner
from app.files import atomic_write

log = logging.getLogger(__name__)

KEY_TAG = "autoglm-ed25519"
PASSPHRASE_ENV = "AUTOGLM_KEY_PASSPHRASE"
SHIPPED_TRUST_DIR = RESOURCES_DIR / "trust"
UNTRUSTED_FILE = "untrusted.txt"


@dataclass(frozen=True)
class KeyInfo:
    """A public key: its id (first 16 hex digits of SHA-256 of the raw key), name and bytes."""

    key_id: str
    name: str
    public_bytes: bytes
    source: Path | None = None  # the .pub file it was read from
    private_path: Path | None = None  # set by generate_key

    def public_line(self) -> str:
        """The one-line ``.pub`` text: ``autoglm-ed25519 <base64 key> <name>``."""
        b64 = base64.b64encode(self.public_bytes).decode("ascii")
        return f"{KEY_TAG} {b64} {self.name}".rstrip()

    @property
    def public_path(self) -> Path | None:
        """The ``.pub`` file this key was read from or written to."""
        return self.source

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_bytes)


def key_id_for(public_bytes: bytes) -> str:
    """The short id that names a key in manifests and file names."""
    return hashlib.sha256(public_bytes).hexdigest()[:16]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """What a signed JSON document's signature covers (a model manifest, the administrator's
    policy): every field but ``signature``, as sorted compact UTF-8 JSON."""
    body = {k: v for k, v in fields.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_fields(key: Ed25519PrivateKey, fields: Mapping[str, Any]) -> str:
    """The base64 Ed25519 signature of ``fields`` in their canonical form."""
    return base64.b64encode(key.sign(canonical_bytes(fields))).decode("ascii")


def signer_id(key: Ed25519PrivateKey) -> str:
    """The key id a document signed with ``key`` names as its signer."""
    return key_id_for(_raw_public(key.public_key()))


def parse_public_key(text: str, source: Path | None = None) -> KeyInfo:
    """Read the ``.pub`` text format; ConfigError when it is not one."""
    where = str(source) if source else "public key"
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    expected = f"expected '{KEY_TAG} <base64 key> <name>'"
    if len(lines) != 1:
        raise ConfigError(f"{where}: not an autoglm public key ({expected})")
    parts = lines[0].split(maxsplit=2)
    if len(parts) < 2 or parts[0] != KEY_TAG:
        raise ConfigError(f"{where}: not an autoglm public key ({expected})")
    try:
        raw = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"{where}: the key is not 32 bytes of base64 ({expected})")
    return KeyInfo(key_id_for(raw), parts[2] if len(parts) > 2 else "", raw, source)


def generate_key(keys_dir: Path, name: str, passphrase: str | None = None) -> KeyInfo:
    """Create a signing key: ``<key_id>.key`` (PKCS8 PEM, mode 0600) and ``<key_id>.pub``.

    The private key is encrypted with ``passphrase``, else with
    ``$AUTOGLM_KEY_PASSPHRASE`` when that is set, else stored unencrypted.
    """
    name = " ".join(name.split())
    private = Ed25519PrivateKey.generate()
    raw = _raw_public(private.public_key())
    key_id = key_id_for(raw)
    secret = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret.encode("utf-8"))
        if secret
        else serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path = keys_dir / f"{key_id}.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        if hasattr(os, "fchmod"):
            os.fchmod(fh.fileno(), 0o600)  # whatever the umask
        fh.write(pem)
    info = KeyInfo(key_id, name, raw, keys_dir / f"{key_id}.pub", key_path)
    atomic_write(keys_dir / f"{key_id}.pub", (info.public_line() + "\n").encode("utf-8"))
    return info


def key_is_encrypted(key_file: Path) -> bool:
    """True when the PEM file at ``key_file`` is locked with a passphrase."""
    try:
        return b"ENCRYPTED PRIVATE KEY" in Path(key_file).read_bytes()[:64]
    except OSError:
        return False


def load_private_key(key_file: Path, passphrase: str | None = None) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key, decrypting with ``passphrase`` or ``$AUTOGLM_KEY_PASSPHRASE``."""
    try:
        data = Path(key_file).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read signing key {key_file}: {exc.strerror or exc}") from None
    secret = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(data, secret.encode("utf-8") if secret else None)
    except TypeError:
        msg = f"signing key {key_file} is encrypted: set {PASSPHRASE_ENV}"
        if secret:
            msg = f"signing key {key_file} is not encrypted: unset {PASSPHRASE_ENV}"
        raise ConfigError(msg) from None
    except ValueError:
        raise ConfigError(
            f"cannot read signing key {key_file}: not a PEM key, or a wrong passphrase"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"signing key {key_file} is not an Ed25519 key")
    return key


# ---------------------------------------------------------------- trust store


def system_trust_dir() -> Path:
    """Model-signing keys an organisation installs for every user of the machine: the
    ``trust`` folder beside the administrator's policy (an organisation build of the
    package puts its extra keys there). Only an administrator can write it; a user may
    still untrust one of its keys for themselves."""
    from app.security.policy_location import policy_path

    return policy_path().with_name("trust")


class TrustStore:
    """The public keys whose signatures we accept.

    Keys are the ``*.pub`` files in the shipped ``resources/trust`` and the machine's
    ``trust`` folder beside the administrator's policy (unless ``include_shipped`` is
    False), and in ``dirs`` (the user's trust folder,
    any folder the policy names), plus ``extra_keys`` (``.pub`` paths or
    text). ``trust`` and ``untrust`` write to ``user_dir`` (default: the last
    of ``dirs`` that is not the shipped folder); untrusting a key that comes
    from elsewhere records its id in ``untrusted.txt`` there, which outranks
    every folder.
    """

    def __init__(
        self,
        dirs: Sequence[Path],
        user_dir: Path | None = None,
        extra_keys: Iterable[str | os.PathLike[str]] = (),
        *,
        include_shipped: bool = True,
    ) -> None:
        shipped = os.path.realpath(SHIPPED_TRUST_DIR)
        own = [Path(d) for d in dirs if os.path.realpath(d) != shipped]
        machine = system_trust_dir()
        installed = [SHIPPED_TRUST_DIR] + (
            [machine] if os.path.realpath(machine) not in {os.path.realpath(d) for d in own}
            else [])
        self.dirs = [*installed, *own] if include_shipped else own
        self.user_dir = user_dir if user_dir is not None else (own[-1] if own else None)
        self._extra = list(extra_keys)
        self._keys: dict[str, KeyInfo] = {}
        self._untrusted: set[str] = set()
        self.reload()

    @classmethod
    def for_paths(
        cls, paths: Paths, extra_keys: Iterable[str | os.PathLike[str]] = ()
    ) -> TrustStore:
        """The shipped keys, the user's trusted keys, and ``extra_keys`` (e.g. from policy)."""
        return cls([paths.trust_dir], paths.trust_dir, extra_keys)

    def reload(self) -> None:
        keys: dict[str, KeyInfo] = {}
        for d in self.dirs:
            try:
                files = sorted(d.glob("*.pub"))
            except OSError as exc:
                log.warning("cannot read trust folder %s: %s", d, exc)
                continue
            for f in files:
                try:
                    info = parse_public_key(f.read_text(encoding="utf-8"), f)
                except (OSError, UnicodeDecodeError, ConfigError) as exc:
                    log.warning("ignoring trusted key file %s: %s", f, exc)
                    continue
                keys.setdefault(info.key_id, info)
        for extra in self._extra:
            try:
                info = _read_key_arg(extra)
            except (OSError, UnicodeDecodeError, ConfigError) as exc:
                log.warning("ignoring extra trusted key: %s", exc)
                continue
            keys.setdefault(info.key_id, info)
        self._keys = keys
        self._untrusted = self._read_untrusted()

    def _read_untrusted(self) -> set[str]:
        if self.user_dir is None:
            return set()
        try:
            text = (self.user_dir / UNTRUSTED_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            return set()
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read %s: %s", self.user_dir / UNTRUSTED_FILE, exc)
            return set()
        return {ln.split("#", 1)[0].strip() for ln in text.splitlines()} - {""}

    def _write_untrusted(self, ids: set[str]) -> None:
        assert self.user_dir is not None
        body = "".join(f"{k}\n" for k in sorted(ids))
        atomic_write(self.user_dir / UNTRUSTED_FILE, body.encode("utf-8"))

    def _require_user_dir(self) -> Path:
        if self.user_dir is None:
            raise ConfigError("no user trust folder: cannot change which keys are trusted")
        self.user_dir.mkdir(parents=True, exist_ok=True)
        return self.user_dir

    def trust(self, pub: str | os.PathLike[str] | KeyInfo) -> KeyInfo:
        """Trust a key given as a ``.pub`` file, its text or a KeyInfo; saved in the user's folder."""
        info = pub if isinstance(pub, KeyInfo) else _read_key_arg(pub)
        user_dir = self._require_user_dir()
        target = user_dir / f"{info.key_id}.pub"
        atomic_write(target, (info.public_line() + "\n").encode("utf-8"))
        if info.key_id in self._untrusted:
            self._write_untrusted(self._untrusted - {info.key_id})
        self.reload()
        return self._keys.get(info.key_id, info)

    def untrust(self, key_id: str) -> None:
        """Stop trusting a key, wherever it came from."""
        if key_id not in self._keys or key_id in self._untrusted:
            raise ConfigError(f"no trusted key {key_id!r}")
        user_dir = self._require_user_dir()
        for f in user_dir.glob("*.pub"):
            try:
                if parse_public_key(f.read_text(encoding="utf-8"), f).key_id == key_id:
                    f.unlink()
            except (OSError, UnicodeDecodeError, ConfigError):
                continue
        self.reload()
        if key_id in self._keys:  # still provided by a shipped or policy folder
            self._write_untrusted(self._untrusted | {key_id})
            self.reload()

    def list(self) -> list[KeyInfo]:
        """Trusted keys, by name then id."""
        keys = [k for k in self._keys.values() if k.key_id not in self._untrusted]
        return sorted(keys, key=lambda k: (k.name.casefold(), k.key_id))

    def key(self, key_id: str) -> KeyInfo | None:
        if key_id in self._untrusted:
            return None
        return self._keys.get(key_id)

    def is_trusted(self, key_id: str) -> bool:
        return self.key(key_id) is not None

    def public_key(self, key_id: str) -> Ed25519PublicKey:
        info = self.key(key_id)
        if info is None:
            raise UntrustedSigner(f"key {key_id} is not in the trust store")
        return info.public_key()


def _read_key_arg(pub: str | os.PathLike[str]) -> KeyInfo:
    if isinstance(pub, str) and pub.lstrip().startswith(KEY_TAG):
        return parse_public_key(pub)
    path = Path(pub)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"cannot read public key {path}: {why}") from None
    return parse_public_key(text, path)
