"""What the doors audit: a model verified and loaded (or refused), a trust change, a setting,
a prompt and its reply, an export, and every API request on a real server on 127.0.0.1.
Records carry ids and counts, never what the user wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from app.cli import main
from app.engine.types import SamplingParams
from app.errors import ModelRefused
from app.security.api_keys import ApiKeyStore
from app.security.audit import AuditEntry
from app.security.keys import KeyInfo
from app.services.context import AppContext, open_context

SECRET_WORDS = "Platypus-4471 ledger"
ID_NUMBER = "11010519491231002X"  # a valid check digit


def audited(ctx: AppContext, action: str) -> list[AuditEntry]:
    return list(reversed(ctx.audit.list(limit=1000, action=action)))


def test_a_model_load_and_a_refusal_are_audited(isolate: Path, tmp_path: Path,
                                                default_model_path: Path) -> None:
    from app.services.models import load_model

    ctx = open_context(isolate)
    model = load_model(ctx, n_ctx=256, threads=1)
    model.close()
    verify, load = audited(ctx, "model.verify"), audited(ctx, "model.load")
    assert [(e.object, e.outcome) for e in load] == [(f"model:{default_model_path.name}", "ok")]
    assert verify[0].outcome == "ok" and verify[0].details["signed"] is True
    assert len(verify[0].details["sha256"]) == 64 and verify[0].details["signer"]
    assert load[0].details["sha256"] == verify[0].details["sha256"]

    unsigned = tmp_path / "models" / "unsigned.gguf"
    unsigned.parent.mkdir()
    os.link(default_model_path, unsigned)  # same bytes, no manifest beside it
    with pytest.raises(ModelRefused):
        load_model(ctx, str(unsigned), n_ctx=256, threads=1)
    refused = audited(ctx, "model.verify")[-1]
    assert (refused.object, refused.outcome) == ("model:unsigned.gguf", "refused")
    assert refused.details["kind"] == "NoManifest"
    assert len(audited(ctx, "model.load")) == 1  # nothing was loaded
    assert ctx.audit.verify().ok
    ctx.audit.close()


def test_trust_changes_and_settings_are_audited(isolate: Path, signing_key: KeyInfo) -> None:
    assert signing_key.public_path is not None
    assert main(["keys", "trust", str(signing_key.public_path)]) == 0
    assert main(["keys", "untrust", signing_key.key_id]) == 0
    ctx = open_context(isolate)
    ctx.settings.set("temperature", 0.2)
    ctx.settings.set("system_prompt", SECRET_WORDS)
    assert [(e.action, e.object) for e in audited(ctx, "trust")] == [
        ("trust.add", f"key:{signing_key.key_id}"), ("trust.remove", f"key:{signing_key.key_id}")]
    changes = audited(ctx, "settings")
    assert [(e.object, e.details) for e in changes] == [
        ("setting:temperature", {"value": 0.2}), ("setting:system_prompt", {})]
    assert all(e.actor.startswith("os:") for e in changes)
    ctx.audit.close()


def test_a_prompt_its_reply_and_an_export_are_audited_as_metadata(isolate: Path) -> None:
    from app.services.conversations import open_conversations
    from app.services.models import load_model

    ctx = open_context(isolate)
    model = load_model(ctx, n_ctx=512, threads=1)
    try:
        with open_conversations(ctx, model) as convs:
            conv = convs.create()
            reply = convs.send(conv.id, f"Repeat: {SECRET_WORDS}",
                               params=SamplingParams(temperature=0.0, max_tokens=6))
            "".join(reply)
            convs.export(conv.id, "json")
            view = convs.get(conv.id)
            question, answer = view.messages
            prompt = audited(ctx, "prompt")
            assert [(e.object, e.outcome) for e in prompt] == [(f"message:{question.id}", "ok")]
            assert prompt[0].details == {"conversation": conv.id, "reply": answer.id,
                                         "tokens": question.token_count, "safety": []}
            replied = audited(ctx, "reply")
            assert [(e.object, e.outcome) for e in replied] == [(f"message:{answer.id}",
                                                                 reply.status)]
            assert replied[0].details["tokens"] == answer.token_count > 0
            exported = audited(ctx, "export")
            assert [e.object for e in exported] == [f"conversation:{conv.id}"]
            # What the safety filter did to a prompt is there, as a category and a count.
            "".join(convs.send(conv.id, f"My ID is {ID_NUMBER}, keep it.",
                               params=SamplingParams(temperature=0.0, max_tokens=2)))
            screened = audited(ctx, "prompt")[-1].details["safety"]
            assert [(e["category"], e["direction"], e["count"]) for e in screened] == [
                ("id_number", "input", 1)]
            everything = json.dumps([e.as_json() for e in ctx.audit.list(limit=1000)])
            assert "Platypus" not in everything and answer.content not in everything
            assert ID_NUMBER[:6] not in everything
            assert ctx.audit.verify().ok
    finally:
        model.close()
        ctx.audit.close()


@pytest.mark.slow
def test_every_api_request_is_audited_with_its_key_route_status_and_tokens(
    tmp_path: Path
) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
    from api_helpers import ApiServer

    data = tmp_path / "served"
    data.mkdir()
    key, secret = ApiKeyStore(data).create("auditors")
    server = ApiServer(data, "--threads", "1", "--slots", "1", "--ctx", "512")
    url = server.wait_ready()
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        answer = httpx.post(url + "/v1/chat/completions", headers=headers, timeout=120, json={
            "model": "any", "messages": [{"role": "user", "content": SECRET_WORDS}], "max_tokens": 4,
            "temperature": 0})
        assert answer.status_code == 200
        usage = answer.json()["usage"]
        assert httpx.get(url + "/v1/models", headers={"Authorization": "Bearer nope"},
                         timeout=30).status_code == 401
    finally:
        server.stop()
    ctx = open_context(data)
    requests = audited(ctx, "api.request")
    chat = [e for e in requests if e.object == "route:/v1/chat/completions"]
    assert len(chat) == 1
    assert chat[0].actor == f"api-key:{key.key_id}" and chat[0].outcome == "ok"
    assert chat[0].details == {"method": "POST", "status": 200, "key": key.key_id,
                               "prompt_tokens": usage["prompt_tokens"],
                               "completion_tokens": usage["completion_tokens"]}
    wrong = [e for e in requests if e.object == "route:/v1/models"]
    assert [(e.actor, e.outcome, e.details["status"]) for e in wrong] == [
        ("api:no-key", "refused", 401)]
    assert "Platypus" not in json.dumps([e.as_json() for e in requests])
    verdict = ctx.audit.verify()
    assert verdict.ok and verdict.checkpoints >= 1  # the server signed one as it stopped
    ctx.audit.close()
