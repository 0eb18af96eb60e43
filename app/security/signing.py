"""Ed25519 signing keys, the trust store, signed model manifests, and the check that gates loading a model.

A manifest (``<model>.manifest.json``) records a GGUF file's name, size,
SHA-256 and metadata summary, who signed it and when; the signature covers a
canonical JSON encoding of every other field. ``verify_model`` refuses a file
whose manifest is missing, malformed, unsigned by a trusted key, or whose
bytes differ, each with its own error type, and hands back the open file it
checked so the engine loads exactly those bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from app.catalog.gguf_info import ModelInfo, read_model_info, read_model_info_from_file
from app.config import RESOURCES_DIR, Paths
from app.errors import (
    AppError,
    BadSignature,
    Cancelled,
    ConfigError,
    FileChanged,
    HashMismatch,
    MalformedManifest,
    ManifestForOtherFile,
    ModelNotFound,
    NoManifest,
    SizeMismatch,
    TruncatedModel,
    UntrustedSigner,
)
from app.files import atomic_write

log = logging.getLogger(__name__)

KEY_TAG = "autoglm-ed25519"
PASSPHRASE_ENV = "AUTOGLM_KEY_PASSPHRASE"
MANIFEST_FORMAT = "autoglm-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
SHIPPED_TRUST_DIR = RESOURCES_DIR / "trust"
SHIPPED_MANIFEST_DIR = RESOURCES_DIR / "manifests"
UNTRUSTED_FILE = "untrusted.txt"
CACHE_FILE = "verified.json"
# Hashing reads 1 MiB at a time into one reused buffer: measured as fast as
# hashlib.file_digest, where 4 MiB and more fall out of the CPU cache and lose
# 5-10%. Progress is reported every 8 MiB (~5 ms), cancellation checked every MiB.
HASH_CHUNK = 1 << 20
PROGRESS_EVERY = 8 << 20

Progress = Callable[[int, int], None]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


# ---------------------------------------------------------------- keys


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


class TrustStore:
    """The public keys whose signatures we accept.

    Keys are the ``*.pub`` files in the shipped ``resources/trust`` (unless
    ``include_shipped`` is False) and in ``dirs`` (the user's trust folder,
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
        self.dirs = [SHIPPED_TRUST_DIR, *own] if include_shipped else own
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


# ---------------------------------------------------------------- manifests


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


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """What the signature covers: every field but ``signature``, as sorted compact UTF-8 JSON."""
    body = {k: v for k, v in fields.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


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
        "signer": key_id_for(_raw_public(key.public_key())),
        "signed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    fields["signature"] = base64.b64encode(key.sign(canonical_bytes(fields))).decode("ascii")
    target = output if output is not None else manifest_path_for(model)
    text = json.dumps(fields, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(target, text.encode("utf-8"))
    return target


# ---------------------------------------------------------------- hashing and cache


def hash_open_file(
    fd: int, size: int, progress: Progress | None = None, cancel: threading.Event | None = None
) -> str:
    """SHA-256 of an open file from its start, in large chunks into one reused buffer."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except OSError:
            pass
    digest = hashlib.sha256()
    buf = bytearray(HASH_CHUNK)
    view = memoryview(buf)
    done = reported = 0
    with open(fd, "rb", buffering=0, closefd=False) as raw:
        raw.seek(0)
        if progress is not None:
            progress(0, size)
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            n = raw.readinto(view)
            if not n:
                break
            digest.update(view[:n])  # hashlib drops the GIL for large buffers
            done += n
            if progress is not None and done - reported >= PROGRESS_EVERY:
                reported = done
                progress(done, size)
    if progress is not None and reported != done:
        progress(done, size)
    return digest.hexdigest()


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
