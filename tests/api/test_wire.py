"""OpenAI's wire format as its own client checks it (strict response validation) against
a real `autoglm serve` on 127.0.0.1: required fields, the fingerprint, log-probabilities,
several choices, the model list and the Prometheus metrics."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import httpx
import openai
import pytest
from api_helpers import Served

from app.services.serving import fingerprint_of

MESSAGES = [{"role": "user", "content": "Name a colour of the rainbow."}]


@pytest.fixture
def strict(served: Served) -> openai.OpenAI:
    served.server.wait_idle()
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0,
                         timeout=120, _strict_response_validation=True)


def _post(served: Served, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(served.url + path, json=body, timeout=120,
                      headers={"Authorization": f"Bearer {served.key}"})


def test_a_request_without_model_is_refused_with_400_naming_model(served: Served) -> None:
    for path, body in (("/v1/chat/completions", {"messages": MESSAGES}),
                       ("/v1/completions", {"prompt": "Hello"})):
        r = _post(served, path, body)
        assert r.status_code == 400
        assert r.json()["error"] == {"message": "you must provide a model parameter",
                                     "type": "invalid_request_error", "param": "model",
                                     "code": "missing_required_parameter"}


def test_unknown_fields_are_ignored_and_seed_user_stop_are_honoured(served: Served,
                                                                   strict: openai.OpenAI) -> None:
    r = _post(served, "/v1/chat/completions",
              {"model": "any", "messages": MESSAGES, "max_tokens": 4, "store": False,
               "metadata": {"run": "x"}, "reasoning_effort": "low", "a_future_field": [1, 2]})
    assert r.status_code == 200, r.text
    kw = {"model": "any", "messages": MESSAGES, "max_tokens": 12, "seed": 7, "user": "u-1",
          "stop": ["\n\n", "###", "zzz", "qqq"]}
    a = strict.chat.completions.create(**kw)  # type: ignore[call-overload]
    b = strict.chat.completions.create(**kw)  # type: ignore[call-overload]
    assert a.choices[0].message.content == b.choices[0].message.content
    with pytest.raises(openai.BadRequestError) as err:
        strict.chat.completions.create(**{**kw, "stop": ["a", "b", "c", "d", "e"]})  # type: ignore[call-overload]
    assert err.value.param == "stop"


def test_the_system_fingerprint_is_a_string_in_every_shape(strict: openai.OpenAI) -> None:
    whole = strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2)
    fp = whole.system_fingerprint
    assert fp is not None and fp.startswith("fp_") and len(fp) == 13
    chunks = list(strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2,
                                                 stream=True))
    assert {c.system_fingerprint for c in chunks} == {fp}
    text = strict.completions.create(model="any", prompt="One, two,", max_tokens=2)
    assert text.system_fingerprint == fp


def test_the_fingerprint_changes_with_the_model_or_the_build(tmp_path: Path) -> None:
    from app.catalog.catalog import default_model_path

    model = default_model_path()
    assert model is not None
    other = tmp_path / "other.gguf"
    shutil.copyfile(model, other)
    with other.open("ab") as f:
        f.write(b"\0")
    base = fingerprint_of(model, "0.1.0", "0.3.36")
    assert base == fingerprint_of(model, "0.1.0", "0.3.36")
    assert base != fingerprint_of(other, "0.1.0", "0.3.36")
    assert base != fingerprint_of(model, "0.1.1", "0.3.36")
    assert base != fingerprint_of(model, "0.1.0", "0.3.37")


def _check_top(entries: list[tuple[float, list[float]]]) -> None:
    assert entries
    for chosen, top in entries:
        assert len(top) == 3
        assert top == sorted(top, reverse=True)
        assert all(v <= 0 for v in top) and chosen <= 0
        assert sum(math.exp(v) for v in top) <= 1 + 1e-9


def test_chat_logprobs_with_top_3_are_real_log_probabilities(strict: openai.OpenAI) -> None:
    reply = strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=8,
                                           temperature=0, logprobs=True, top_logprobs=3)
    lp = reply.choices[0].logprobs
    assert lp is not None and lp.content
    _check_top([(t.logprob, [a.logprob for a in t.top_logprobs]) for t in lp.content])
    for t in lp.content:  # greedy: the chosen token is the likeliest
        assert t.token == t.top_logprobs[0].token and t.logprob == t.top_logprobs[0].logprob
        assert bytes(t.bytes or []).decode("utf-8", "replace") == t.token
    assert "".join(t.token for t in lp.content) == reply.choices[0].message.content
    streamed = []
    usage = None
    for chunk in strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=8,
                                                temperature=0, logprobs=True, top_logprobs=3,
                                                stream=True, stream_options={"include_usage": True}):
        usage = chunk.usage or usage
        for c in chunk.choices:
            if c.logprobs and c.logprobs.content:
                streamed.extend(c.logprobs.content)
    assert [(t.token, t.logprob) for t in streamed] == [(t.token, t.logprob) for t in lp.content]
    assert usage is not None and usage.completion_tokens == len(streamed)


def test_text_completion_logprobs_streamed_and_whole(strict: openai.OpenAI,
                                                    client: openai.OpenAI) -> None:
    whole = strict.completions.create(model="any", prompt="The capital of France is",
                                      max_tokens=4, temperature=0, logprobs=3)
    lp = whole.choices[0].logprobs
    assert lp is not None and lp.tokens and lp.token_logprobs and lp.top_logprobs
    assert "".join(lp.tokens) == whole.choices[0].text
    assert lp.text_offset == [sum(len(t) for t in lp.tokens[:i]) for i in range(len(lp.tokens))]
    _check_top([(c, sorted(top.values(), reverse=True))
                for c, top in zip(lp.token_logprobs, lp.top_logprobs, strict=True)])
    tokens: list[str] = []
    # The client's Completion type, which it also uses for streamed chunks, declares
    # finish_reason never null, yet OpenAI sends null until a choice ends: strict
    # validation cannot read any completion stream, so this one is read leniently.
    for chunk in client.completions.create(model="any", prompt="The capital of France is",
                                           max_tokens=4, temperature=0, logprobs=3, stream=True):
        for c in chunk.choices:
            if c.logprobs and c.logprobs.tokens:
                tokens.extend(c.logprobs.tokens)
    assert tokens == lp.tokens


def test_n_2_gives_two_choices_and_more_than_the_slots_is_a_clear_400(
        strict: openai.OpenAI) -> None:
    reply = strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=6, n=2,
                                           seed=3)
    assert [c.index for c in reply.choices] == [0, 1]
    assert all(c.message.content for c in reply.choices)
    assert reply.usage is not None and reply.usage.completion_tokens <= 12
    with pytest.raises(openai.BadRequestError) as err:
        strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=6, n=3)
    assert err.value.param == "n"
    assert "at most 2 sequences" in err.value.message


def test_models_lists_each_model_with_its_signature_state(served: Served,
                                                          strict: openai.OpenAI) -> None:
    models = strict.models.list().data
    served_card = models[0].model_dump()
    assert served_card["id"] == "SmolLM2-135M-Instruct.Q4_1"
    assert served_card["served"] is True and served_card["signature"] == "verified"
    assert served_card["signer"]
    assert strict.models.retrieve(models[0].id).id == models[0].id
    from app.catalog.catalog import default_model_path

    folder = served.data_dir / "models"
    folder.mkdir(exist_ok=True)
    other = folder / "Second.Q4_1.gguf"
    shutil.copyfile(default_model_path(), other)  # type: ignore[arg-type]
    try:
        cards = {m.id: m.model_dump() for m in strict.models.list().data}
        assert cards["Second.Q4_1"]["served"] is False
        assert cards["Second.Q4_1"]["signature"] == "unsigned"  # no manifest beside it
        assert strict.models.retrieve("Second.Q4_1").model_dump()["signature"] == "unsigned"
    finally:
        other.unlink()
    with pytest.raises(openai.NotFoundError):
        strict.models.retrieve("Second.Q4_1")


def test_metrics_are_prometheus_text_with_the_usual_names(served: Served,
                                                          strict: openai.OpenAI) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    strict.chat.completions.create(model="any", messages=MESSAGES, max_tokens=2)
    r = httpx.get(served.url + "/metrics", headers={"Authorization": f"Bearer {served.key}"})
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert families["autoglm_requests"].type == "counter"
    assert families["autoglm_request_duration_seconds"].type == "histogram"
    assert families["autoglm_time_to_first_token_seconds"].type == "histogram"
    assert families["autoglm_queue_depth"].type == "gauge"
    assert families["autoglm_engine_decode_seconds"].type == "counter"
    done = [s for s in families["autoglm_requests"].samples
            if s.labels == {"endpoint": "/v1/chat/completions", "status": "200"}
            and s.name == "autoglm_requests_total"]
    assert done and done[0].value >= 1
