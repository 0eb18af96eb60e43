"""Answers from documents inside a conversation, through the services: the question and
the answer stored as any reply, the cited passages kept with the answer, a regenerated
answer from the same collections, and a wrong collection refused before anything is saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.types import SamplingParams
from app.errors import DocumentError
from app.services import doc_chat
from app.services.context import AppContext
from app.services.conversations import Conversations, open_conversations
from app.services.doc_chat import DocumentChoice
from app.services.documents import Documents

PARAMS = SamplingParams(temperature=0.0, max_tokens=24, seed=7)
QUESTION = "How many pallets does the Harbin warehouse hold?"


@pytest.fixture
def convs(ctx: AppContext, loaded_model) -> Iterator[Conversations]:  # type: ignore[no-untyped-def]
    conversations = open_conversations(ctx, model=loaded_model)
    yield conversations
    conversations.close()


def test_an_answer_from_the_chosen_collection_is_stored_with_its_sources_and_regenerated(
        convs: Conversations, ctx: AppContext, library: Path) -> None:
    docs = Documents(ctx, convs.store)
    docs.add("Ops", [library])
    cid = convs.create(title="Warehouses").id
    choice = DocumentChoice(("Ops",))
    doc_chat.set_choice(convs.store, cid, choice)
    assert doc_chat.choice_of(convs.store, cid) == choice

    reply = doc_chat.send(convs, docs, cid, QUESTION, choice, params=PARAMS)
    text = "".join(reply)
    assert reply.status == "complete" and reply.message is not None
    assert reply.message.content == text and "4,200" in text
    record = reply.message.stats["documents"]
    assert (record["collections"], record["mode"]) == ("Ops", "passages")
    assert record["sources"][0]["source"] == "report.pdf, page 2"
    assert "4,200 pallets" in record["sources"][0]["excerpt"]

    again = doc_chat.regenerate(convs, docs, cid, choice, params=PARAMS)
    assert "".join(again) and again.status == "complete"
    view = convs.get(cid)
    assert [m.role for m in view.messages] == ["user", "assistant"]
    assert view.messages[-1].id == again.message_id and view.messages[-1].n_siblings == 2
    assert view.messages[-1].stats["documents"]["sources"][0]["source"] == "report.pdf, page 2"


def test_a_collection_that_is_gone_is_refused_before_the_question_is_saved(
        convs: Conversations, ctx: AppContext) -> None:
    docs = Documents(ctx, convs.store)
    cid = convs.create(title="Nothing").id
    with pytest.raises(DocumentError, match="No collection named “Gone”"):
        doc_chat.send(convs, docs, cid, QUESTION, DocumentChoice(("Gone",)), params=PARAMS)
    assert convs.get(cid).messages == ()


def test_choosing_no_collection_keeps_the_conversations_other_settings(
        convs: Conversations) -> None:
    cid = convs.create(title="Settings").id
    with convs.store.repo() as repo:
        repo.update_conversation(cid, settings={"context_overflow": "drop_oldest"})
    doc_chat.set_choice(convs.store, cid, DocumentChoice(("A", "B"), whole=True))
    assert doc_chat.choice_of(convs.store, cid) == DocumentChoice(("A", "B"), True)
    doc_chat.set_choice(convs.store, cid, DocumentChoice())
    with convs.store.repo(write=False) as repo:
        assert dict(repo.get_conversation(cid).settings) == {"context_overflow": "drop_oldest"}
