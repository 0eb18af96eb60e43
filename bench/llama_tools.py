"""Builds llama.cpp's own tools (llama-bench, llama-server) from the same
vendored source as the installed llama-cpp-python, once, into a cache dir
outside the repository, with the same CPU options as our build."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    import platformdirs

    return Path(os.environ.get("AUTOGLM_BENCH_CACHE") or
                platformdirs.user_cache_dir("open-autoglm-bench", appauthor=False))


def llama_cpp_version() -> str:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:  # a copied package without metadata
        import llama_cpp

        return str(llama_cpp.__version__)


def vendored_source() -> Path:
    """The llama.cpp source vendored in the llama-cpp-python sdist of our version.

    Fetched with pip the first time, unless LLAMA_CPP_SDIST names the sdist already
    here (a .tar.gz or .tar.xz, or the unpacked folder): then no network is needed.
    """
    version = llama_cpp_version()
    root = cache_dir() / f"llama-cpp-python-{version}"
    src = root / f"llama_cpp_python-{version}" / "vendor" / "llama.cpp"
    if src.exists():
        return src
    root.mkdir(parents=True, exist_ok=True)
    given = os.environ.get("LLAMA_CPP_SDIST")
    if given and Path(given).is_dir():
        shutil.copytree(given, root / f"llama_cpp_python-{version}")
        return src
    if given:
        sdist = Path(given)
    else:
        print(f"fetching the llama-cpp-python {version} source distribution…", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", str(root), f"llama-cpp-python=={version}"],
            check=True,
        )
        sdist = next(root.glob("llama_cpp_python-*.tar.gz"))
    with tarfile.open(sdist) as tf:
        tf.extractall(root, filter="data")
    if not src.exists():
        raise SystemExit(f"{sdist} is not the llama-cpp-python {version} source distribution")
    return src


def build_tool(target: str, extra_cmake: list[str] | None = None) -> Path:
    """Path to ``target`` (e.g. llama-bench), building it if needed."""
    src = vendored_source()
    flags = subprocess.run(["bash", str(REPO / "packaging" / "llama_cmake_args.sh")],
                           check=True, capture_output=True, text=True).stdout.split()
    flags += extra_cmake or []
    tag = "cuda" if any("GGML_CUDA=ON" in f for f in flags) else "cpu"
    build = src.parent.parent.parent / f"build-{tag}"  # beside the unpacked sdist
    exe = build / "bin" / target
    if exe.exists():
        return exe
    print(f"building {target} from {src} ({' '.join(flags)})…", file=sys.stderr)
    subprocess.run(
        ["cmake", "-S", str(src), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
         "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
         "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_USE_PREBUILT_UI=OFF", *flags],
        check=True, stdout=subprocess.DEVNULL,
    )
    subprocess.run(["cmake", "--build", str(build), "--target", target, "-j", str(os.cpu_count() or 2)],
                   check=True, stdout=subprocess.DEVNULL)
    return exe


def add_gpu_options(ap: Any) -> None:
    """--gpu and --split, as the app's gpu_device and gpu_split settings."""
    ap.add_argument("--gpu", type=int, default=None, help="keep the model on GPU N (default: automatic)")
    ap.add_argument("--split", choices=("auto", "layer", "row"), default="auto",
                    help="split the model across GPUs (default: only when it fits on none)")


def placement_args(placement: Any) -> list[str]:
    """llama-bench's flags for the GPU placement our engine chose, so that both run the
    same way (llama-bench alone splits by layers across every GPU)."""
    args = ["-sm", placement.split_mode, "-mg", str(placement.main_gpu)]
    if placement.tensor_split:
        args += ["-ts", "/".join(f"{f:g}" for f in placement.tensor_split)]
    return args
