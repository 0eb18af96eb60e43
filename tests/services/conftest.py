"""Fixtures for service tests: the default model loaded once, a migrated database per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.context import AppContext, open_context
from app.services.conversations import Conversations, open_conversations
from app.services.models import LoadedModel


@pytest.fixture(scope="session")
def loaded_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedModel]:
    """The default model through the signature gate, as the app loads it, with the
    2048-token context the tests reason about.

    One thread: these tests check what is sent and saved, not speed, and one thread
    stays quick when other processes share the cores, where two polling threads on
    two busy cores slow decoding many times over.
    """
    from app.services.models import load_model

    ctx = open_context(tmp_path_factory.mktemp("model-data"))
    model = load_model(ctx, n_ctx=2048, threads=1)
    yield model
    model.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema, built once and copied per test."""
    from app.store.migrate import migrate

    path = tmp_path_factory.mktemp("template") / "autoglm.sqlite3"
    migrate(path)
    return path


@pytest.fixture
def ctx(isolate: Path, migrated_database: Path) -> AppContext:
    """The app's context on this test's data folder (AUTOGLM_DATA_DIR), its database fresh."""
    context = open_context()
    shutil.copyfile(migrated_database, context.paths.database)
    return context


@pytest.fixture
def convs(ctx: AppContext, loaded_model: LoadedModel) -> Iterator[Conversations]:
    conversations = open_conversations(ctx, loaded_model)
    yield conversations
    conversations.close()
