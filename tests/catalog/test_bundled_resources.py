"""Inside the Linux bundle (packaging/bundle) the default model is the copy shipped in the
bundle's resources, which carry no package metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog import catalog


def test_the_default_model_shipped_in_the_resources_comes_before_the_installed_package(
        model_link: Path, default_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = model_link.with_name(default_model_path.name)
    model_link.rename(bundled)
    monkeypatch.setattr(catalog, "BUNDLED_MODELS_DIR", bundled.parent)
    assert catalog.default_model_path() == bundled.resolve()


def test_without_a_shipped_model_the_default_comes_from_the_installed_package(
        tmp_path: Path, default_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "BUNDLED_MODELS_DIR", tmp_path / "no-models-here")
    assert catalog.default_model_path() == default_model_path
