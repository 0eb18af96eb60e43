"""The API's `collection` extension on chat completions: a real server on loopback, a real
collection, the real default model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_helpers import ApiServer  # noqa: E402

from app.services.doc_answers import NOTHING_FOUND  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from docs_helpers import PDF_PAGES, make_pdf

    data = tmp_path_factory.mktemp("api-docs")
    files = tmp_path_factory.mktemp("files")
    make_pdf(files / "report.pdf", PDF_PAGES)
    # Added by the CLI in the server's own environment (its keyring, its folders), as a
    # user would before starting the server.
    env = {**os.environ, "AUTOGLM_POLICY_FILE": str(data / "no-policy.json"),
           "XDG_CONFIG_HOME": str(data / "xdg-config"), "XDG_DATA_HOME": str(data / "xdg-data"),
           "XDG_CACHE_HOME": str(data / "xdg-cache")}
    added = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data), "docs", "add",
                            "--collection", "Ops", str(files)], env=env, capture_output=True,
                           text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    served = ApiServer(data, "--threads", "1", "--slots", "1", "--ctx", "2048")
    url = served.wait_ready()
    yield url
    served.stop()


def test_a_chat_completion_answers_from_a_collection_with_citations(server: str) -> None:
    body = {"model": "any",
            "messages": [{"role": "user", "content": "How many pallets does the Harbin "
                          "warehouse hold?"}],
            "collection": "Ops", "temperature": 0, "max_tokens": 32}
    reply = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=300).json()
    text = reply["choices"][0]["message"]["content"]
    assert "4,200" in text
    first = reply["citations"][0]
    assert (first["file"], first["page"], first["number"]) == ("report.pdf", 2, 1)
    assert first["how"] in ("cited", "matched")

    streamed = httpx.post(f"{server}/v1/chat/completions", json={**body, "stream": True},
                          timeout=300)
    events = [json.loads(line[6:]) for line in streamed.text.splitlines()
              if line.startswith("data: {")]
    assert events[0]["citations"][0]["page"] == 2
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events
                   if e["choices"]).strip()


def test_nothing_relevant_is_said_without_the_model_and_a_wrong_name_is_404(server: str) -> None:
    body = {"model": "any", "messages": [{"role": "user", "content": "What is the capital of Peru?"}],
            "collection": "Ops"}
    reply = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=60).json()
    assert reply["choices"][0]["message"]["content"] == NOTHING_FOUND.format(name="Ops")
    assert reply["citations"] == [] and reply["usage"]["completion_tokens"] == 0
    streamed = httpx.post(f"{server}/v1/chat/completions", json={**body, "stream": True},
                          timeout=60)
    assert NOTHING_FOUND.format(name="Ops")[:40] in streamed.text
    assert streamed.text.rstrip().endswith("data: [DONE]")

    missing = httpx.post(f"{server}/v1/chat/completions",
                         json={**body, "collection": "Nope"}, timeout=60)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"].startswith("No collection named “Nope”.")


def test_whole_documents_are_given_when_they_fit_and_shown_as_such(server: str) -> None:
    body = {"model": "any",
            "messages": [{"role": "user", "content": "Which office hired eleven new drivers?"}],
            "collection": "Ops", "whole_documents": True, "temperature": 0, "max_tokens": 16}
    reply = httpx.post(f"{server}/v1/chat/completions", json=body, timeout=300).json()
    (doc,) = reply["citations"]  # the one document, whole: all three pages
    assert (doc["file"], doc["mode"]) == ("report.pdf", "whole")
    assert "Harbin warehouse" in doc["text"] and "Dalian office" in doc["text"]
