"""Fixtures for the signature tests: a test signing key, a signed copy of the default model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.security.keys import KeyInfo, TrustStore, generate_key
from app.security.manifest import manifest_path_for, sign_model

MODEL_NAME = "model.gguf"


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> KeyInfo:
    return generate_key(tmp_path_factory.mktemp("keys"), "Test signer")


@pytest.fixture(scope="session")
def _signed_original(
    tmp_path_factory: pytest.TempPathFactory, default_model_path: Path, signing_key: KeyInfo
) -> Path:
    """Signed once per session; tests get copies (signing hashes the whole file)."""
    model = tmp_path_factory.mktemp("signed") / MODEL_NAME
    shutil.copyfile(default_model_path, model)
    assert signing_key.private_path is not None
    sign_model(model, signing_key.private_path)
    return model


@pytest.fixture
def signed_model(tmp_path: Path, _signed_original: Path) -> Path:
    """A fresh copy of the default model signed by ``signing_key``, its manifest beside it.

    Lives in tmp_path/models as model.gguf; a test may tamper with both files.
    """
    models = tmp_path / "models"
    models.mkdir()
    model = models / MODEL_NAME
    shutil.copyfile(_signed_original, model)
    shutil.copyfile(manifest_path_for(_signed_original), manifest_path_for(model))
    return model


@pytest.fixture
def trust(tmp_path: Path, signing_key: KeyInfo) -> TrustStore:
    """A user trust store holding only the test key (the shipped release key left out)."""
    store = TrustStore([tmp_path / "trust"], include_shipped=False)
    store.trust(signing_key)
    return store
