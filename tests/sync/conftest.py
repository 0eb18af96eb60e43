from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.dav_server import DavServer, running_server
from tests.sync.devices import Device


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[DavServer]:
    yield from running_server(tmp_path / "dav-root")


@pytest.fixture
def devices(tmp_path: Path, dav: DavServer, migrated_database: Path) -> Iterator[list[Device]]:
    """Three devices (own data folder, own keyring), none set up for sync yet."""
    made = [Device(tmp_path / f"device-{n}", migrated_database, dav) for n in "abc"]
    try:
        yield made
    finally:
        for device in made:
            device.close()
