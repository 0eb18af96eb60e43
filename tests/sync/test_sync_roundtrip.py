"""Two and three devices against one real WebDAV server: they converge, and the server
learns nothing it can read."""

from __future__ import annotations

import pytest

from app.sync.crypto import SyncKeyError
from app.sync.webdav import AuthFailed
from tests.sync.dav_server import DavServer
from tests.sync.devices import Device

ENGLISH = "The quarterly revenue of the Lisbon office rose by eleven percent."
CHINESE = "上海办公室第三季度的收入增长了百分之十一。"


def test_the_server_honours_if_match_and_if_none_match(dav: DavServer) -> None:
    """Everything else relies on this: a server that ignores the conditions loses updates."""
    with dav.client() as http:
        url = dav.url + "probe"
        assert http.put(url, content=b"one", headers={"If-None-Match": "*"}).status_code in (200, 201, 204)
        assert http.put(url, content=b"two", headers={"If-None-Match": "*"}).status_code == 412
        etag = http.get(url).headers["ETag"]
        assert not etag.startswith("W/"), "the tests need a server with strong ETags"
        assert http.put(url, content=b"three!", headers={"If-Match": '"not-the-etag"'}).status_code == 412
        assert http.get(url).content == b"one"
        assert http.put(url, content=b"three!", headers={"If-Match": etag}).status_code in (200, 204)
        assert http.delete(url, headers={"If-Match": etag}).status_code == 412  # it changed
        new = http.get(url).headers["ETag"]
        assert http.delete(url, headers={"If-Match": new}).status_code in (200, 204)
        assert http.get(url).status_code == 404


def _start(a: Device, b: Device) -> None:
    a.set_up()
    a.sync()
    b.set_up()
    b.enrol_from(a)
    b.sync()


def test_two_devices_converge_after_edits_on_both(devices: list[Device]) -> None:
    a, b, _ = devices
    _start(a, b)
    with a.store.repo() as repo:
        conv = repo.create_conversation("Budget review")
        first = repo.add_message(conv.id, "user", ENGLISH)
        repo.add_message(conv.id, "assistant", CHINESE)
    a.sync()
    b.sync()
    assert b.conversations() == a.conversations()

    # Both devices change the conversation while apart: a branch and a summary on A, a
    # rename and a new turn on B, a second conversation deleted on B.
    with a.store.repo() as repo:
        repo.edit_message(first.id, "The revenue of the Lisbon office, please.")
        repo.set_summary(conv.id, "Talk about Lisbon revenue.", first.id)
        other = repo.create_conversation("Scratch")
        repo.add_message(other.id, "user", "to be deleted")
    a.sync()
    b.sync()
    with b.store.repo() as repo:
        repo.rename_conversation(conv.id, "Lisbon budget")
        repo.add_message(conv.id, "user", "And the Porto office?")
        repo.delete_conversation(other.id)
    b.sync()
    a.sync()
    b.sync()

    seen = a.conversations()
    assert seen == b.conversations()
    assert list(seen) == [conv.id]
    assert seen[conv.id]["title"] == "Lisbon budget"
    assert seen[conv.id]["summary"] == "Talk about Lisbon revenue."
    texts = [m[2] for m in seen[conv.id]["messages"].values()]
    for text in (ENGLISH, CHINESE, "The revenue of the Lisbon office, please.", "And the Porto office?"):
        assert texts.count(text) == 1


def test_a_rename_on_both_sides_keeps_the_later_and_records_the_other(devices: list[Device]) -> None:
    from app.services import sync

    a, b, _ = devices
    _start(a, b)
    with a.store.repo() as repo:
        conv = repo.create_conversation("Original")
    a.sync()
    b.sync()
    with a.store.repo() as repo:
        repo.rename_conversation(conv.id, "Renamed on A")
    with b.store.repo() as repo:
        repo.rename_conversation(conv.id, "Renamed on B")  # later: this one wins
    a.sync()
    b.sync()
    a.sync()
    assert a.conversations()[conv.id]["title"] == b.conversations()[conv.id]["title"] == "Renamed on B"
    found = sync.conflicts(b.store) + sync.conflicts(a.store)
    assert [(c.kind, c.item, c.kept, c.other) for c in found][:1] == [
        ("field", "title", "Renamed on B", "Renamed on A")
    ]
    # The user restores the other title: it wins everywhere as a new change.
    done = sync.restore(b.ctx, b.store, found[0].pk) if found[0] in sync.conflicts(b.store) else sync.restore(a.ctx, a.store, found[0].pk)
    assert done == "title restored"
    a.sync()
    b.sync()
    a.sync()
    assert a.conversations()[conv.id]["title"] == b.conversations()[conv.id]["title"] == "Renamed on A"


def test_a_delete_loses_to_a_later_edit_and_the_user_is_told(devices: list[Device]) -> None:
    from app.services import sync

    a, b, _ = devices
    _start(a, b)
    with a.store.repo() as repo:
        conv = repo.create_conversation("Keep me")
        repo.add_message(conv.id, "user", ENGLISH)
    a.sync()
    b.sync()
    with a.store.repo() as repo:
        repo.delete_conversation(conv.id)
    with b.store.repo() as repo:
        repo.add_message(conv.id, "user", "written after the delete")
    a.sync()
    b.sync()
    a.sync()
    assert a.conversations() == b.conversations()
    texts = [m[2] for m in a.conversations()[conv.id]["messages"].values()]
    assert sorted(texts) == sorted([ENGLISH, "written after the delete"])
    kinds = [(c.kind, c.item) for c in sync.conflicts(a.store) + sync.conflicts(b.store)]
    assert ("deleted", "conversation") in kinds


def test_the_server_holds_no_plaintext(devices: list[Device], dav: DavServer) -> None:
    if dav.folder is None:
        pytest.skip("an external server's files cannot be read; this part needs the test's own server")
    a, b, _ = devices
    _start(a, b)
    with a.store.repo() as repo:
        conv = repo.create_conversation(CHINESE[:10] + " Lisbon title")
        repo.add_message(conv.id, "user", ENGLISH)
        repo.add_message(conv.id, "assistant", CHINESE)
    a.sync()
    b.sync()
    assert ENGLISH in str(b.conversations())
    blobs = b"".join(p.read_bytes() for p in dav.files())
    assert blobs
    for secret in (ENGLISH, CHINESE, "Lisbon", CHINESE[:10], conv.id):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert secret.encode(encoding) not in blobs
    names = " ".join(str(p.relative_to(dav.folder)) for p in dav.files())
    assert conv.id not in names and "Lisbon" not in names


def test_a_device_with_another_key_is_told_to_enrol(devices: list[Device]) -> None:
    a, b, _ = devices
    a.set_up()
    a.sync()
    b.set_up()
    with pytest.raises(SyncKeyError, match="enrol"):
        b.sync()


def test_a_wrong_password_says_so_and_pauses_automatic_sync(devices: list[Device]) -> None:
    from app.services import sync

    a, _, _ = devices
    a.set_up(password="not the password")
    with a.store.repo() as repo:
        conv = repo.create_conversation("Written offline")
        repo.add_message(conv.id, "user", ENGLISH)
    with pytest.raises(AuthFailed, match="refused the user name or password"):
        a.sync()
    status = sync.status(a.ctx, a.store)
    assert status.state == "paused" and not sync.due(a.ctx, a.store)
    assert status.pending == 2  # nothing lost, nothing acknowledged
    a.set_up()  # the right password
    sync.resume(a.store)
    assert sync.due(a.ctx, a.store)
    report = a.sync()
    assert report.pushed == 1 and sync.status(a.ctx, a.store).state == "synced"


def test_a_sync_with_nothing_to_do_costs_two_requests(devices: list[Device]) -> None:
    a, b, _ = devices
    _start(a, b)
    with a.store.repo() as repo:
        for n in range(20):
            conv = repo.create_conversation(f"conversation {n}")
            repo.add_message(conv.id, "user", f"message {n}")
    a.sync()
    b.sync()
    a.sync()
    report = b.sync()
    assert (report.pushed, report.pulled, report.requests) == (0, 0, 2)


def test_a_server_the_policy_pins_is_used_and_cannot_be_changed(
    devices: list[Device], dav: DavServer, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import PolicyViolation
    from app.services import sync
    from tests.policy_helpers import write_policy

    policy = write_policy(tmp_path / "policy" / "policy.json", {"sync_server": dav.url})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    a, _, _ = devices
    with pytest.raises(PolicyViolation, match="fixes the sync server"):
        sync.setup(a.ctx, "https://elsewhere.example.org/dav/", dav.user, dav.password)
    sync.setup(a.ctx, dav.url, dav.user, dav.password)
    a.ctx.settings.set("sync_url", "")  # even a setting emptied by hand does not turn it off
    cfg = sync.config(a.ctx)
    assert cfg.pinned and cfg.url == dav.url
    with a.store.repo() as repo:
        repo.create_conversation("to the pinned server")
    assert a.sync().pushed == 1
