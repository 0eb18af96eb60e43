"""A process killed while a reply streams loses nothing it had saved, and the database stays sound."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from app.store import open_store

STREAMER = """
import sys
from pathlib import Path
from app.store import open_store

store = open_store(Path(sys.argv[1]))
with store.repo() as repo:
    conv = repo.create_conversation("crash test")
    for i in range(20):
        repo.add_message(conv.id, "user" if i % 2 == 0 else "assistant", f"earlier message {i}")
    question = repo.add_message(conv.id, "user", "Tell me a long story.")
print("CONVERSATION", conv.id, question.id, flush=True)
writer = store.begin_reply(conv.id, parent_id=question.id, model="smollm2", interval_s=0)
i = 0
while True:
    writer.add(f"token{i} ")  # interval_s=0: every piece is committed before we report it
    print("SAVED", i, flush=True)
    i += 1
"""


@pytest.mark.parametrize("kill_after", [1, 150])
def test_sigkill_mid_reply_keeps_what_was_shown(
    db_path: Path, spawn_python, kill_after: int
) -> None:
    child = spawn_python(STREAMER, str(db_path))
    assert child.stdout is not None
    try:
        header = child.stdout.readline().split()
        assert header[:1] == ["CONVERSATION"], child.stderr.read() if child.stderr else ""
        conversation_id, question_id = header[1], header[2]
        saved = -1
        for line in child.stdout:
            saved = int(line.split()[1])
            if saved >= kill_after:
                break
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate(timeout=30)  # reap it and close the pipes
    assert child.returncode == -signal.SIGKILL

    shown = "".join(f"token{i} " for i in range(saved + 1))
    with open_store(db_path) as store:
        assert store.integrity_check() == ["ok"]
        with store.repo(write=False) as repo:
            messages = repo.get_messages(conversation_id)
            outbox = repo.list_outbox(limit=1000)

    assert [m.content for m in messages[:20]] == [f"earlier message {i}" for i in range(20)]
    assert all(m.status == "complete" for m in messages[:21])
    assert messages[20].id == question_id
    reply = messages[21]
    assert reply.status == "interrupted"
    assert reply.parent_id == question_id and reply.model == "smollm2"
    # Everything the child reported as saved is there; at most the piece being
    # committed when it died may also have made it.
    assert reply.content.startswith(shown)
    assert len(reply.content) - len(shown) <= len(f"token{saved + 1} ")
    # Now a finished message, it is queued for sync like any other.
    assert ("message", reply.id, "upsert") in [(e.entity_type, e.entity_id, e.op) for e in outbox]
