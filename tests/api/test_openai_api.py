"""The API as OpenAI's own Python client uses it, against a real `autoglm serve`
process on 127.0.0.1 with the default model."""

from __future__ import annotations

import json
import math
import time

import httpx
import openai
import pytest
from api_helpers import Served

MESSAGES = [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name three colours of the rainbow."}]


def test_models_lists_the_served_model(client: openai.OpenAI) -> None:
    models = client.models.list().data
    assert [m.id for m in models] == ["SmolLM2-135M-Instruct.Q4_1"]
    assert client.models.retrieve(models[0].id).owned_by == "open-autoglm"


def test_a_chat_reply_comes_back_whole_with_usage(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="any", messages=MESSAGES, max_tokens=24, seed=1)
    choice = reply.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content and choice.message.content.strip()
    assert choice.finish_reason in {"stop", "length"}
    assert reply.usage is not None and reply.usage.prompt_tokens > 10
    assert 0 < reply.usage.completion_tokens <= 24
    again = client.chat.completions.create(model="any", messages=MESSAGES, max_tokens=24, seed=1)
    assert again.choices[0].message.content == choice.message.content  # a seed repeats a reply


def test_a_chat_reply_streams_token_by_token(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="any", messages=MESSAGES, max_tokens=20, seed=2,
                                            stream=True, stream_options={"include_usage": True})
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for c in chunk.choices:
            if c.delta.content:
                pieces.append(c.delta.content)
            finish = c.finish_reason or finish
    assert len(pieces) > 3 and "".join(pieces).strip()
    assert finish in {"stop", "length"}
    assert usage is not None and usage.completion_tokens >= len(pieces) - 1


def test_a_text_completion_continues_the_prompt(client: openai.OpenAI) -> None:
    out = client.completions.create(model="any", prompt="The capital of France is", max_tokens=8,
                                    temperature=0)
    assert out.choices[0].text.strip()
    assert out.usage is not None and out.usage.completion_tokens <= 8
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="any", prompt="The capital of France is", max_tokens=8, temperature=0, stream=True)
        if c.choices)
    assert streamed == out.choices[0].text  # greedy: the same words either way


def test_embeddings_are_unit_vectors_and_repeatable(client: openai.OpenAI) -> None:
    # The client asks for base64 by default and decodes it; ask for floats too.
    res = client.embeddings.create(model="any", input=["a cat on a mat", "quarterly revenue"])
    a, b = (d.embedding for d in res.data)
    assert len(a) == len(b) == 576
    assert math.isclose(sum(x * x for x in a), 1.0, rel_tol=1e-3)
    assert a != b
    floats = client.embeddings.create(model="any", input="a cat on a mat", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(a, abs=1e-5)
    assert res.usage.prompt_tokens > 4


def test_a_json_schema_reply_parses_and_validates(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 30},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
            "colours": {"type": "array", "items": {"type": "string", "maxLength": 12},
                        "maxItems": 3},
        },
        "required": ["name", "age", "colours"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model="any", max_tokens=200, temperature=0,
        messages=[{"role": "user", "content": "Describe a person called Ada, 36, who likes red."}],
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema}},
    )
    assert reply.choices[0].finish_reason == "stop"
    data = json.loads(reply.choices[0].message.content or "")
    assert set(data) == {"name", "age", "colours"}
    assert isinstance(data["name"], str) and len(data["name"]) <= 30
    assert isinstance(data["age"], int) and 0 <= data["age"] <= 150
    assert isinstance(data["colours"], list) and len(data["colours"]) <= 3
    assert all(isinstance(c, str) for c in data["colours"])
    loose = client.chat.completions.create(model="any", max_tokens=120, temperature=0,
                                           messages=[{"role": "user", "content": "A JSON object, please."}],
                                           response_format={"type": "json_object"})
    assert isinstance(json.loads(loose.choices[0].message.content or ""), dict)


def test_a_wrong_or_missing_key_is_refused_with_401(served: Served) -> None:
    with pytest.raises(openai.AuthenticationError) as err:
        served.client("agl-00000000_not-a-real-key").models.list()
    assert err.value.status_code == 401
    assert err.value.code == "invalid_api_key"
    r = httpx.get(served.url + "/v1/models")
    assert r.status_code == 401
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_a_body_over_the_limit_is_refused_with_413(served: Served) -> None:
    big = {"model": "any", "messages": [{"role": "user", "content": "x" * 300_000}]}
    r = httpx.post(served.url + "/v1/chat/completions", json=big,
                   headers={"Authorization": f"Bearer {served.key}"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_too_large"
    with pytest.raises(openai.APIStatusError) as err:
        served.client().chat.completions.create(model="any", messages=big["messages"])  # type: ignore[arg-type]
    assert err.value.status_code == 413


def test_max_tokens_over_the_limit_is_a_400_naming_the_parameter(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="any", messages=MESSAGES, max_tokens=100_000)
    assert err.value.param == "max_tokens"


def _long_stream(served: Served) -> tuple[httpx.Client, object]:
    """A streamed reply of ~900 tokens, opened and left to run."""
    client = httpx.Client(timeout=60)
    body = {"model": "any", "messages": MESSAGES, "max_tokens": 900, "ignore_eos": True, "stream": True}
    cm = client.stream("POST", served.url + "/v1/chat/completions", json=body,
                       headers={"Authorization": f"Bearer {served.key}"})
    return client, cm


def _first_content(lines: object) -> float:
    for line in lines:  # type: ignore[attr-defined]
        if '"content":"' in line and '"content":""' not in line:
            return time.perf_counter()
    raise AssertionError("the stream ended without content")


def test_a_full_queue_answers_503_with_retry_after(served: Served) -> None:
    served.server.wait_idle()
    opened = []
    try:
        for _ in range(3):  # two slots and a queue of one
            client, cm = _long_stream(served)
            resp = cm.__enter__()  # type: ignore[attr-defined]
            opened.append((client, cm))
            assert resp.status_code == 200
        served.server.wait_for(busy_slots=2, queue=1)
        with pytest.raises(openai.InternalServerError) as err:
            served.client().chat.completions.create(model="any", messages=MESSAGES, max_tokens=4)
        assert err.value.status_code == 503
        assert int(err.value.response.headers["Retry-After"]) >= 1
        assert err.value.code == "server_busy"
    finally:
        for client, cm in opened:
            cm.__exit__(None, None, None)  # type: ignore[attr-defined]
            client.close()
    served.server.wait_idle()  # and every cancelled stream gave its slot back


def test_a_client_that_disconnects_frees_its_slot_at_once(served: Served) -> None:
    served.server.wait_idle()
    a_client, a = _long_stream(served)
    b_client, b = _long_stream(served)
    c_client, c = _long_stream(served)
    try:
        a_lines = a.__enter__().iter_lines()  # type: ignore[attr-defined]
        t1 = _first_content(a_lines)
        for _ in range(5):
            t2 = _first_content(a_lines)
        per_token = (t2 - t1) / 5  # how fast this machine is right now
        b_lines = b.__enter__().iter_lines()  # type: ignore[attr-defined]
        _first_content(b_lines)
        c_lines = c.__enter__().iter_lines()  # type: ignore[attr-defined]
        served.server.wait_for(busy_slots=2, queue=1)  # C waits: A and B have ~900 tokens to go
        gone = time.perf_counter()
        a.__exit__(None, None, None)  # type: ignore[attr-defined]
        a_client.close()
        started = _first_content(c_lines)
        # At once: within a few decode steps, not after A's remaining ~890 tokens.
        limit = max(5.0, 10 * per_token)
        assert started - gone < limit, f"the waiting request started {started - gone:.1f} s after"
    finally:
        for client, cm in ((b_client, b), (c_client, c)):
            cm.__exit__(None, None, None)  # type: ignore[attr-defined]
            client.close()
    served.server.wait_idle()


def test_health_metrics_and_openapi_are_served(served: Served, client: openai.OpenAI) -> None:
    client.chat.completions.create(model="any", messages=MESSAGES, max_tokens=4)
    health = httpx.get(served.url + "/health").json()
    assert health["status"] == "ready" and health["slots"] == 2
    metrics = httpx.get(served.url + "/metrics", headers={"Authorization": f"Bearer {served.key}"})
    assert metrics.status_code == 200
    text = metrics.text
    assert 'autoglm_requests_total{endpoint="/v1/chat/completions",status="200"}' in text
    assert "autoglm_queue_depth 0" in text
    assert "autoglm_request_duration_seconds_bucket" in text
    assert "autoglm_completion_tokens_total" in text
    spec = httpx.get(served.url + "/openapi.json").json()
    assert {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"} <= set(spec["paths"])


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(served: Served) -> None:
    from app.security.api_keys import ApiKeyStore

    _, slow_key = ApiKeyStore(served.data_dir).create("one per minute", rate_limit=1)
    c = served.client(slow_key)
    c.models.list()
    with pytest.raises(openai.RateLimitError) as err:
        c.models.list()
    assert int(err.value.response.headers["Retry-After"]) >= 30
