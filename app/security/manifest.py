"""Signed model manifests: their format, where they are found, how they are read and written.

A manifest (``<model>.manifest.json``) records a GGUF file's name, size,
SHA-256 and metadata summary, who signed it and when; the signature covers a
canonical JSON encoding of every other field.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.catalog.gguf_info import read_model_info
from app.config import RESOURCES_DIR
from app.errors import AppError, MalformedManifest
from app.files import atomic_write
from app.security.hashing import Progress, hash_open_file
from app.security.keys import canonical_bytes, load_private_key, sign_fields, signer_id

MANIFEST_FORMAT = "autoglm-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
SHIPPED_MANIFEST_DIR = RESOURCES_DIR / "manifests"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest; ``fields`` is the whole JSON object as read."""

    source: Path
    fields: dict[str, Any]
    file_name: str
    size: int
    sha256: str
    metadata: dict[str, Any]
    signer: str
    signed_at: str
    signature: bytes

    def signed_bytes(self) -> bytes:
        return canonical_bytes(self.fields)


def manifest_path_for(model: Path) -> Path:
    return model.with_name(model.name + MANIFEST_SUFFIX)


def find_manifest(model: Path, shipped_dirs: Sequence[Path] | None = None) -> Path | None:
    """The manifest beside the model, else a shipped one for its file name."""
    beside = manifest_path_for(model)
    if beside.is_file():
        return beside
    for d in (SHIPPED_MANIFEST_DIR,) if shipped_dirs is None else shipped_dirs:
        shipped = Path(d) / (model.name + MANIFEST_SUFFIX)
        if shipped.is_file():
            return shipped
    return None


def load_manifest(path: Path, model_name: str | None = None) -> Manifest:
    """Parse and type-check a manifest; MalformedManifest says what is wrong."""
    who = model_name or path.name.removesuffix(MANIFEST_SUFFIX)

    def bad(why: str) -> MalformedManifest:
        return MalformedManifest(f"{who}: malformed manifest {path.name}: {why}")

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise bad(f"cannot read it ({exc.strerror or exc})") from None
    try:
        fields = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad(f"not valid JSON ({exc})") from None
    if not isinstance(fields, dict):
        raise bad("not a JSON object")
    expected: dict[str, type | tuple[type, ...]] = {
        "format": str,
        "file_name": str,
        "size": int,
        "sha256": str,
        "metadata": dict,
        "signer": str,
        "signed_at": str,
        "signature": str,
    }
    missing = [k for k in expected if k not in fields]
    if missing:
        raise bad(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    for k, t in expected.items():
        v = fields[k]
        if not isinstance(v, t) or isinstance(v, bool):
            raise bad(f"field {k} must be {t.__name__ if isinstance(t, type) else t}")
    if fields["format"] != MANIFEST_FORMAT:
        raise bad(f"unknown format {fields['format']!r} (expected {MANIFEST_FORMAT!r})")
    name = fields["file_name"]
    if not name or "/" in name or "\\" in name:
        raise bad("file_name must be a plain file name")
    if fields["size"] < 0:
        raise bad("size must not be negative")
    if not _HEX64.fullmatch(fields["sha256"]):
        raise bad("sha256 must be 64 lowercase hex digits")
    if not _KEY_ID.fullmatch(fields["signer"]):
        raise bad("signer must be a 16-hex-digit key id")
    try:
        datetime.fromisoformat(fields["signed_at"].replace("Z", "+00:00"))
    except ValueError:
        raise bad("signed_at must be an ISO 8601 time") from None
    try:
        signature = base64.b64decode(fields["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise bad("signature is not valid base64") from None
    if len(signature) != 64:
        raise bad(f"signature must be 64 bytes, not {len(signature)}")
    return Manifest(
        path,
        fields,
        name,
        fields["size"],
        fields["sha256"],
        fields["metadata"],
        fields["signer"],
        fields["signed_at"],
        signature,
    )


def sign_model(
    path: str | os.PathLike[str],
    key_file: Path,
    output: Path | None = None,
    *,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Hash and sign a GGUF file; writes ``<file>.manifest.json`` beside it (or ``output``)."""
    model = Path(path)
    key = load_private_key(key_file, passphrase)
    info = read_model_info(model)
    if not info.ok:
        raise AppError(f"cannot sign {model.name}: {info.error}")
    with open(model, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        digest = hash_open_file(fh.fileno(), size, progress, cancel)
    fields: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "file_name": model.name,
        "size": size,
        "sha256": digest,
        "metadata": info.summary(),
        "signer": signer_id(key),
        "signed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    fields["signature"] = sign_fields(key, fields)
    target = output if output is not None else manifest_path_for(model)
    text = json.dumps(fields, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(target, text.encode("utf-8"))
    return target
