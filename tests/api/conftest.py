"""One real API server on loopback with the default model, shared by the API tests.

It has two slots, a wait queue of one, a 256 KiB body limit and an API key, so
the same process shows batching, a full queue, a too-large body and a wrong key.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from api_helpers import ApiServer, Served

from app.security.api_keys import ApiKeyStore


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("api-server")
    _, key = ApiKeyStore(data).create("tests")
    # One thread: a pool of several spins at every barrier, and on a machine whose
    # cores are busy with other tests that can make each step many times slower.
    server = ApiServer(data, "--threads", "1", "--slots", "2", "--ctx", "1024",
                       "--queue-depth", "1", "--max-body", "256K", "--drain-timeout", "5")
    url = server.wait_ready()
    yield Served(server, url, key, data)
    server.stop()


@pytest.fixture
def client(served: Served) -> openai.OpenAI:
    served.server.wait_idle()  # what an earlier test cancelled has left its slot
    return served.client()
