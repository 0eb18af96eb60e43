"""Fixtures for service tests: the default model loaded once, a migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture
def convs(ctx: AppContext, loaded_model: LoadedModel) -> Iterator[Conversations]:
    conversations = open_conversations(ctx, loaded_model)
    yield conversations
    conversations.close()
