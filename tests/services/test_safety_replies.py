"""The safety filter in the conversation service: what is stored and what the model sees,
for prompts the policy flags, redacts or blocks, and for replies it redacts or stops."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.errors import SafetyBlocked
from app.services.conversations import Conversations
from tests.policy_helpers import write_policy

pytestmark = pytest.mark.slow

ID = "11010519491231002X"
# The model is made to write the ID by a grammar: it cannot write anything else.
SAYS_THE_ID = f'root ::= "Your ID is {ID[:6]}" "{ID[6:]}, noted."'


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def write(actions: dict[str, object]) -> None:
        path = tmp_path / "policy.json"
        write_policy(path, {"safety": {"actions": actions}})
        monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(path))
    return write


def forced(convs: Conversations):  # type: ignore[no-untyped-def]
    return replace(convs._default_params(), grammar=SAYS_THE_ID, max_tokens=40)


def test_a_reply_holding_an_id_is_stored_redacted_and_marked(convs: Conversations) -> None:
    conv = convs.create()
    reply = convs.send(conv.id, "What is my ID?", params=forced(convs))
    text = "".join(reply)
    assert text == "Your ID is [ID number removed], noted."
    assert reply.status == "complete"
    stored = convs.get(conv.id).messages[-1]
    assert stored.content == text
    assert stored.stats and stored.stats["safety"] == [
        {"category": "id_number", "action": "redact", "direction": "output", "count": 1}]


def test_a_prompt_the_policy_redacts_is_stored_and_sent_without_it(convs: Conversations,
                                                                   policy) -> None:  # type: ignore[no-untyped-def]
    policy({"id_number": {"input": "redact"}})
    conv = convs.create()
    reply = convs.send(conv.id, f"我的身份证号是{ID}，记住它。", params=replace(
        convs._default_params(), max_tokens=4))
    reply.close()
    question = convs.get(conv.id).messages[0]
    assert question.content == "我的身份证号是[ID number removed]，记住它。"
    assert {"category": "id_number", "action": "redact", "direction": "input",
            "count": 1} in [e.as_dict() for e in reply.safety]


def test_a_prompt_the_policy_blocks_is_refused_before_anything_is_saved(convs: Conversations,
                                                                        policy) -> None:  # type: ignore[no-untyped-def]
    policy({"id_number": {"input": "block"}})
    conv = convs.create()
    with pytest.raises(SafetyBlocked, match="of this kind: ID number") as err:
        convs.send(conv.id, f"ID {ID}")
    assert ID not in str(err.value)
    assert convs.list() == []  # made for this message, it is not kept empty


def test_a_reply_the_policy_blocks_stops_at_the_finding(convs: Conversations, policy) -> None:  # type: ignore[no-untyped-def]
    policy({"id_number": {"output": "block"}})
    conv = convs.create()
    reply = convs.send(conv.id, "What is my ID?", params=forced(convs))
    text = "".join(reply)
    assert text == "Your ID is [reply stopped: ID number found]"
    assert reply.stats.finish_reason == "content_filter"
    assert convs.get(conv.id).messages[-1].content == text


def test_an_export_leaves_the_machine_without_the_id(convs: Conversations) -> None:
    conv = convs.create(title="Onboarding")
    reply = convs.send(conv.id, f"我的身份证号是{ID}。", params=replace(
        convs._default_params(), max_tokens=2))
    reply.close()
    assert ID in convs.get(conv.id).messages[0].content  # kept here: the default only flags it
    for fmt in ("markdown", "json"):
        exported = convs.export(conv.id, fmt)
        assert ID not in exported and "[ID number removed]" in exported
    data = json.loads(convs.export(conv.id, "json"))
    assert data["messages"][0]["content"] == "我的身份证号是[ID number removed]。"
    assert ID in convs.export(conv.id, "json", outbound=False)  # `history show` on this machine


def test_a_title_made_from_a_message_holding_an_id_does_not_show_it(convs: Conversations) -> None:
    conv = convs.create()
    with convs.store.repo() as repo:
        repo.add_message(conv.id, "user", f"Check ID {ID} please")
    convs.model = None  # the title is then the first words of the message
    assert convs.auto_title(conv.id) == "Check ID [ID number removed] please"


def test_a_title_given_with_a_new_conversation_follows_the_input_rules(
        convs: Conversations, policy) -> None:  # type: ignore[no-untyped-def]
    policy({"id_number": {"input": "redact"}})  # the desktop app titles a new chat at once
    assert convs.create(title=f"身份证{ID}的问题").title == "身份证[ID number removed]的问题"
