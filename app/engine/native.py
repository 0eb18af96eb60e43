"""The llama.cpp shared libraries: loading them once, and the few C functions
llama-cpp-python does not bind (ggml's CPU threadpool and device enumeration).

Imported lazily: importing ``app`` never loads llama.cpp.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from app.errors import EngineError

log = logging.getLogger(__name__)

GGML_MAX_N_THREADS = 512  # from ggml.h; sizes ggml_threadpool_params.cpumask

_lock = threading.Lock()
_state: dict[str, Any] = {}


class ThreadpoolParams(ctypes.Structure):
    # Mirrors ``struct ggml_threadpool_params`` in the vendored ggml.h.
    _fields_ = [
        ("cpumask", ctypes.c_bool * GGML_MAX_N_THREADS),
        ("n_threads", ctypes.c_int),
        ("prio", ctypes.c_int),
        ("poll", ctypes.c_uint32),
        ("strict_cpu", ctypes.c_bool),
        ("paused", ctypes.c_bool),
    ]


# enum ggml_backend_dev_type
DEV_TYPE_CPU, DEV_TYPE_GPU, DEV_TYPE_ACCEL, DEV_TYPE_IGPU = 0, 1, 2, 3


def llama() -> ModuleType:
    """The ``llama_cpp`` module with its backend initialised (once per process)."""
    mod = _state.get("llama_cpp")
    if mod is not None:
        return mod  # type: ignore[no-any-return]
    with _lock:
        if "llama_cpp" in _state:
            return _state["llama_cpp"]  # type: ignore[no-any-return]
        try:
            import llama_cpp
        except Exception as exc:  # a broken build raises OSError, not ImportError
            raise EngineError(
                f"llama-cpp-python is missing or broken ({exc}). "
                "Reinstall it: `make run` does this for a checkout."
            ) from exc
        _install_log_handler(llama_cpp)
        llama_cpp.llama_backend_init()
        _bind_extras(llama_cpp)
        _state["llama_cpp"] = llama_cpp
        return llama_cpp


def _lib_dir(llama_cpp: ModuleType) -> Path:
    override = os.environ.get("LLAMA_CPP_LIB_PATH")  # honoured by llama-cpp-python too
    return Path(override) if override else Path(llama_cpp.__file__).resolve().parent / "lib"


def _load(llama_cpp: ModuleType, stem: str) -> ctypes.CDLL | None:
    lib_dir = _lib_dir(llama_cpp)
    for name in (f"lib{stem}.so", f"lib{stem}.dylib", f"{stem}.dll"):
        p = lib_dir / name
        if p.exists():
            # Local, not global: llama_cpp already loaded these; RTLD_GLOBAL would let the
            # CUDA library's C++ runtime symbols interpose on libllama's (a crash seen there).
            return ctypes.CDLL(str(p))
    return None


def _bind_extras(llama_cpp: ModuleType) -> None:
    libllama = llama_cpp.llama_cpp._lib
    ggml_base = _load(llama_cpp, "ggml-base") or _load(llama_cpp, "ggml")
    ggml_cpu = _load(llama_cpp, "ggml-cpu") or _load(llama_cpp, "ggml")
    fns: dict[str, Any] = {}

    def bind(lib: Any, name: str, argtypes: list[Any], restype: Any) -> None:
        if lib is None:
            return
        try:
            f = getattr(lib, name)
        except AttributeError:
            return
        f.argtypes, f.restype = argtypes, restype
        fns[name] = f

    vp = ctypes.c_void_p
    bind(ggml_base, "ggml_threadpool_params_default", [ctypes.c_int], ThreadpoolParams)
    bind(ggml_cpu, "ggml_threadpool_new", [ctypes.POINTER(ThreadpoolParams)], vp)
    bind(ggml_cpu, "ggml_threadpool_free", [vp], None)
    bind(libllama, "llama_attach_threadpool", [vp, vp, vp], None)
    bind(libllama, "llama_detach_threadpool", [vp], None)
    ggml = _load(llama_cpp, "ggml")
    size_p = ctypes.POINTER(ctypes.c_size_t)
    for lib in (ggml, ggml_base):
        bind(lib, "ggml_backend_dev_count", [], ctypes.c_size_t)
        bind(lib, "ggml_backend_dev_get", [ctypes.c_size_t], vp)
        bind(lib, "ggml_backend_dev_name", [vp], ctypes.c_char_p)
        bind(lib, "ggml_backend_dev_description", [vp], ctypes.c_char_p)
        bind(lib, "ggml_backend_dev_memory", [vp, size_p, size_p], None)
        bind(lib, "ggml_backend_dev_type", [vp], ctypes.c_int)
        bind(lib, "ggml_backend_dev_backend_reg", [vp], vp)
        bind(lib, "ggml_backend_reg_name", [vp], ctypes.c_char_p)
    _state["fns"] = fns


def fn(name: str) -> Any | None:
    """A bound extra C function, or None where this build lacks it."""
    llama()
    return _state["fns"].get(name)


class Threadpool:
    """A persistent ggml CPU threadpool whose workers poll between graphs.

    Without one, every ``llama_decode`` wakes threads from cold; llama-bench
    measures with such a pool, so a fair comparison (and our decode speed)
    needs it too.
    """

    def __init__(self, n_threads: int, poll: int = 50) -> None:
        new = fn("ggml_threadpool_new")
        defaults = fn("ggml_threadpool_params_default")
        self._ptr: int | None = None
        if new is None or defaults is None:
            return
        params = defaults(n_threads)
        params.poll = poll
        self._ptr = new(ctypes.byref(params))

    @property
    def handle(self) -> int | None:
        return self._ptr

    def attach(self, ctx: Any) -> bool:
        attach = fn("llama_attach_threadpool")
        if self._ptr is None or attach is None:
            return False
        attach(ctx, self._ptr, None)
        return True

    def detach(self, ctx: Any) -> None:
        detach = fn("llama_detach_threadpool")
        if self._ptr is not None and detach is not None:
            detach(ctx)

    def free(self) -> None:
        free = fn("ggml_threadpool_free")
        if self._ptr is not None and free is not None:
            free(self._ptr)
        self._ptr = None


_LOG_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_native_log = logging.getLogger("app.engine.llama_cpp")


def _install_log_handler(llama_cpp: ModuleType) -> None:
    """Send llama.cpp's own log lines to our logging instead of stderr."""
    pending: list[str] = []
    last_level = [logging.DEBUG]

    @llama_cpp.llama_log_callback
    def _on_log(level: int, text: bytes, _user: Any) -> None:
        lvl = _LOG_LEVELS.get(level, last_level[0])  # level 5 (CONT) continues the last line
        if level != 5:
            last_level[0] = lvl
        msg = text.decode("utf-8", "replace")
        pending.append(msg)
        if msg.endswith("\n"):
            line = "".join(pending).rstrip()
            pending.clear()
            if line:
                _native_log.log(lvl, "%s", line)

    _state["log_cb"] = _on_log  # keep a reference: ctypes callbacks die with their object
    llama_cpp.llama_log_set(_on_log, ctypes.c_void_p(0))
