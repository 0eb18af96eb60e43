"""Where the app keeps its files, and every setting declared once.

Paths follow platformdirs; ``AUTOGLM_DATA_DIR`` (or the CLI's ``--data-dir``)
moves all state — data, config, cache and logs — under one folder, which is
how tests and scripts isolate themselves.
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import ConfigError, PolicyViolation

APP_NAME = "open-autoglm"
DATA_DIR_ENV = "AUTOGLM_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _resources_dir() -> Path:
    """Shipped resources: the bundle's own folder when frozen (packaging/bundle), the
    checkout's folder, else where the wheel installed them."""
    import sys

    bundled = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundled:
        return Path(bundled) / "resources"
    checkout = REPO_ROOT / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "open-autoglm" / "resources"


RESOURCES_DIR = _resources_dir()


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path
    cache: Path
    logs: Path

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def database(self) -> Path:
        return self.data / "autoglm.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def trust_dir(self) -> Path:
        return self.config / "trust"

    @property
    def keys_dir(self) -> Path:
        return self.config / "keys"

    def ensure(self) -> Paths:
        for p in (self.data, self.config, self.cache, self.logs):
            p.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """Paths for this run: an explicit dir, then the environment, then platformdirs."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return Paths(root, root / "config", root / "cache", root / "logs")
    import platformdirs

    return Paths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def N_(text: str) -> str:  # noqa: N802 - the conventional name for "translate later"
    """Mark a string for translation where it is declared; it is translated where shown."""
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    title: str
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    restart: bool = False
    kind: str = "preference"  # or "state" for remembered UI state

    def coerce(self, value: Any) -> Any:
        """Return ``value`` as this setting's type, or raise ConfigError saying why not."""
        try:
            if self.type is bool and isinstance(value, str):
                low = value.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                out: Any = low in {"1", "true", "yes", "on"}
            elif value is None and self.default is None:
                out = None
            else:
                out = self.type(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"Invalid value {value!r} for {self.name}: must be {self.type.__name__}"
            ) from None
        if self.choices is not None and out not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise ConfigError(f"Invalid value {value!r} for {self.name}: must be one of {allowed}")
        if self.minimum is not None and out is not None and out < self.minimum:
            raise ConfigError(f"Invalid value {value!r} for {self.name}: {self._bounds()}")
        if self.maximum is not None and out is not None and out > self.maximum:
            raise ConfigError(f"Invalid value {value!r} for {self.name}: {self._bounds()}")
        return out

    def _bounds(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"must be between {self.minimum:g} and {self.maximum:g}"
        if self.minimum is not None:
            return f"must be at least {self.minimum:g}"
        return f"must be at most {self.maximum:g}"


class SettingsRegistry:
    """All declarations; declaring a name twice is an error at start-up."""

    def __init__(self) -> None:
        self._decls: dict[str, Setting] = {}

    def declare(self, setting: Setting) -> Setting:
        if setting.name in self._decls:
            raise RuntimeError(f"setting {setting.name!r} declared twice")
        self._decls[setting.name] = setting
        return setting

    def get(self, name: str) -> Setting:
        try:
            return self._decls[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._decls, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"Unknown setting {name!r}{hint}") from None

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._decls.values())


SETTINGS = SettingsRegistry()


def _s(name: str, type_: type, default: Any, title: str, **kw: Any) -> Setting:
    return SETTINGS.declare(Setting(name, type_, default, title, **kw))


_s("model", str, "", N_("Active model"), description=N_("Path of the GGUF file; empty means the default model."))
_s("system_prompt", str, "You are a helpful assistant.", N_("System prompt"))
_s("temperature", float, 0.7, N_("Temperature"), minimum=0.0, maximum=2.0)
_s("top_p", float, 0.95, N_("Top-p"), minimum=0.0, maximum=1.0)
_s("top_k", int, 40, N_("Top-k"), minimum=0, maximum=1000)
_s("min_p", float, 0.05, N_("Min-p"), minimum=0.0, maximum=1.0)
_s("repeat_penalty", float, 1.1, N_("Repeat penalty"), minimum=0.0, maximum=5.0)
_s("max_tokens", int, 512, N_("Maximum reply tokens"), minimum=1, maximum=131072)
_s("seed", int, -1, N_("Seed"), description=N_("-1 picks a new seed each time."), minimum=-1)
_s("context_length", int, 4096, N_("Context length"), minimum=256, maximum=1048576, restart=True)
_s("gpu_layers", int, -1, N_("GPU layers"), description=N_("-1 chooses automatically."), minimum=-1, restart=True)
_s("gpu_device", int, -1, N_("GPU"), minimum=-1, maximum=63, restart=True,
   description=N_("Where there are several GPUs: -1 chooses the one with the most free "
                  "memory, or splits a model that fits on none; a number keeps models on that GPU."))
_s("gpu_split", str, "auto", N_("Splitting a model across GPUs"), choices=("auto", "layer", "row"),
   restart=True, description=N_("auto splits only a model that fits on no single GPU, by "
                                "layers; layer or row split every model across all GPUs."))
_s("threads", int, 0, N_("Threads"), description=N_("0 uses the physical cores."), minimum=0, maximum=1024, restart=True)
_s("context_overflow", str, "summarize", N_("When the conversation outgrows the context"), choices=("summarize", "drop_oldest"))
_s("rope_scaling", bool, False, N_("Extend context with RoPE/YaRN scaling"), restart=True)
_s("kv_cache", str, "f16", N_("KV cache precision"), choices=("f16", "q8_0", "q4_0"), restart=True,
   description=N_("q8_0 halves the memory a long context takes with almost no change in "
                  "replies; q4_0 quarters it, with some."))
_s("speculative", str, "off", N_("Speculative decoding"), choices=("off", "lookup", "model"),
   restart=True, description=N_("Draft a few tokens ahead and let the model verify them in one "
                                "step: the same replies, sometimes faster. lookup drafts from "
                                "the conversation itself (pays when replies quote it); model "
                                "drafts with the draft model below."))
_s("draft_model", str, "", N_("Draft model"), restart=True,
   description=N_("A smaller GGUF model with the chat model's vocabulary (a path, or a name "
                  "in the model folders), for speculative decoding with a draft model."))
_s("draft_tokens", int, 8, N_("Tokens drafted at a time"), minimum=1, maximum=32)
_s("model_dirs", str, "", N_("Extra model folders"), description=N_("Separated by the OS path separator."))
_s("allow_unsigned", bool, False, N_("Allow unsigned models"))
_s("model_options", dict, {}, N_("Per-model options"),
   description=N_("GPU layers and context length for each model file, by file name."))
_s("embedding_model", str, "", N_("Embedding model for documents"),
   description=N_("A GGUF file (a path, or a name in the model folders) that finds document "
                  "passages by meaning as well as by words; empty: by words only."))
_s("theme", str, "system", N_("Theme"), choices=("system", "light", "dark"))
_s("language", str, "system", N_("Language"), choices=("system", "en", "zh_CN"), restart=False)
_s("api_port", int, 8080, N_("Port"), description=N_("0 picks a free port each time."),
   minimum=0, maximum=65535)
_s("retention_days", int, 0, N_("Erase conversations unused for (days)"),
   description=N_("Conversations not changed for more than this many days are erased at "
                  "start-up and daily; 0 keeps them until you delete them."),
   minimum=0, maximum=36500)
_s("api_allow_network", bool, False, N_("Allow other computers (0.0.0.0)"),
   description=N_("Listen on every network address, not only this computer's; needs an API key."))
_s("sync_url", str, "", N_("Sync server"),
   description=N_("A WebDAV folder, e.g. https://dav.example.org/remote.php/dav/files/me/; "
                  "empty: this computer never connects to one."))
_s("sync_user", str, "", N_("Sync user name"))
_s("sync_ca_bundle", str, "", N_("CA bundle for the sync server"),
   description=N_("A PEM file of your organisation's certificate authorities; empty: the system's."))
_s("sync_client_cert", str, "", N_("Client certificate for the sync server"),
   description=N_("A PEM file holding the certificate and its key, if the server asks for one."))
_s("sync_interval_minutes", int, 5, N_("Sync every (minutes)"), minimum=1, maximum=1440)
_s("mcp_servers", list, [], N_("Tool servers (MCP)"),
   description=N_("Local programs whose tools the model may call, each "
                  '{"name": …, "command": …, "args": [...], "effects": true}; started on this '
                  "computer and spoken to over standard input and output."))


@dataclass
class Settings:
    """User preferences persisted as JSON in the config dir; unknown keys are kept as-is."""

    path: Path
    _values: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _listeners: list[Callable[[str, Any], None]] = field(default_factory=list, repr=False)
    # The settings the administrator's policy fixes (name → value), asked on every read and
    # write; installed by the layer that reads the policy.
    _locks: Callable[[], Mapping[str, Any]] = field(default=lambda: {}, repr=False)

    @classmethod
    def load(cls, path: Path) -> Settings:
        values: dict[str, Any] = {}
        if path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(raw, dict):
                    values = raw
            except (OSError, ValueError):
                # A damaged settings file must not stop the app: keep it aside, start clean.
                path.replace(path.with_suffix(".json.damaged"))
        return cls(path, values)

    def lock_with(self, locks: Callable[[], Mapping[str, Any]]) -> None:
        """Have ``locks()`` (name → value) outrank what the user chose, at every door."""
        self._locks = locks

    def locked(self) -> Mapping[str, Any]:
        return self._locks()

    def get(self, name: str) -> Any:
        decl = SETTINGS.get(name)
        locks = self._locks()
        if name in locks:
            return locks[name]
        if name in self._values:
            try:
                return decl.coerce(self._values[name])
            except ConfigError:
                return decl.default
        return decl.default

    def set(self, name: str, value: Any) -> None:
        decl = SETTINGS.get(name)
        coerced = decl.coerce(value)
        self._refuse_if_locked(name, coerced)
        with self._lock:
            self._values[name] = coerced
            self._save()
        for listener in list(self._listeners):
            listener(name, coerced)

    def reset(self, name: str) -> None:
        decl = SETTINGS.get(name)
        self._refuse_if_locked(name, decl.default)
        with self._lock:
            self._values.pop(name, None)
            self._save()

    def _refuse_if_locked(self, name: str, value: Any) -> None:
        locks = self._locks()
        if name in locks and value != locks[name]:
            raise PolicyViolation(f"{name} is locked by the administrator's policy: it stays "
                                  f"{locks[name]!r}")

    def on_change(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def as_dict(self) -> dict[str, Any]:
        return {s.name: self.get(s.name) for s in SETTINGS}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self._values, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def physical_cores() -> int:
    """Physical cores (not hyper-threads); llama.cpp decodes fastest on those."""
    try:
        seen: set[tuple[str, str]] = set()
        phys = core = None
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("physical id"):
                    phys = line.split(":", 1)[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":", 1)[1].strip()
                elif not line.strip():
                    if core is not None:
                        seen.add((phys or "0", core))
                    phys = core = None
        if seen:
            return min(len(seen), os.cpu_count() or len(seen))
    except OSError:
        pass
    n = os.cpu_count() or 1
    return max(1, n // 2) if n > 4 else n
