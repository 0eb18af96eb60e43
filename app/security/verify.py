"""The check that gates loading a model, and the cache of digests already checked.

``verify_model`` refuses a file whose manifest is missing, malformed, unsigned
by a trusted key, or whose bytes differ, each with its own error type, and
hands back the open file it checked so the engine loads exactly those bytes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from app.catalog.gguf_info import ModelInfo, read_model_info_from_file
from app.errors import (
    BadSignature,
    FileChanged,
    HashMismatch,
    ManifestForOtherFile,
    ModelNotFound,
    NoManifest,
    SizeMismatch,
    TruncatedModel,
    UntrustedSigner,
)
from app.files import atomic_write
from app.security.hashing import Progress, hash_open_file
from app.security.keys import KeyInfo, TrustStore
from app.security.manifest import (
    _HEX64,
    MANIFEST_SUFFIX,
    Manifest,
    find_manifest,
    load_manifest,
)

log = logging.getLogger(__name__)

CACHE_FILE = "verified.json"


def _identity(st: os.stat_result) -> dict[str, int]:
    """What says "same file, same bytes" between the check and the load.

    ctime is left out: a hard link, chmod or backup tool's xattr changes it
    without touching the bytes, and a refusal for that would only confuse.
    """
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino, "dev": st.st_dev}


def _cache_identity(st: os.stat_result) -> dict[str, int]:
    """The identity a cached digest is valid for: stricter, since a stale entry skips hashing.

    ctime catches bytes rewritten with the old mtime put back (``touch -d``),
    which no user can forge; a benign ctime change only costs one re-hash.
    """
    return {**_identity(st), "ctime_ns": st.st_ctime_ns}


class _DigestCache:
    """SHA-256 digests already computed, keyed by real path and valid for one file identity."""

    _lock = threading.Lock()

    def __init__(self, cache_dir: Path) -> None:
        self.file = cache_dir / CACHE_FILE

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        return entries if isinstance(entries, dict) else {}

    def get(self, real: str, st: os.stat_result) -> str | None:
        entry = self._load().get(real)
        if not isinstance(entry, dict):
            return None
        wanted = _cache_identity(st)
        if {k: entry.get(k) for k in wanted} != wanted:
            return None
        digest = entry.get("sha256")
        return digest if isinstance(digest, str) and _HEX64.fullmatch(digest) else None

    def put(self, real: str, st: os.stat_result, digest: str) -> None:
        with self._lock:
            entries = {k: v for k, v in self._load().items() if os.path.exists(k)}
            entries[real] = {**_cache_identity(st), "sha256": digest}
            body = json.dumps({"version": 1, "entries": entries}, indent=1, sort_keys=True)
            try:
                atomic_write(self.file, body.encode("utf-8"))
            except OSError as exc:  # a cache we cannot write only costs time
                log.warning("cannot write %s: %s", self.file, exc)


# ---------------------------------------------------------------- verification


@dataclass(eq=False)
class VerifiedModel:
    """A model that passed the gate, holding open the very file that was hashed.

    Call ``load_path()`` right before handing the model to llama.cpp, and
    ``close()`` (or use ``with``) once it is loaded.
    """

    path: Path
    sha256: str
    size: int
    signed: bool
    signer: str | None
    signer_name: str | None
    signed_at: str | None
    info: ModelInfo
    manifest_path: Path | None = None
    from_cache: bool = False
    fd: int | None = field(default=None, repr=False)
    _identity: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._closer = weakref.finalize(self, _close_fd, self.fd) if self.fd is not None else None

    def load_path(self) -> str:
        """The path llama.cpp should open: the verified file itself.

        Re-checks that the file at ``path`` is still the one verified (same
        size, inode and modification time) and raises FileChanged if not. On Linux the
        answer is ``/proc/self/fd/N``, which reaches the verified inode even if
        the path is swapped after this call.
        """
        if self.fd is None:
            raise RuntimeError("VerifiedModel is closed")
        name = self.path.name
        try:
            now_path = os.stat(self.path)
        except OSError:
            raise FileChanged(
                f"{name}: file changed after verification: it is no longer at {self.path}; "
                "verify it again"
            ) from None
        held = _identity(os.fstat(self.fd))
        if held != self._identity or _identity(now_path) != held:
            raise FileChanged(
                f"{name}: file changed after verification (size, inode or modification time "
                "differ); verify it again"
            )
        proc = f"/proc/self/fd/{self.fd}"
        return proc if os.path.exists(proc) else str(self.path)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        self.fd = None

    def __enter__(self) -> VerifiedModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_fd(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def verify_model(
    path: str | os.PathLike[str],
    trust: TrustStore,
    *,
    allow_unsigned: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    manifest_dirs: Sequence[Path] | None = None,
) -> VerifiedModel:
    """Check a model against its signed manifest and return it open, or raise why not.

    Checks run cheapest first so each problem gets its own error: the
    manifest's presence and shape, its signer and signature, the file name,
    the size, the GGUF structure, and last the SHA-256 (skipped when
    ``cache_dir`` holds a digest for this exact file identity). With
    ``allow_unsigned`` a model without any manifest passes with
    ``signed=False``; a manifest that is present must still be right.
    """
    model = Path(path)
    name = model.name
    manifest_file = find_manifest(model, manifest_dirs)
    manifest: Manifest | None = None
    signer: KeyInfo | None = None
    if manifest_file is None:
        if not model.exists():
            raise ModelNotFound(f"model file not found: {model}")
        if not allow_unsigned:
            raise NoManifest(f"{name}: no manifest: expected {name}{MANIFEST_SUFFIX} beside it")
    else:
        manifest = load_manifest(manifest_file, name)
        signer = trust.key(manifest.signer)
        if signer is None:
            raise UntrustedSigner(
                f"{name}: untrusted signer: its manifest is signed by key {manifest.signer}, "
                "which is not in the trust store"
            )
        try:
            signer.public_key().verify(manifest.signature, manifest.signed_bytes())
        except InvalidSignature:
            raise BadSignature(
                f"{name}: bad signature: {manifest_file.name} does not verify with key "
                f"{signer.key_id} ({signer.name}); the manifest was altered"
            ) from None
        if manifest.file_name != name:
            raise ManifestForOtherFile(
                f"{name}: manifest is for another file: {manifest_file.name} describes "
                f"{manifest.file_name!r}"
            )

    real = os.path.realpath(model)
    try:
        fd = os.open(model, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ModelNotFound(f"model file not found: {model}") from None
    except OSError as exc:
        raise ModelNotFound(f"cannot open {model}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if manifest is not None and st.st_size < manifest.size:
            raise TruncatedModel(
                f"{name}: truncated: the file has {st.st_size} bytes but its manifest says "
                f"{manifest.size}"
            )
        if manifest is not None and st.st_size != manifest.size:
            raise SizeMismatch(
                f"{name}: size mismatch: the file has {st.st_size} bytes but its manifest "
                f"says {manifest.size}"
            )
        with open(fd, "rb", closefd=False) as fh:
            info = read_model_info_from_file(fh, model)
        if info.error and info.error.startswith("truncated"):
            raise TruncatedModel(f"{name}: {info.error}")

        cache = _DigestCache(cache_dir) if cache_dir is not None else None
        digest = cache.get(real, st) if cache is not None else None
        from_cache = digest is not None
        if digest is None:
            digest = hash_open_file(fd, st.st_size, progress, cancel)
            after = os.fstat(fd)
            if _identity(after) != _identity(st):
                raise FileChanged(f"{name}: file changed while it was being verified; try again")
            if cache is not None:
                cache.put(real, st, digest)
        if manifest is not None and digest != manifest.sha256:
            raise HashMismatch(
                f"{name}: hash mismatch: its SHA-256 is {digest[:16]}… but the manifest says "
                f"{manifest.sha256[:16]}…; the file was modified or corrupted"
            )
    except BaseException:
        os.close(fd)
        raise
    return VerifiedModel(
        path=model,
        sha256=digest,
        size=st.st_size,
        signed=manifest is not None,
        signer=manifest.signer if manifest else None,
        signer_name=signer.name if signer else None,
        signed_at=manifest.signed_at if manifest else None,
        info=info,
        manifest_path=manifest_file,
        from_cache=from_cache,
        fd=fd,
        _identity=_identity(st),
    )
