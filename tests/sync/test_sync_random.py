"""Three devices doing creates, turns, branches, renames, summaries, deletes and syncs in a
random order (seeded, 240 steps each), with the invariants checked after every sync:
nothing the server had is missing, nothing appears twice, and after a final round all
devices are equal with every message ever written present unless its conversation was
deleted."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from app.store.schema import Message
from tests.sync.devices import Device

STEPS = 240


def _rows(device: Device) -> dict[str, bool]:
    """Every message row the device holds: id → deleted."""
    with device.store.session(write=False) as session:
        return dict(session.execute(select(Message.id, Message.deleted)).all())


def _live_texts(device: Device) -> list[str]:
    return [t for c in device.conversations().values() for (_, _, t) in c["messages"].values()]


@pytest.mark.parametrize("seed", [2026])
def test_three_devices_in_random_order_converge_and_lose_nothing(devices: list[Device], seed: int) -> None:
    rng = random.Random(seed)
    a, b, c = devices
    a.set_up()
    a.sync()
    for d in (b, c):
        d.set_up()
        d.enrol_from(a)
        d.sync()

    written: dict[str, str] = {}  # message id → text, every message ever written
    owner: dict[str, str] = {}  # message id → conversation id
    deleted_conversations: set[str] = set()  # a delete was asked for, on some device
    on_server: set[str] = set()  # ids some device had when its sync succeeded
    counter = 0

    def live_conversations(d: Device) -> list[str]:
        with d.store.repo(write=False) as repo:
            return [conv.id for conv in repo.list_conversations(limit=1000)]

    for step in range(STEPS):
        d = rng.choice(devices)
        op = rng.random()
        convs = live_conversations(d)
        counter += 1
        text = f"step {step} text {counter} (seed {seed})"
        if op < 0.25 or not convs:
            with d.store.repo() as repo:
                conv = repo.create_conversation(f"conversation {counter}")
                m = repo.add_message(conv.id, "user", text)
            written[m.id], owner[m.id] = text, conv.id
        elif op < 0.5:
            cid = rng.choice(convs)
            with d.store.repo() as repo:
                m = repo.add_message(cid, rng.choice(["user", "assistant"]), text)
            written[m.id], owner[m.id] = text, cid
        elif op < 0.6:
            cid = rng.choice(convs)
            with d.store.repo() as repo:
                msgs = repo.get_all_messages(cid)
                if msgs:
                    m = repo.edit_message(rng.choice(msgs).id, text)  # a branch
                    written[m.id], owner[m.id] = text, cid
        elif op < 0.67:
            with d.store.repo() as repo:
                repo.rename_conversation(rng.choice(convs), f"renamed {counter}")
        elif op < 0.72:
            cid = rng.choice(convs)
            with d.store.repo() as repo:
                msgs = repo.get_all_messages(cid)
                repo.set_summary(cid, f"summary {counter}", msgs[-1].id if msgs else None)
        elif op < 0.76:
            cid = rng.choice(convs)
            with d.store.repo() as repo:
                repo.delete_conversation(cid)
            deleted_conversations.add(cid)
        else:
            before = set(on_server)
            d.sync()
            rows = _rows(d)
            missing = before - set(rows)
            assert not missing, f"step {step}: {len(missing)} message(s) the server had are missing"
            texts = _live_texts(d)
            assert len(texts) == len(set(texts)), f"step {step}: a message appears twice"
            for mid in before:
                if owner[mid] not in deleted_conversations:
                    assert rows[mid] is False, f"step {step}: message {mid} lost its content"
            on_server |= set(rows)

    for _ in range(2):
        for d in devices:
            d.sync()
    seen = a.conversations()
    assert b.conversations() == seen and c.conversations() == seen
    for d in devices:
        rows = _rows(d)
        assert set(written) <= set(rows)
        for mid, text in written.items():
            if owner[mid] not in deleted_conversations:
                assert rows[mid] is False and text in _live_texts(d)
    texts = _live_texts(a)
    assert len(texts) == len(set(texts))
