"""Fixtures for the catalog tests: the real default model placed in a temporary folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

MODEL_NAME = "model.gguf"


@pytest.fixture
def model_link(tmp_path: Path, default_model_path: Path) -> Path:
    """The default model under tmp_path without copying it where a hard link works; do not modify."""
    dest = tmp_path / "models" / MODEL_NAME
    dest.parent.mkdir()
    try:
        os.link(default_model_path, dest)
    except OSError:
        shutil.copyfile(default_model_path, dest)
    return dest
