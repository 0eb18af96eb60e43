"""What packaging/bundle/build.py adds to PyInstaller's folder (tested on a scratch folder;
PyInstaller itself runs in `make package`, minutes on two cores)."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest
from packaging_scripts import load_script

from app.catalog.catalog import default_model_path

build = load_script("bundle/build.py")


def test_llama_libraries_are_copied_once_each_and_load_from_the_bundle(tmp_path: Path) -> None:
    copied = build.add_llama_libs(tmp_path)
    lib = tmp_path / "llama_cpp" / "lib"
    assert "libllama.so.0" in copied and "libggml-base.so.0" in copied
    plain = lib / "libllama.so"  # the name llama_cpp opens, a link to the file under its SONAME
    assert plain.is_symlink() and os.readlink(plain) == "libllama.so.0"
    assert all(f.name.endswith((".so", ".so.0")) for f in lib.iterdir())  # no third copy
    handle = ctypes.CDLL(str(plain))  # its own libggml*.so.0 are found beside it ($ORIGIN)
    assert hasattr(handle, "llama_backend_init")


def test_resources_carry_the_translations_newer_than_their_sources_and_the_default_model(
        tmp_path: Path) -> None:
    resources = build.add_resources(tmp_path)
    ts = resources / "i18n" / "autoglm_zh_CN.ts"
    qm = ts.with_suffix(".qm")
    assert qm.stat().st_mtime >= ts.stat().st_mtime  # the app never rebuilds it in /opt
    model = default_model_path()
    assert model is not None
    assert (resources / "models" / model.name).stat().st_size == model.stat().st_size
    assert (resources / "manifests" / f"{model.name}.manifest.json").is_file()
    assert list((resources / "trust").glob("*.pub"))


def test_a_missing_compiled_translation_stops_the_build_saying_how_to_make_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "LANGUAGES", ("xx_XX",))
    with pytest.raises(build.BuildError, match="autoglm_xx_XX.qm is missing .*make translations"):
        build.add_resources(tmp_path)
