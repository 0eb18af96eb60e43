"""bench/llama_tools.py: the llama.cpp source for `make cuda` and the benches, offline."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from bench import llama_tools


def _sdist(tmp_path: Path, version: str) -> Path:
    root = tmp_path / "made" / f"llama_cpp_python-{version}"
    (root / "vendor" / "llama.cpp").mkdir(parents=True)
    (root / "vendor" / "llama.cpp" / "CMakeLists.txt").write_text("project(llama.cpp)\n")
    sdist = tmp_path / f"llama_cpp_python-{version}.tar.xz"
    with tarfile.open(sdist, "w:xz") as tf:
        tf.add(root, arcname=root.name)
    return sdist


def test_a_given_sdist_is_unpacked_and_nothing_is_fetched(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    version = llama_tools.llama_cpp_version()
    monkeypatch.setenv("AUTOGLM_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LLAMA_CPP_SDIST", str(_sdist(tmp_path, version)))
    monkeypatch.setattr(llama_tools.subprocess, "run", None)  # any download attempt fails loudly
    src = llama_tools.vendored_source()
    assert src == tmp_path / "cache" / f"llama-cpp-python-{version}" / f"llama_cpp_python-{version}" / "vendor" / "llama.cpp"
    assert (src / "CMakeLists.txt").read_text() == "project(llama.cpp)\n"


def test_an_sdist_of_another_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGLM_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LLAMA_CPP_SDIST", str(_sdist(tmp_path, "0.0.1")))
    with pytest.raises(SystemExit, match="is not the llama-cpp-python"):
        llama_tools.vendored_source()
