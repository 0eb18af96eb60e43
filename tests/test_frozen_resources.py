"""Inside the Linux bundle (packaging/bundle) the app finds its resources in the bundle's
own folder, as it finds them in a checkout."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import config


def test_a_frozen_app_reads_its_resources_from_the_bundles_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert config._resources_dir() == tmp_path / "_internal" / "resources"


def test_run_from_a_checkout_the_resources_are_the_checkouts() -> None:
    assert config._resources_dir() == config.REPO_ROOT / "resources"
