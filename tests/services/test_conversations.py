"""Conversations as a user keeps them: saved, listed, searched, branched, exported,
and continued with the real default model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest
from sqlalchemy import event

from app.engine.types import ChatMessage, SamplingParams
from app.errors import ContextOverflow, ModelNotFound, StoreError
from app.services.context import AppContext
from app.services.conversations import Conversations, open_conversations
from app.services.models import LoadedModel
from app.services.storage import open_user_store
from app.store import NotFound, Store

SHORT = SamplingParams(temperature=0.0, max_tokens=16, seed=1)
REPO_ROOT = Path(__file__).resolve().parents[2]
DISK_FULL = "The disk is full: the last change was not saved. Free some space and try again."


def say(convs: Conversations, conversation_id: str, text: str, **kw: object) -> str:
    reply = convs.send(conversation_id, text, params=kw.pop("params", SHORT), **kw)  # type: ignore[arg-type]
    return "".join(reply)


def autoglm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=dict(os.environ), timeout=120)


def test_a_conversation_is_all_there_in_a_new_process(convs: Conversations) -> None:
    conv = convs.create(system_prompt="Answer in one sentence.")
    first = convs.send(conv.id, "What is the capital of France?", params=SHORT)
    shown = "".join(first)
    assert shown.strip() and first.status == "complete"
    say(convs, conv.id, "And of Italy?")
    assert convs.wait_for_titles(timeout=120)
    before = convs.get(conv.id)
    assert before.title  # titled after the first exchange

    listed = autoglm("history", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["id"] for c in json.loads(listed.stdout)] == [conv.id]

    shown_again = autoglm("history", "show", conv.id[:8], "--json")
    assert shown_again.returncode == 0, shown_again.stderr
    saved = json.loads(shown_again.stdout)
    assert saved["title"] == before.title
    assert saved["system_prompt"] == "Answer in one sentence."
    assert [(m["role"], m["content"], m["status"]) for m in saved["messages"]] == [
        (m.role, m.content, "complete") for m in before.messages
    ]
    assert saved["messages"][1]["content"] == shown
    assert saved["messages"][1]["stats"]["generated_tokens"] > 0


def test_the_first_exchange_gives_a_short_title_and_a_chosen_title_stays(
    convs: Conversations,
) -> None:
    conv = convs.create()
    say(convs, conv.id, "Draft a plan for the quarterly budget review meeting.")
    assert convs.wait_for_titles(timeout=120)
    title = convs.get(conv.id).title
    assert title and len(title) <= 61 and "\n" not in title
    assert title[0] not in "\"'“" and title[-1] not in "\"'”."

    convs.rename(conv.id, "Budget review")
    say(convs, conv.id, "Add a section on travel costs.")
    assert convs.get(conv.id).title == "Budget review"


class HeldTitler(Executor):
    """Runs what it is given only when asked: shows a reply ending before its title."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[object], Callable[..., object], tuple[object, ...]]] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        job: Future[object] = Future()
        self.jobs.append((job, fn, args))
        return job

    def run_all(self) -> None:
        for job, fn, args in self.jobs:
            job.set_result(fn(*args))
        self.jobs.clear()


def test_a_reply_ends_before_its_title_is_made_and_a_title_chosen_meanwhile_stays(
    ctx: AppContext, loaded_model: LoadedModel,
) -> None:
    titler = HeldTitler()
    convs = Conversations(ctx, open_user_store(ctx), loaded_model, titler=titler)
    try:
        first = convs.create()
        reply = convs.send(first.id, "Draft a plan for the quarterly budget review meeting.",
                           params=SHORT)
        assert "".join(reply) and reply.status == "complete"
        assert convs.get(first.id).title == "" and len(titler.jobs) == 1  # not made yet
        titler.run_all()
        assert convs.get(first.id).title  # the model's title, once its turn came

        second = convs.create()
        say(convs, second.id, "Suggest a name for a cat.")
        convs.rename(second.id, "Cat names")  # the user names it before the model does
        titler.run_all()
        assert convs.get(second.id).title == "Cat names"
    finally:
        convs.close()
        convs.store.close()


def test_regenerate_keeps_the_old_reply_as_a_sibling(convs: Conversations) -> None:
    conv = convs.create()
    say(convs, conv.id, "Suggest a name for a cat.")
    original = convs.get(conv.id).messages[-1]
    again = convs.regenerate(conv.id, params=SamplingParams(temperature=1.0, seed=7, max_tokens=16))
    text = "".join(again)

    view = convs.get(conv.id)
    assert [m.role for m in view.messages] == ["user", "assistant"]
    newest = view.messages[-1]
    assert (newest.id, newest.content) == (again.message_id, text)
    assert (newest.n_siblings, newest.sibling_index) == (2, 1)
    older = convs.get(conv.id, leaf_id=original.id).messages[-1]
    assert (older.id, older.content, older.sibling_index) == (original.id, original.content, 0)


def test_editing_a_message_branches_and_keeps_the_original(convs: Conversations) -> None:
    conv = convs.create()
    say(convs, conv.id, "My name is Ana.")
    say(convs, conv.id, "What is my name?")
    old = convs.get(conv.id)
    first_question = old.messages[0]

    reply = convs.edit_and_resend(first_question.id, "My name is Bo.", params=SHORT)
    "".join(reply)

    view = convs.get(conv.id)
    assert [m.content for m in view.messages][0] == "My name is Bo."
    assert [m.role for m in view.messages] == ["user", "assistant"]
    assert (view.messages[0].n_siblings, view.messages[0].sibling_index) == (2, 1)
    assert view.messages[1].id == reply.message_id
    kept = convs.get(conv.id, leaf_id=old.messages[-1].id)
    assert [m.content for m in kept.messages] == [m.content for m in old.messages]

    with pytest.raises(Exception, match="Only your own messages"):
        convs.edit_and_resend(view.messages[1].id, "rewritten reply")


def test_export_as_markdown_and_json_holds_every_message(convs: Conversations) -> None:
    conv = convs.create(title="Export me", system_prompt="Be brief.")
    say(convs, conv.id, "Name three primary colours.")
    convs.regenerate(conv.id, params=SHORT).close()  # an interrupted second version
    view = convs.get(conv.id)

    markdown = convs.export(conv.id[:8])
    assert markdown.startswith("# Export me\n")
    assert "Be brief." in markdown and "## You" in markdown
    for m in view.messages:
        assert m.content.strip() in markdown
    assert "version 2 of 2" in markdown and "interrupted" in markdown

    data = json.loads(convs.export(conv.id, "json"))
    assert data["title"] == "Export me"
    assert [m["content"] for m in data["messages"]] == [m.content for m in view.messages]
    assert [m["status"] for m in data["other_branches"]] == ["complete"]  # the first reply
    with pytest.raises(Exception, match="Unknown export format"):
        convs.export(conv.id, "pdf")


def test_stopping_mid_reply_keeps_what_was_shown_marked_interrupted(
    convs: Conversations, ctx: AppContext
) -> None:
    conv = convs.create()
    say(convs, conv.id, "Hello.")
    cancel = threading.Event()
    reply = convs.send(conv.id, "Write a long story about a lighthouse keeper.", cancel=cancel,
                       params=SamplingParams(temperature=0.0, max_tokens=200))
    shown = []
    for piece in reply:
        shown.append(piece)
        if len(shown) == 5:
            cancel.set()
    assert len(shown) == 5  # stopped within one token
    assert reply.status == "interrupted" and reply.stats.finish_reason == "cancelled"
    assert reply.message is not None and reply.message.content == "".join(shown)

    convs.close()
    with open_user_store(ctx) as store, store.repo(write=False) as repo:
        stored = repo.get_message(reply.message_id)
        assert stored is not None
        assert (stored.status, stored.content) == ("interrupted", "".join(shown))
        assert len(repo.get_messages(conv.id)) == 4


def test_a_reader_that_stops_early_leaves_an_interrupted_reply(convs: Conversations) -> None:
    conv = convs.create()
    reply = convs.send(conv.id, "Count from one to twenty.", params=SamplingParams(max_tokens=64))
    for _ in zip(range(3), reply, strict=False):
        pass
    reply.close()
    stored = convs.get(conv.id).messages[-1]
    assert (stored.status, stored.content) == ("interrupted", reply.text)
    assert say(convs, conv.id, "Go on.")  # the engine is free again


def _limit_pages(store: Store, extra_pages: int) -> None:
    """SQLite itself reports "database or disk is full" once the file grows by more
    than ``extra_pages`` (as in tests/store): a full disk, as SQLite meets one."""
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    def limit(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + extra_pages}")

    event.listen(store.engine, "connect", limit)
    store.engine.dispose()


def test_a_full_disk_mid_reply_says_so_and_loses_nothing_earlier(
    convs: Conversations, ctx: AppContext, loaded_model: LoadedModel
) -> None:
    conv = convs.create(title="Before the disk filled")
    say(convs, conv.id, "Remember the number 42.")
    earlier = [(m.role, m.content) for m in convs.get(conv.id).messages]
    convs.flush_interval_s = 0  # save every piece, so the disk fills mid-reply
    reply = convs.send(conv.id, "Tell me about the sea " * 40, params=SamplingParams(
        temperature=0.0, max_tokens=300, repeat_penalty=1.0))
    shown = []
    with pytest.raises(StoreError) as caught:
        for piece in reply:
            shown.append(piece)
            if len(shown) == 3:
                _limit_pages(convs.store, extra_pages=0)
    assert str(caught.value) == DISK_FULL
    assert reply.status == "interrupted"
    # The failed reply let go of the engine at once (not when its traceback is collected).
    other = threading.Thread(target=lambda: loaded_model.engine.stream_chat(
        [ChatMessage("user", "hi")], SamplingParams(max_tokens=2)).read_all(), daemon=True)
    other.start()
    other.join(60)
    assert not other.is_alive(), "the engine is still held by the failed reply"
    with pytest.raises(StoreError, match="disk is full"):  # still full: refused, not stuck
        convs.send(conv.id, "Hello?", params=SHORT)

    convs.close()
    with open_user_store(ctx) as store:  # space again; a restart
        with store.repo(write=False) as repo:
            messages = repo.get_messages(conv.id)
            saved = repo.get_message(reply.message_id)
        assert [(m.role, m.content) for m in messages][:2] == earlier
        assert messages[2].content == "Tell me about the sea " * 40
        assert saved is not None and saved.status == "interrupted"
        assert "".join(shown).startswith(saved.content) and len(saved.content) > 0
        assert store.integrity_check() == ["ok"]


def test_a_message_too_long_for_the_window_is_refused_before_it_is_saved(
    convs: Conversations,
) -> None:
    conv = convs.create()
    with pytest.raises(ContextOverflow) as caught:
        convs.send(conv.id, "word " * 3000, params=SHORT)
    assert "too long for the model's context window" in str(caught.value)
    assert "2048" in str(caught.value)
    assert convs.get(conv.id).messages == ()


def test_list_search_delete_and_restore(convs: Conversations) -> None:
    budget = convs.create(title="Budget 2025")
    convs.create(title="Travel")
    say(convs, budget.id, "Our cloud bill rose by 12 percent in March.")

    assert [c.title for c in convs.list()] == ["Budget 2025", "Travel"]  # most recent first
    found = convs.list(query="cloud bill")
    assert [c.id for c in found] == [budget.id]
    assert "cloud bill" in found[0].snippet
    assert convs.list(query="nothing like this") == []

    convs.delete(budget.id[:8])
    assert [c.title for c in convs.list()] == ["Travel"]
    with pytest.raises(NotFound):
        convs.get(budget.id)
    convs.restore(budget.id)
    assert convs.get(budget.id).messages[0].content.startswith("Our cloud bill")
    with convs.store.repo(write=False) as repo:  # the server learns it is back
        queued = repo.list_outbox(limit=1000)[-3:]
    assert [(e.entity_type, e.op, e.payload.get("deleted")) for e in queued] == [
        ("message", "upsert", False), ("message", "upsert", False),
        ("conversation", "upsert", False)]
    assert [c.title for c in convs.list()][0] == "Budget 2025"


def test_reading_needs_no_model_and_sending_says_one_is_missing(
    ctx: AppContext, loaded_model: LoadedModel
) -> None:
    with open_conversations(ctx) as convs:
        conv = convs.create(title="Offline")
        assert convs.get(conv.id).title == "Offline"
        with pytest.raises(ModelNotFound, match="No model is loaded"):
            convs.send(conv.id, "hi")

    calls = []

    def load() -> LoadedModel:
        calls.append(1)
        return loaded_model

    with open_conversations(ctx, load) as convs:
        assert convs.list()[0].title == "Offline"
        assert calls == []  # the model is asked for only when a reply needs it
        assert say(convs, conv.id, "Hello!")
        used, window = convs.context_usage(conv.id)
        assert window == 2048 and 0 < used < window


def test_each_version_knows_its_siblings_and_regenerate_answers_the_branch_chosen(
    convs: Conversations,
) -> None:
    conv = convs.create()
    say(convs, conv.id, "Name a river.")
    question, answer = convs.get(conv.id).messages
    "".join(convs.edit_and_resend(question.id, "Name a mountain.", params=SHORT))
    edited, edited_answer = convs.get(conv.id).messages

    assert edited.sibling_ids == (question.id, edited.id)
    assert convs.get(conv.id, leaf_id=question.id).messages[0].sibling_ids == (
        question.id, edited.id)
    assert answer.sibling_ids == (answer.id,) and answer.n_siblings == 1

    # Without a branch chosen, the newest one (the edited question) is answered again.
    newest = convs.regenerate(conv.id, params=SHORT)
    "".join(newest)
    assert convs.get(conv.id).messages[-1].parent_id == edited.id
    assert convs.get(conv.id).messages[-1].sibling_ids == (edited_answer.id, newest.message_id)

    # The first branch, chosen by its last message: its question is the one answered.
    older = convs.regenerate(conv.id, params=SHORT, leaf_id=answer.id)
    text = "".join(older)
    branch = convs.get(conv.id, leaf_id=older.message_id)
    assert [m.content for m in branch.messages] == ["Name a river.", text]
    reply = branch.messages[-1]
    assert (reply.id, reply.parent_id) == (older.message_id, question.id)
    assert reply.sibling_ids == (answer.id, older.message_id)
    assert (reply.n_siblings, reply.sibling_index) == (2, 1)
    # The edited branch kept its two versions.
    assert len(convs.get(conv.id, leaf_id=edited.id).messages[-1].sibling_ids) == 2
