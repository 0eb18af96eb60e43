"""The safety filter on the API: a reply forced to hold a resident ID never sends a digit
of it over server-sent events, the response says what was removed, and a policy that
blocks a prompt answers 400 in OpenAI's shape. A real server, the real openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest
from api_helpers import Served

pytestmark = pytest.mark.slow

ID = "11010519491231002X"
# A grammar (from this JSON schema) makes the model write the ID, token by token.
FORCED = {"type": "json_schema", "json_schema": {"name": "person", "schema": {
    "type": "object", "properties": {"id": {"const": ID}}, "required": ["id"]}}}


def shows_a_piece_of_the_id(text: str) -> bool:
    return any(ID[i:i + 2] in text for i in range(len(ID) - 1))


def test_a_streamed_reply_never_sends_a_digit_of_an_id(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="any", messages=[{"role": "user", "content": "Give the person's ID as JSON."}],
        response_format=FORCED, max_tokens=40, temperature=0, stream=True)
    deltas, safety, reasons = [], [], []
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                deltas.append(choice.delta.content)
            if choice.finish_reason:
                reasons.append(choice.finish_reason)
        safety.extend((chunk.model_extra or {}).get("safety", []))
    text = "".join(deltas)
    assert len(deltas) > 1, "the reply streamed"
    assert not any(c.isdigit() for c in text), text  # the only digits the grammar allows are the ID's
    assert json.loads(text) == {"id": "[ID number removed]"}
    assert {"category": "id_number", "action": "redact", "direction": "output", "count": 1} in safety
    assert reasons == ["stop"]


def test_a_whole_reply_says_what_the_filter_did(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="any", messages=[{"role": "user", "content": f"我的身份证号是{ID}，请用JSON给出。"}],
        response_format=FORCED, max_tokens=40, temperature=0)
    text = reply.choices[0].message.content or ""
    assert not shows_a_piece_of_the_id(text) and "[ID number removed]" in text
    safety = (reply.model_extra or {})["safety"]
    assert {"choice": 0, "category": "id_number", "action": "warn", "direction": "input",
            "count": 1} in safety  # the prompt held one too: the default only flags it
    assert {"choice": 0, "category": "id_number", "action": "redact", "direction": "output",
            "count": 1} in safety


def test_a_completion_stream_is_filtered_too(served: Served) -> None:
    served.server.wait_idle()
    with httpx.stream("POST", served.url + "/v1/completions", timeout=120,
                      headers={"Authorization": f"Bearer {served.key}"},
                      json={"model": "any", "prompt": "ID:", "max_tokens": 30, "stream": True,
                            "response_format": FORCED}) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines()
                  if line.startswith("data: {")]
    text = "".join(c["text"] for e in events for c in e.get("choices", []))
    assert not shows_a_piece_of_the_id(text) and "[ID number removed]" in text
    assert any(e.get("safety") for e in events)


@pytest.fixture
def blocking_policy(served: Served) -> Iterator[None]:
    """The server reads the administrator's policy for every request: write one."""
    from tests.policy_helpers import write_policy

    path = served.data_dir / "no-policy.json"  # the file AUTOGLM_POLICY_FILE names
    write_policy(path, {"safety": {"actions": {"id_number": {"input": "block", "outbound": "block"}}}})
    yield
    path.unlink()


def test_a_reply_the_policy_blocks_stops_with_content_filter(client: openai.OpenAI,
                                                             blocking_policy: None) -> None:
    stream = client.chat.completions.create(
        model="any", messages=[{"role": "user", "content": "Give the person's ID as JSON."}],
        response_format=FORCED, max_tokens=40, temperature=0, stream=True)
    chunks = list(stream)
    text = "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)
    reasons = [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]
    assert text.endswith("[reply stopped: ID number found]") and not any(c.isdigit() for c in text)
    assert reasons == ["content_filter"]


def test_a_prompt_the_policy_blocks_is_refused_with_400(client: openai.OpenAI,
                                                        blocking_policy: None) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model="any", messages=[{"role": "user", "content": f"ID {ID}"}], max_tokens=5)
    body = err.value.body
    assert isinstance(body, dict) and body["code"] == "content_blocked"
    assert "of this kind: ID number" in body["message"]
    assert ID not in body["message"]
