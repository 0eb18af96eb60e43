"""Only models signed by a trusted key load; every other case is refused with its own clear reason."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import sys
import threading
from pathlib import Path

import pytest

from app.catalog.catalog import import_model
from app.config import RESOURCES_DIR
from app.errors import (
    AppError,
    BadSignature,
    Cancelled,
    ConfigError,
    FileChanged,
    HashMismatch,
    MalformedManifest,
    ManifestForOtherFile,
    NoManifest,
    SizeMismatch,
    TruncatedModel,
    UntrustedSigner,
)
from app.security.keys import (
    KeyInfo,
    TrustStore,
    generate_key,
    key_id_for,
    load_private_key,
    parse_public_key,
)
from app.security.manifest import canonical_bytes, manifest_path_for, sign_model
from app.security.verify import verify_model

RELEASE_PUB = RESOURCES_DIR / "trust" / "open-autoglm-release.pub"


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Calls:
    """A progress callback that remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


# ---------------------------------------------------------------- keys


def test_generated_key_files(tmp_path: Path) -> None:
    info = generate_key(tmp_path / "keys", "Alice  Analyst")
    assert re.fullmatch(r"[0-9a-f]{16}", info.key_id)
    assert info.key_id == hashlib.sha256(info.public_bytes).hexdigest()[:16]
    assert info.private_path == tmp_path / "keys" / f"{info.key_id}.key"
    pub = tmp_path / "keys" / f"{info.key_id}.pub"
    b64 = base64.b64encode(info.public_bytes).decode()
    assert pub.read_text() == f"autoglm-ed25519 {b64} Alice Analyst\n"
    assert parse_public_key(pub.read_text()).key_id == info.key_id
    pem = info.private_path.read_text()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")  # PKCS8, unencrypted
    if sys.platform != "win32":
        assert stat.S_IMODE(info.private_path.stat().st_mode) == 0o600
    key = load_private_key(info.private_path)
    assert key_id_for(key.public_key().public_bytes_raw()) == info.key_id


def test_key_encrypted_with_the_passphrase_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_KEY_PASSPHRASE", "correct horse")
    info = generate_key(tmp_path, "Bob")
    assert info.private_path is not None
    assert "ENCRYPTED PRIVATE KEY" in info.private_path.read_text()
    load_private_key(info.private_path)
    monkeypatch.delenv("AUTOGLM_KEY_PASSPHRASE")
    with pytest.raises(ConfigError, match="is encrypted: set AUTOGLM_KEY_PASSPHRASE"):
        load_private_key(info.private_path)
    with pytest.raises(ConfigError, match="wrong passphrase"):
        load_private_key(info.private_path, passphrase="wrong")


def test_not_a_public_key_is_refused(tmp_path: Path) -> None:
    store = TrustStore([tmp_path / "trust"], include_shipped=False)
    with pytest.raises(ConfigError, match="cannot read public key .*missing.pub"):
        store.trust(tmp_path / "missing.pub")
    with pytest.raises(ConfigError, match="not an autoglm public key"):
        parse_public_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI me@host")
    with pytest.raises(ConfigError, match="not 32 bytes"):
        parse_public_key("autoglm-ed25519 c2hvcnQ= short")


# ---------------------------------------------------------------- manifests and verification


def test_manifest_records_the_file_and_signs_its_canonical_form(
    signed_model: Path, signing_key: KeyInfo
) -> None:
    m = json.loads(manifest_path_for(signed_model).read_text())
    model, key = signed_model, signing_key
    assert m["format"] == "autoglm-manifest/1"
    assert m["file_name"] == "model.gguf"
    assert m["size"] == model.stat().st_size
    assert m["sha256"] == _sha256(model)
    assert m["metadata"]["quantization"] == "Q4_1" and m["metadata"]["n_layers"] == 30
    assert m["signer"] == key.key_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["signed_at"])
    body = {k: v for k, v in m.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(m) == canonical.encode("utf-8")
    key.public_key().verify(base64.b64decode(m["signature"]), canonical.encode("utf-8"))


def test_a_signed_model_verifies(
    signed_model: Path, signing_key: KeyInfo, trust: TrustStore
) -> None:
    model = signed_model
    progress = Calls()
    with verify_model(model, trust, progress=progress) as v:
        assert v.signed and v.signer == signing_key.key_id
        assert v.signer_name == "Test signer"
        assert v.sha256 == _sha256(model)
        assert v.size == model.stat().st_size
        assert v.info.ok and v.info.architecture == "llama"
        assert v.signed_at is not None
    assert progress.calls[0] == (0, v.size)
    assert progress.calls[-1] == (v.size, v.size)
    assert [d for d, _ in progress.calls] == sorted(d for d, _ in progress.calls)


def test_reformatting_a_manifest_does_not_break_its_signature(
    signed_model: Path, trust: TrustStore
) -> None:
    manifest = manifest_path_for(signed_model)
    fields = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(dict(reversed(fields.items())), indent=7))
    verify_model(signed_model, trust).close()


def test_shipped_manifest_verifies_the_installed_default_model(
    tmp_path: Path, default_model_path: Path
) -> None:
    shipped = TrustStore([tmp_path / "trust"])  # the shipped keys come with every store
    release = parse_public_key(RELEASE_PUB.read_text())
    with verify_model(default_model_path, shipped, cache_dir=tmp_path / "cache") as v:
        assert v.signed and v.signer == release.key_id
        assert v.signer_name == "Open-AutoGLM release"
        assert v.manifest_path == (
            RESOURCES_DIR / "manifests" / "SmolLM2-135M-Instruct.Q4_1.gguf.manifest.json"
        )


def test_missing_manifest_is_refused(signed_model: Path, trust: TrustStore) -> None:
    manifest_path_for(signed_model).unlink()
    with pytest.raises(NoManifest) as err:
        verify_model(signed_model, trust)
    assert str(err.value) == "model.gguf: no manifest: expected model.gguf.manifest.json beside it"


def test_unsigned_model_passes_only_when_allowed(signed_model: Path, trust: TrustStore) -> None:
    manifest_path_for(signed_model).unlink()
    with verify_model(signed_model, trust, allow_unsigned=True) as v:
        assert not v.signed and v.signer is None and v.signer_name is None
        assert v.sha256 == _sha256(signed_model)


def _edit_manifest(manifest: Path, **changes: object) -> None:
    fields = json.loads(manifest.read_text())
    for k, v in changes.items():
        if v is None:
            del fields[k]
        else:
            fields[k] = v
    manifest.write_text(json.dumps(fields))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("truncated json", r"not valid JSON"),
        ("missing sha256", r"missing field sha256"),
        ("size as text", r"field size must be int"),
        ("bad base64", r"signature is not valid base64"),
        ("other format", r"unknown format 'autoglm-manifest/9'"),
    ],
)
def test_malformed_manifest_is_refused(
    signed_model: Path, trust: TrustStore, damage: str, reason: str
) -> None:
    manifest = manifest_path_for(signed_model)
    if damage == "truncated json":
        manifest.write_text(manifest.read_text()[:40])
    elif damage == "missing sha256":
        _edit_manifest(manifest, sha256=None)
    elif damage == "size as text":
        _edit_manifest(manifest, size="98362432")
    elif damage == "bad base64":
        _edit_manifest(manifest, signature="not base64!")
    else:
        _edit_manifest(manifest, format="autoglm-manifest/9")
    with pytest.raises(MalformedManifest) as err:
        verify_model(signed_model, trust)
    assert str(err.value).startswith("model.gguf: malformed manifest model.gguf.manifest.json: ")
    assert re.search(reason, str(err.value))


def test_altered_manifest_fails_its_signature(
    signed_model: Path, signing_key: KeyInfo, trust: TrustStore
) -> None:
    manifest = manifest_path_for(signed_model)
    fields = json.loads(manifest.read_text())
    fields["metadata"]["name"] = "Totally Different Model"
    manifest.write_text(json.dumps(fields))
    with pytest.raises(BadSignature) as err:
        verify_model(signed_model, trust)
    key_id = signing_key.key_id
    assert str(err.value) == (
        f"model.gguf: bad signature: model.gguf.manifest.json does not verify with key "
        f"{key_id} (Test signer); the manifest was altered"
    )


def test_signer_outside_the_trust_store_is_refused(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    stranger = generate_key(tmp_path / "stranger", "Stranger")
    assert stranger.private_path is not None
    sign_model(signed_model, stranger.private_path)
    with pytest.raises(UntrustedSigner) as err:
        verify_model(signed_model, trust)
    assert str(err.value) == (
        f"model.gguf: untrusted signer: its manifest is signed by key {stranger.key_id}, "
        "which is not in the trust store"
    )


def test_manifest_of_another_file_is_refused(signed_model: Path, trust: TrustStore) -> None:
    model = signed_model
    other = model.with_name("other.gguf")
    model.rename(other)
    manifest_path_for(signed_model).rename(other.with_name("other.gguf.manifest.json"))
    with pytest.raises(ManifestForOtherFile) as err:
        verify_model(other, trust)
    assert str(err.value) == (
        "other.gguf: manifest is for another file: other.gguf.manifest.json describes 'model.gguf'"
    )


def test_truncated_model_is_refused(signed_model: Path, trust: TrustStore) -> None:
    model = signed_model
    size = model.stat().st_size
    os.truncate(model, size // 2)
    with pytest.raises(TruncatedModel) as err:
        verify_model(model, trust)
    assert str(err.value) == (
        f"model.gguf: truncated: the file has {size // 2} bytes but its manifest says {size}"
    )


def test_truncated_unsigned_model_is_refused_even_when_unsigned_is_allowed(
    signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    manifest_path_for(signed_model).unlink()
    size = model.stat().st_size
    os.truncate(model, 20_000_000)
    with pytest.raises(TruncatedModel) as err:
        verify_model(model, trust, allow_unsigned=True)
    assert str(err.value) == (
        f"model.gguf: truncated: tensor data ends at byte {size} but file has 20000000 bytes"
    )


def test_grown_model_is_refused(signed_model: Path, trust: TrustStore) -> None:
    model = signed_model
    size = model.stat().st_size
    with open(model, "ab") as fh:
        fh.write(b"extra")
    with pytest.raises(SizeMismatch) as err:
        verify_model(model, trust)
    assert str(err.value) == (
        f"model.gguf: size mismatch: the file has {size + 5} bytes but its manifest says {size}"
    )


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0xFF]))


def test_tampered_model_is_refused_with_hash_mismatch(
    signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    _flip_byte(model, model.stat().st_size // 2)
    with pytest.raises(HashMismatch) as err:
        verify_model(model, trust)
    msg = str(err.value)
    assert msg.startswith("model.gguf: hash mismatch: its SHA-256 is ")
    assert msg.endswith("the file was modified or corrupted")


def test_sign_model_refuses_a_file_that_is_not_a_model(
    tmp_path: Path, signing_key: KeyInfo
) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_text("hello")
    assert signing_key.private_path is not None
    with pytest.raises(AppError, match=r"cannot sign junk.gguf: not a GGUF file \(bad magic\)"):
        sign_model(junk, signing_key.private_path)


def test_an_imported_signed_model_still_verifies(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    dest = import_model(signed_model, tmp_path / "imported")
    with verify_model(dest, trust) as v:
        assert v.signed and v.manifest_path == dest.with_name("model.gguf.manifest.json")


# ---------------------------------------------------------------- digest cache


def test_second_verification_uses_the_cache(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    cache = tmp_path / "cache"
    first, second = Calls(), Calls()
    verify_model(signed_model, trust, cache_dir=cache, progress=first).close()
    assert first.calls and (cache / "verified.json").is_file()
    with verify_model(signed_model, trust, cache_dir=cache, progress=second) as v:
        assert v.from_cache
    assert second.calls == []  # not hashed again


def test_touching_the_file_invalidates_the_cache(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    cache = tmp_path / "cache"
    verify_model(model, trust, cache_dir=cache).close()
    st = model.stat()
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = Calls()
    with verify_model(model, trust, cache_dir=cache, progress=again) as v:
        assert not v.from_cache
    assert again.calls[-1] == (st.st_size, st.st_size)


def test_changed_bytes_are_caught_even_with_the_old_mtime_put_back(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    cache = tmp_path / "cache"
    verify_model(model, trust, cache_dir=cache).close()
    st = model.stat()
    _flip_byte(model, st.st_size - 100)
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime, same inode
    with pytest.raises(HashMismatch):
        verify_model(model, trust, cache_dir=cache)


def test_a_damaged_cache_file_only_costs_a_rehash(
    tmp_path: Path, signed_model: Path, trust: TrustStore
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "verified.json").write_text("{not json")
    with verify_model(signed_model, trust, cache_dir=cache) as v:
        assert not v.from_cache
    assert json.loads((cache / "verified.json").read_text())["entries"]


def test_a_cached_digest_never_skips_the_signature_check(
    tmp_path: Path, signed_model: Path, signing_key: KeyInfo, trust: TrustStore
) -> None:
    cache = tmp_path / "cache"
    verify_model(signed_model, trust, cache_dir=cache).close()
    trust.untrust(signing_key.key_id)
    with pytest.raises(UntrustedSigner):
        verify_model(signed_model, trust, cache_dir=cache)


# ---------------------------------------------------------------- from check to load


def test_load_path_is_the_verified_open_file(signed_model: Path, trust: TrustStore) -> None:
    model = signed_model
    with verify_model(model, trust) as v:
        where = v.load_path()
        if Path("/proc/self/fd").is_dir():
            assert where == f"/proc/self/fd/{v.fd}"
            # Once handed over, swapping the path cannot change what gets loaded.
            replacement = model.with_name("evil.gguf")
            replacement.write_bytes(b"GGUF" + b"\0" * 100)
            os.replace(replacement, model)
            assert _sha256(Path(where)) == v.sha256
        else:
            assert where == str(model)


def test_file_replaced_between_verify_and_load_is_refused(
    signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    with verify_model(model, trust) as v:
        copy = model.with_name("copy.gguf")
        shutil.copyfile(model, copy)
        os.replace(copy, model)  # same bytes, but not the file that was checked
        with pytest.raises(FileChanged) as err:
            v.load_path()
    assert str(err.value).startswith("model.gguf: file changed after verification")


def test_file_modified_in_place_after_verify_is_refused(
    signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    with verify_model(model, trust) as v:
        with open(model, "ab") as fh:
            fh.write(b"x")
        with pytest.raises(FileChanged):
            v.load_path()


def test_harmless_metadata_changes_do_not_block_loading(
    signed_model: Path, trust: TrustStore
) -> None:
    model = signed_model
    with verify_model(model, trust) as v:
        os.link(model, model.with_name("second-name.gguf"))  # changes ctime, not the bytes
        os.chmod(model, 0o640)
        assert v.load_path()


def _open_fds() -> int | None:
    fd_dir = Path("/proc/self/fd")
    return len(list(fd_dir.iterdir())) if fd_dir.is_dir() else None


def test_cancel_stops_hashing_and_leaks_nothing(signed_model: Path, trust: TrustStore) -> None:
    cancel = threading.Event()

    def stop_after_first_chunk(done: int, total: int) -> None:
        if done:
            cancel.set()

    before = _open_fds()
    with pytest.raises(Cancelled):
        verify_model(signed_model, trust, progress=stop_after_first_chunk, cancel=cancel)
    assert _open_fds() <= before  # other tests' threads may close theirs meanwhile; none opened here


def test_refusals_leave_no_open_file(signed_model: Path, trust: TrustStore) -> None:
    model = signed_model
    _flip_byte(model, 5_000_000)
    before = _open_fds()
    with pytest.raises(HashMismatch):
        verify_model(model, trust)
    assert _open_fds() <= before  # other tests' threads may close theirs meanwhile; none opened here


# ---------------------------------------------------------------- trust store


def test_trust_and_untrust_a_user_key(tmp_path: Path, signing_key: KeyInfo) -> None:
    store = TrustStore([tmp_path / "trust"], include_shipped=False)
    assert store.list() == []
    assert signing_key.public_path is not None
    info = store.trust(signing_key.public_path)
    assert info.key_id == signing_key.key_id and store.is_trusted(info.key_id)
    assert (tmp_path / "trust" / f"{info.key_id}.pub").is_file()
    assert [k.key_id for k in TrustStore([tmp_path / "trust"], include_shipped=False).list()] == [
        info.key_id
    ]
    store.untrust(info.key_id)
    assert not store.is_trusted(info.key_id)
    assert not (tmp_path / "trust" / f"{info.key_id}.pub").exists()
    with pytest.raises(ConfigError, match="no trusted key"):
        store.untrust(info.key_id)


def test_trust_from_text(tmp_path: Path, signing_key: KeyInfo) -> None:
    store = TrustStore([tmp_path / "trust"], include_shipped=False)
    store.trust(signing_key.public_line())
    assert store.public_key(signing_key.key_id).public_bytes_raw() == signing_key.public_bytes


def test_untrusting_the_shipped_key_is_remembered(tmp_path: Path, default_model_path: Path) -> None:
    release = parse_public_key(RELEASE_PUB.read_text())
    store = TrustStore([tmp_path / "trust"])
    assert store.is_trusted(release.key_id)
    store.untrust(release.key_id)
    assert release.key_id in (tmp_path / "trust" / "untrusted.txt").read_text().split()
    fresh = TrustStore([tmp_path / "trust"])
    assert not fresh.is_trusted(release.key_id)
    with pytest.raises(UntrustedSigner):
        verify_model(default_model_path, fresh)
    fresh.trust(RELEASE_PUB)
    assert TrustStore([tmp_path / "trust"]).is_trusted(release.key_id)


def test_a_broken_key_file_is_skipped_with_a_warning(
    tmp_path: Path, signing_key: KeyInfo, caplog: pytest.LogCaptureFixture
) -> None:
    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    (trust_dir / "junk.pub").write_text("this is not a key\n")
    (trust_dir / "good.pub").write_text(signing_key.public_line() + "\n")
    with caplog.at_level(logging.WARNING, logger="app.security.keys"):
        store = TrustStore([trust_dir], include_shipped=False)
    assert [k.key_id for k in store.list()] == [signing_key.key_id]
    assert "junk.pub" in caplog.text
