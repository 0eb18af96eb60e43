"""What leaves the machine for the sync server: sealed with AES-256-GCM under the data key.

The server sees random-looking resource names (an HMAC of the conversation id under a
key derived from the data key) and ciphertext; titles included, nothing is readable.
Each payload is bound to its resource name and revision (associated data), so the
server cannot swap one resource's content for another's without it showing.

A second device gets the data key through an enrolment file: the key wrapped with a
passphrase (scrypt, then AES-GCM), moved by the user, opened with the same passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from app.errors import AppError
from app.security.secrets import MIN_PASSPHRASE, SCRYPT_N, SCRYPT_P, SCRYPT_R, derive_key

MAGIC = b"AGS1"
_HEADER = struct.Struct(">4s12sQ")  # magic, nonce, revision
KEYCHECK_NAME = "keycheck"
KEYCHECK_TEXT = b"open-autoglm sync v1"
ENROL_FORMAT = "open-autoglm-sync-key/1"


class SyncKeyError(AppError):
    """This device cannot read the server's data (another data key, or damage)."""

    exit_code = 82
    code = "sync_key"


class DamagedRecord(SyncKeyError):
    """A resource in our format that does not open: cut short by a dropped upload on a
    server that keeps partial files, or altered. Devices holding the conversation write
    it again from their own copy."""


class EnrolmentError(AppError):
    exit_code = 83
    code = "sync_enrolment"


@dataclass(frozen=True)
class DataKey:
    """The data key and the two keys derived from it (encryption and naming)."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise SyncKeyError("the sync data key must be 32 bytes")

    @property
    def _enc(self) -> bytes:
        return hmac.new(self.raw, b"encrypt", hashlib.sha256).digest()

    @property
    def _names(self) -> bytes:
        return hmac.new(self.raw, b"names", hashlib.sha256).digest()

    def fingerprint(self) -> str:
        """A short public id of the key, to tell devices' keys apart (reveals nothing)."""
        return hmac.new(self.raw, b"fingerprint", hashlib.sha256).hexdigest()[:12]

    def resource_name(self, record_id: str) -> str:
        """The server's name for a record: the same on every device, meaningless to the server."""
        return hmac.new(self._names, record_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def seal(self, name: str, revision: int, payload: dict[str, Any]) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        header = _HEADER.pack(MAGIC, nonce, revision)
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return header + AESGCM(self._enc).encrypt(nonce, plain, header + name.encode("ascii"))

    def open(self, name: str, blob: bytes) -> tuple[int, dict[str, Any]]:
        """The revision and payload of a sealed resource; SyncKeyError if it is not ours."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(blob) < _HEADER.size + 16 or not blob.startswith(MAGIC):
            raise DamagedRecord(f"the server's copy of {name} is not a whole Open-AutoGLM record")
        header = blob[: _HEADER.size]
        _, nonce, revision = _HEADER.unpack(header)
        try:
            plain = AESGCM(self._enc).decrypt(
                nonce, blob[_HEADER.size :], header + name.encode("ascii")
            )
        except InvalidTag:
            raise DamagedRecord(
                f"the server's copy of {name} cannot be decrypted with this device's sync key "
                "(cut short, altered, or under another key)"
            ) from None
        try:
            payload = json.loads(plain)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise DamagedRecord(f"the server's copy of {name} is damaged")
        return revision, payload

    def keycheck(self) -> bytes:
        return self.seal(KEYCHECK_NAME, 0, {"check": KEYCHECK_TEXT.decode()})

    def verify_keycheck(self, blob: bytes) -> None:
        try:
            _, payload = self.open(KEYCHECK_NAME, blob)
        except SyncKeyError:
            raise SyncKeyError(
                "the data on the sync server was encrypted with another device's sync key: "
                "enrol this device with a key exported from a device that already syncs "
                "(autoglm sync enroll --export on that one, --import here)"
            ) from None
        if payload.get("check") != KEYCHECK_TEXT.decode():
            raise SyncKeyError("the sync server's key check is damaged")


def new_data_key() -> bytes:
    return os.urandom(32)


def wrap_key(key: bytes, passphrase: str) -> str:
    """The enrolment file's text: ``key`` wrapped under ``passphrase``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < MIN_PASSPHRASE:
        raise EnrolmentError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapping = derive_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(wrapping).encrypt(nonce, key, ENROL_FORMAT.encode())
    doc = {
        "format": ENROL_FORMAT,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "key": _b64(sealed),
        "fingerprint": DataKey(key).fingerprint(),
    }
    return json.dumps(doc, indent=1) + "\n"


def unwrap_key(text: str, passphrase: str) -> bytes:
    """The data key from an enrolment file; EnrolmentError names what is wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != ENROL_FORMAT:
            raise ValueError
        kdf = doc["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if kdf.get("name") != "scrypt" or not (2**14 <= n <= 2**20 and r <= 16 and p <= 4):
            raise ValueError
        salt, nonce, sealed = (base64.b64decode(doc[k]) for k in ("salt", "nonce", "key"))
    except (ValueError, KeyError, TypeError):
        raise EnrolmentError("this is not an Open-AutoGLM sync key file") from None
    try:
        key = AESGCM(derive_key(passphrase, salt, n, r, p)).decrypt(
            nonce, sealed, ENROL_FORMAT.encode()
        )
    except InvalidTag:
        raise EnrolmentError("wrong passphrase for this sync key file") from None
    if len(key) != 32:
        raise EnrolmentError("this sync key file is damaged")
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
