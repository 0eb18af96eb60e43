"""A reply is saved as it streams, in cheap batches, and a stop keeps what was shown."""

from __future__ import annotations

import threading

import pytest

from app.errors import Cancelled
from app.store import ReplyWriter, Store


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _stored_text(store: Store, message_id: str) -> str:
    with store.repo(write=False) as repo:
        message = repo.get_message(message_id)
        assert message is not None
        return message.content


def test_pieces_are_saved_in_batches(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("batches")
        question = repo.add_message(conv.id, "user", "Count to five.")
        reply_id = repo.begin_streaming_message(conv.id, parent_id=question.id)
    clock = FakeClock()
    writer = ReplyWriter(store, reply_id, interval_s=0.25, clock=clock)
    writer.add("one ")
    writer.add("two ")
    assert _stored_text(store, reply_id) == ""  # not yet due
    clock.now = 0.3
    writer.add("three ")
    assert _stored_text(store, reply_id) == "one two three "
    writer.add("four five")
    record = writer.finish(stats={"generated_tokens": 5}, token_count=5)
    assert record.content == "one two three four five"
    assert (record.status, record.token_count, record.stats) == (
        "complete",
        5,
        {"generated_tokens": 5},
    )


def test_stopping_mid_reply_keeps_the_text_as_interrupted(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("stop")
        repo.add_message(conv.id, "user", "Tell me everything.")
    with pytest.raises(Cancelled), store.begin_reply(conv.id, model="m") as writer:
        writer.add("Once upon ")
        writer.add("a time")
        raise Cancelled()
    assert writer.finished is not None
    with store.repo(write=False) as repo:
        reply = repo.get_messages(conv.id)[-1]
    assert (reply.content, reply.status, reply.model) == ("Once upon a time", "interrupted", "m")


def test_finish_can_replace_the_text(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("redact")
    writer = store.begin_reply(conv.id)
    writer.add("call 13800138000")
    record = writer.finish(content="call [PHONE]")
    assert _stored_text(store, record.id) == "call [PHONE]"


def test_readers_are_not_blocked_by_a_streaming_writer(store: Store) -> None:
    with store.repo() as repo:
        conv = repo.create_conversation("busy")
    errors: list[BaseException] = []
    done = threading.Event()

    def stream() -> None:
        try:
            with store.begin_reply(conv.id, interval_s=0) as writer:
                for i in range(300):
                    writer.add(f"t{i} ")
                writer.finish()
        except BaseException as err:  # reported below, on the test's thread
            errors.append(err)
        finally:
            done.set()

    thread = threading.Thread(target=stream)
    thread.start()
    reads = 0
    while not done.is_set():
        with store.repo(write=False) as repo:
            repo.list_conversations()
            repo.get_messages(conv.id)
        with store.repo() as repo:
            repo.set_setting("last_read", reads)
        reads += 1
    thread.join()
    assert errors == []
    assert reads > 0
    with store.repo(write=False) as repo:
        assert repo.get_messages(conv.id)[-1].content.endswith("t299 ")
