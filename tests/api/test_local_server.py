"""The server run inside the app's own process, as the GUI's settings start and stop it."""

from __future__ import annotations

import httpx

from app.api.server import LocalServer
from app.api.state import ServeOptions
from app.services.context import open_context


def test_a_local_server_starts_answers_and_stops() -> None:
    server = LocalServer(open_context(), ServeOptions(port=0, slots=1, n_ctx=512, threads=1))
    address = server.start()
    try:
        assert address.startswith("http://127.0.0.1:")
        assert httpx.get(address + "/health").json()["status"] == "ready"
        reply = httpx.post(address + "/v1/completions",
                           json={"model": "any", "prompt": "Hello", "max_tokens": 3,
                                 "temperature": 0}).json()
        assert reply["usage"]["completion_tokens"] == 3
    finally:
        server.stop()
    assert not server.running
