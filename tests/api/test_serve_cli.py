"""`autoglm serve` as an operator runs it: keys made, listed and revoked from the
command line, a refusal to open the API to the network without keys, and a
SIGTERM that lets the replies in progress finish."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
from api_helpers import ApiServer, Served


def autoglm(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "AUTOGLM_POLICY_FILE": str(data_dir / "no-policy.json")})


def test_keys_are_shown_once_stored_hashed_and_revoked_at_once(served: Served) -> None:
    made = autoglm(served.data_dir, "serve", "keys", "create", "notebooks")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("agl-") and "shown only this once" in made.stderr
    stored = (served.data_dir / "api_keys.json").read_text()
    assert key not in stored and key.split("_", 1)[1] not in stored
    listed = autoglm(served.data_dir, "serve", "keys", "list")
    assert "notebooks" in listed.stdout and key not in listed.stdout
    assert served.client(key).models.list().data  # the running server accepts the new key

    revoked = autoglm(served.data_dir, "serve", "keys", "revoke", "notebooks")
    assert revoked.returncode == 0, revoked.stderr
    with pytest.raises(openai.AuthenticationError):
        served.client(key).models.list()  # …and refuses it as soon as it is revoked
    as_json = json.loads(autoglm(served.data_dir, "--json", "serve", "keys", "list").stdout)
    assert any(k["name"] == "notebooks" and k["revoked_at"] for k in as_json)


def test_binding_a_network_address_without_keys_is_refused(tmp_path: Path) -> None:
    out = autoglm(tmp_path, "serve", "--host", "0.0.0.0", "--port", "0")
    assert out.returncode != 0
    assert "API keys" in out.stderr and "autoglm serve keys create" in out.stderr


def test_an_unknown_model_fails_the_start_with_one_line(tmp_path: Path) -> None:
    out = autoglm(tmp_path, "serve", "--model-path", str(tmp_path / "missing.gguf"), "--port", "0")
    assert out.returncode != 0
    assert out.stderr.startswith("autoglm: error:") and "missing.gguf" in out.stderr


def _stream(url: str, max_tokens: int) -> tuple[httpx.Client, object]:
    client = httpx.Client(timeout=60)
    body = {"model": "any", "max_tokens": max_tokens, "ignore_eos": True, "stream": True,
            "messages": [{"role": "user", "content": "Tell me a long story."}]}
    return client, client.stream("POST", url + "/v1/chat/completions", json=body)


DRAIN_S = 4


@pytest.mark.slow
def test_sigterm_lets_replies_in_progress_finish_within_the_deadline(tmp_path: Path) -> None:
    # The long reply outlasts the deadline, so the test waits all of it: a short one (eight
    # tokens already under way finish in well under a second) keeps the wait short.
    server = ApiServer(tmp_path / "data", "--threads", "1", "--slots", "2", "--ctx", "1024",
                       "--drain-timeout", str(DRAIN_S))
    url = server.wait_ready()
    short_client, short = _stream(url, 8)
    long_client, long = _stream(url, 1000)
    try:
        short_lines = short.__enter__().iter_lines()  # type: ignore[attr-defined]
        long_lines = long.__enter__().iter_lines()  # type: ignore[attr-defined]
        next(short_lines), next(long_lines)
        server.wait_for(busy_slots=2)
        t0 = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        rest = [line for line in short_lines if line]
        assert rest[-1] == "data: [DONE]"  # the short reply ran to its end
        assert any('"finish_reason":"length"' in line for line in rest)
        with pytest.raises(httpx.HTTPError):  # nothing new is taken
            httpx.get(url + "/health", timeout=2)
        try:
            list(long_lines)  # the long one is cut at the deadline
        except httpx.HTTPError:
            pass
        server.proc.wait(30)
        assert time.monotonic() - t0 < DRAIN_S + 10
    finally:
        for client, cm in ((short_client, short), (long_client, long)):
            cm.__exit__(None, None, None)  # type: ignore[attr-defined]
            client.close()
        server.stop()
