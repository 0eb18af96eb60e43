"""Data rights in the services: the processing records, an export that holds a known
conversation, an erasure after which no known sentence is left anywhere in the store's
files (decrypted page by page: the database, its write-ahead log, its backups), the
tombstones the sync server will receive, and the retention purge."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.services import privacy, processing_records
from app.services.context import AppContext
from app.services.conversations import Conversations, open_conversations
from app.services.documents import Documents
from app.services.storage import read_keyinfo
from app.store.migrate import _backup

ENGLISH = "The quarterly audit of the Lisbon warehouse found eleven missing pallets"
CHINESE = "上海仓库的季度审计发现少了十一个托盘"
DOCUMENT = "Harbour crane maintenance is scheduled for the second Tuesday of March"
SENTENCES = (ENGLISH, CHINESE, DOCUMENT)
PAGE = 4096
RESERVE = 80  # SQLCipher 4: a 16-byte IV and a 64-byte HMAC at the end of every page


@pytest.fixture
def opened(ctx: AppContext) -> Iterator[Conversations]:
    conversations = open_conversations(ctx)
    yield conversations
    conversations.close()


# -- reading the files as an attacker with the key would ---------------------------------------

def _database_key(ctx: AppContext) -> bytes:
    info = read_keyinfo(ctx.paths.database)
    assert info is not None
    key = ctx.secrets.get_bytes(info.key_name)
    assert key is not None
    return key


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    body = page[16 if first else 0:PAGE - RESERVE]  # page 1 starts with the file's salt
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def _decrypted_file(key: bytes, path: Path) -> bytes:
    """Every page of a database file, decrypted, free space and all."""
    raw = path.read_bytes()
    return b"".join(_decrypt_page(key, raw[i:i + PAGE], i == 0) for i in range(0, len(raw), PAGE))


def _decrypted_wal(key: bytes, path: Path) -> bytes:
    """Every frame of a write-ahead log (a 32-byte header, then a 24-byte header and a
    page per frame), decrypted."""
    if not path.exists():
        return b""
    raw = path.read_bytes()
    out = []
    for at in range(32, len(raw) - PAGE + 1, 24 + PAGE):
        page_no = int.from_bytes(raw[at:at + 4], "big")
        out.append(_decrypt_page(key, raw[at + 24:at + 24 + PAGE], page_no == 1))
    return b"".join(out)


def _found(blob: bytes) -> list[str]:
    """The known sentences in ``blob``, as text or as JSON writes it (Chinese as \\u escapes)."""
    return [s for s in SENTENCES
            if s.encode("utf-8") in blob or json.dumps(s)[1:-1].encode("ascii") in blob]


def _every_text_value(ctx: AppContext) -> str:
    """Every value of every table, read through SQL, as one string."""
    from app.store import cipher

    conn = cipher.connect(ctx.paths.database, _database_key(ctx))
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        values = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values.extend(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                              for v in row)
        return "\n".join(values)
    finally:
        conn.close()


# -- a conversation to export and erase ----------------------------------------------------------

def _known_data(ctx: AppContext, convs: Conversations, tmp_path: Path) -> str:
    store = convs.store
    with store.repo() as repo:
        conv = repo.create_conversation(f"About: {ENGLISH}", system_prompt=f"Remember: {CHINESE}")
        asked = repo.add_message(conv.id, "user", f"{ENGLISH}. What should we do?")
    writer = store.begin_reply(conv.id, parent_id=asked.id, interval_s=0)
    for piece in ("Noted. ", CHINESE[:7], CHINESE[7:], " ", ENGLISH):  # saved as it streams
        writer.add(piece)
    reply = writer.finish()
    with store.repo() as repo:
        repo.edit_message(asked.id, f"Edited: {ENGLISH}")
        repo.set_summary(conv.id, f"Summary: {CHINESE}", reply.id)
    # A conversation deleted the ordinary way keeps its text (it can be restored) until erased.
    with store.repo() as repo:
        gone = repo.create_conversation("deleted earlier")
        repo.add_message(gone.id, "user", f"Deleted, not erased: {CHINESE}")
        repo.delete_conversation(gone.id)
    note = tmp_path / "cranes.txt"
    note.write_text(f"{DOCUMENT}.\n\nThe cranes are inspected by the port authority.\n",
                    encoding="utf-8")
    Documents(ctx, store).add("Port notes", [note])
    return conv.id


def test_export_holds_the_known_conversation_and_erase_leaves_none_of_it_in_any_file(
        ctx: AppContext, opened: Conversations, tmp_path: Path) -> None:
    cid = _known_data(ctx, opened, tmp_path)
    ctx.settings.set("system_prompt", f"Always mention {ENGLISH}")
    database = ctx.paths.database
    backup = _backup(database, "0003_documents")  # as an upgrade takes it, WAL and all
    key = _database_key(ctx)
    # The checks below can see the text where it is: the WAL and the backup hold it now.
    assert set(_found(_decrypted_wal(key, database.with_name(database.name + "-wal")))) == set(
        SENTENCES)
    backup_bytes = _decrypted_file(key, backup) + _decrypted_wal(
        key, backup.with_name(backup.name + "-wal"))
    assert _found(backup_bytes)

    report = privacy.export_archive(ctx, opened.store, tmp_path / "my-data.zip")
    with zipfile.ZipFile(report.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        conversation = json.loads(archive.read(f"conversations/{cid}.json"))
        documents = json.loads(archive.read("documents.json"))
        settings = json.loads(archive.read("settings.json"))
        audit = json.loads(archive.read("audit.json"))
        listed = {f["name"]: f for f in manifest["files"]}
        for name, entry in listed.items():
            assert entry["sha256"] == hashlib.sha256(archive.read(name)).hexdigest()
    assert manifest["format"] == "open-autoglm.privacy-export"
    assert manifest["counts"]["conversations"] == 2 == report.conversations
    texts = [m["content"] for m in conversation["messages"]]
    assert any(ENGLISH in t for t in texts) and any(CHINESE in t for t in texts)
    assert len(texts) == 3  # the question, its edited version and the reply
    assert conversation["summary"] == f"Summary: {CHINESE}"
    doc = documents["collections"][0]["documents"][0]
    assert doc["path"].endswith("cranes.txt") and doc["passages"] >= 1
    assert ENGLISH in settings["preferences"]["system_prompt"]
    assert any(r["object"] == f"conversation:{cid}" or r["action"] == "settings.change"
               for r in audit["records"])
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]

    erased = privacy.erase_all(ctx, opened.store)
    assert erased.conversations == 2 and erased.messages == 4
    assert (erased.documents, erased.backups) == (1, 1)

    assert _found(_every_text_value(ctx).encode("utf-8")) == []
    assert _found(_decrypted_file(key, database)) == []
    assert _found(_decrypted_wal(key, database.with_name(database.name + "-wal"))) == []
    assert list(database.parent.glob(f"{database.name}.*.bak*")) == []
    assert ENGLISH not in str(ctx.settings.get("system_prompt"))

    verdict = ctx.audit.verify()
    assert verdict.ok, verdict.reason
    last = ctx.audit.list(limit=1)[0]
    assert (last.action, last.outcome) == ("privacy.erase", "ok")
    assert last.details["conversations"] == 2
    assert _found(json.dumps(last.details, ensure_ascii=False).encode("utf-8")) == []
    # The store goes on working after it.
    assert opened.list() == []
    with opened.store.repo() as repo:
        repo.create_conversation("a new start")
    assert [c.title for c in opened.list()] == ["a new start"]


def test_erased_conversations_reach_the_outbox_as_tombstones_without_content(
        ctx: AppContext, opened: Conversations, tmp_path: Path) -> None:
    cid = _known_data(ctx, opened, tmp_path)
    with opened.store.repo(write=False) as repo:
        before = repo.get_conversation(cid)
        message_ids = [m.id for m in repo.every_message(cid)]
    assert before is not None

    privacy.erase_all(ctx, opened.store)

    with opened.store.repo(write=False) as repo:
        after = repo.get_conversation(cid, include_deleted=True)
        messages = repo.every_message(cid)
        outbox = repo.list_outbox(limit=1000)
    assert after is not None and after.deleted and after.version == before.version + 1
    assert (after.title, after.system_prompt, after.summary) == ("", None, None)
    assert {m.id for m in messages} == set(message_ids)
    assert all(m.deleted and m.content == "" for m in messages)
    mine = [e for e in outbox if e.entity_id in {cid, *message_ids}]
    assert {e.entity_id for e in mine} == {cid, *message_ids}
    assert all(e.op == "delete" for e in mine)
    assert all(set(e.payload) == {"id", "version", "updated_at", "deleted"} for e in mine)
    conv_row = next(e for e in mine if e.entity_id == cid)
    assert conv_row.payload["version"] == after.version and conv_row.payload["deleted"] is True
    assert _found(json.dumps([e.payload for e in outbox], ensure_ascii=False).encode()) == []


def test_the_export_applies_the_outbound_safety_rules_and_counts_what_they_replaced(
        ctx: AppContext, opened: Conversations, tmp_path: Path) -> None:
    with opened.store.repo() as repo:
        conv = repo.create_conversation("Contacts")
        repo.add_message(conv.id, "user", f"{ENGLISH}; write to li.wei@example.com")
    report = privacy.export_archive(ctx, opened.store, tmp_path / "mine.zip")
    with zipfile.ZipFile(report.path) as archive:
        saved = json.loads(archive.read(f"conversations/{conv.id}.json"))
        manifest = json.loads(archive.read("manifest.json"))
    content = saved["messages"][0]["content"]
    assert ENGLISH in content and "li.wei@example.com" not in content  # redacted by default
    assert manifest["counts"]["filtered"] == 1 == report.filtered


def _age(convs: Conversations, conversation_id: str, days: int) -> None:
    """Make a conversation look untouched for ``days`` (as if the clock had moved on)."""
    from sqlalchemy import update

    from app.store.schema import Conversation

    when = datetime.now(UTC) - timedelta(days=days)
    with convs.store.session() as session:
        session.execute(update(Conversation).where(Conversation.id == conversation_id)
                        .values(updated_at=when))


def test_retention_erases_old_conversations_at_start_up_and_daily_and_keeps_recent_ones(
        ctx: AppContext) -> None:
    convs = open_conversations(ctx)
    with convs.store.repo() as repo:
        old = repo.create_conversation("old")
        repo.add_message(old.id, "user", ENGLISH)
        later = repo.create_conversation("later")
        repo.add_message(later.id, "user", CHINESE)
        recent = repo.create_conversation("recent")
        repo.add_message(recent.id, "user", "still in use")
    _age(convs, old.id, 45)
    _age(convs, later.id, 20)
    assert privacy.purge_expired(ctx, convs.store) == 0  # no retention set: nothing goes
    privacy.set_retention(ctx, 30)
    convs.close()

    convs = open_conversations(ctx)  # start-up: the purge runs as the store opens
    try:
        assert [c.title for c in convs.list()] == ["recent", "later"]
        entry = ctx.audit.list(limit=5, action="privacy.retention")[0]
        assert entry.details["conversations"] == 1 and entry.details["retention_days"] == 30
        assert _found(_every_text_value(ctx).encode("utf-8")) == [CHINESE]

        _age(convs, later.id, 31)  # a day and more later, the daily purge takes the next one
        assert privacy.purge_expired(ctx, convs.store) == 1
        assert [c.title for c in convs.list()] == ["recent"]
        assert privacy.purge_expired(ctx, convs.store) == 0  # erased once, not again
        entries = ctx.audit.list(limit=10, action="privacy.retention")
        assert [e.details["conversations"] for e in entries] == [1, 1]
        assert ctx.audit.verify().ok
        assert _found(_every_text_value(ctx).encode("utf-8")) == []
    finally:
        convs.close()


def test_records_say_what_is_processed_why_on_what_basis_how_long_and_where(
        ctx: AppContext) -> None:
    doc = processing_records.records_document(ctx)
    keys = [r["key"] for r in doc["records"]]
    assert keys[:4] == ["conversations", "documents", "settings", "audit"]
    assert {"api_keys", "sync_outbox", "backups", "logs"} <= set(keys)
    for record in doc["records"]:
        assert all(record[f] for f in ("data", "purpose", "legal_basis", "retention",
                                       "location", "leaves_machine")), record
        assert "{" not in record["location"]
    conversations = doc["records"][0]
    assert str(ctx.paths.database) in conversations["location"]
    assert "no retention period" in conversations["retention"]
    privacy.set_retention(ctx, 90)
    doc = processing_records.records_document(ctx)
    assert doc["retention_days"] == 90 and "90 days" in doc["records"][0]["retention"]
    with pytest.raises(Exception, match="retention_days"):
        privacy.set_retention(ctx, -3)


def _small_disk(tmp_path: Path) -> Path:
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    return mount_point


def test_an_export_to_a_full_disk_says_so_and_leaves_no_half_archive(
        ctx: AppContext, opened: Conversations, tmp_path: Path) -> None:
    with opened.store.repo() as repo:
        conv = repo.create_conversation("long")
        for _ in range(4):  # random text does not compress: far more than the disk holds
            repo.add_message(conv.id, "user", os.urandom(40_000).hex())
    disk = _small_disk(tmp_path)
    try:
        with pytest.raises(privacy.PrivacyError, match="The disk is full") as failed:
            privacy.export_archive(ctx, opened.store, disk / "my-data.zip")
        assert "nothing was left behind" in str(failed.value)
        assert os.listdir(disk) == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    assert ctx.audit.list(limit=1)[0].outcome == "failed"


def test_a_retention_in_the_administrators_policy_wins_and_cannot_be_changed(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.errors import PolicyViolation
    from tests.policy_helpers import write_policy

    policy = write_policy(tmp_path / "etc" / "policy.json", {"retention_days": 10})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    convs = open_conversations(ctx)
    with convs.store.repo() as repo:
        old = repo.create_conversation("eleven days old")
        repo.add_message(old.id, "user", ENGLISH)
        repo.create_conversation("today")
    _age(convs, old.id, 11)
    convs.close()
    assert privacy.retention(ctx) == privacy.Retention(10, str(policy))
    with pytest.raises(PolicyViolation, match="fixed by the administrator's policy"):
        privacy.set_retention(ctx, 0)
    assert processing_records.records_document(ctx)["retention_locked_by"] == str(policy)

    with open_conversations(ctx) as convs:  # the user never set a retention: the policy's runs
        assert [c.title for c in convs.list()] == ["today"]


def test_erasure_empties_what_sync_kept_of_a_conversation_but_keeps_its_resource(
        ctx: AppContext, opened: Conversations, tmp_path: Path) -> None:
    from sqlalchemy import text

    cid = _known_data(ctx, opened, tmp_path)
    base = json.dumps({"title": ENGLISH, "summary": CHINESE})
    with opened.store.session() as session:  # as a sync run leaves them
        session.execute(text(
            "INSERT INTO sync_state (conversation_id, resource, etag, base, synced_at) "
            "VALUES (:c, 'conv-1.json', '\"e1\"', :b, '2026-01-01 00:00:00')"), {"c": cid, "b": base})
        session.execute(text(
            "INSERT INTO sync_conflicts (conversation_id, kind, item, kept, other, time, resolved) "
            "VALUES (:c, 'field', 'title', :k, :o, '2026-01-01 00:00:00', 0)"),
            {"c": cid, "k": json.dumps(ENGLISH), "o": json.dumps(CHINESE)})

    privacy.erase_all(ctx, opened.store)

    with opened.store.session(write=False) as session:
        state = session.execute(text(
            "SELECT resource, etag, base FROM sync_state WHERE conversation_id = :c"),
            {"c": cid}).one()
        conflicts = session.execute(text("SELECT count(*) FROM sync_conflicts")).scalar_one()
    assert (state[0], state[1], json.loads(state[2])) == ("conv-1.json", '"e1"', {})
    assert conflicts == 0
    assert _found(_decrypted_file(_database_key(ctx), ctx.paths.database)) == []
