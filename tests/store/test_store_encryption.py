"""Encryption at rest: the database, its WAL and its backups hold no readable text; a plain
database from an earlier release is converted with every row, even when killed half-way;
a missing, wrong or foreign key is refused with its own message and the file untouched."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from store_helpers import REPO_ROOT, child_env, create_at_first_revision, populate_first_revision

from app.errors import (
    PolicyViolation,
    StoreError,
    StoreFromAnotherMachine,
    StoreKeyMissing,
    StoreKeyWrong,
)
from app.services.context import AppContext, open_context
from app.services.storage import open_user_store, read_keyinfo, rekey_store, store_status
from app.store import cipher
from app.store.migrate import migrate
from tests.keyring_backends import DIR_ENV
from tests.policy_helpers import write_policy

KNOWN = [
    "The quarterly audit found the Zanzibar ledger overstated by 4.2 million",
    "董事会决定在第三季度关闭深圳的数据中心",
]
TABLES = ("conversations", "messages", "settings", "outbox")


@pytest.fixture
def folder_keyring() -> Path:
    """The test's keyring folder, shared with subprocesses (see tests/conftest.py)."""
    return Path(os.environ[DIR_ENV])


def rows(path: Path, key: bytes | None) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the user tables, in a stable order, read through SQLCipher."""
    with closing(cipher.connect(path, key)) as conn:
        return {
            t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES
        }


def database_key(ctx: AppContext) -> bytes:
    info = read_keyinfo(ctx.paths.database)
    assert info is not None
    key = ctx.secrets.get_bytes(info.key_name)
    assert key is not None
    return key


def every_file_of(database: Path) -> list[Path]:
    return [p for p in database.parent.iterdir() if p.name.startswith(database.name)]


def test_known_sentences_are_nowhere_in_the_database_its_wal_or_its_backups(
    first_revision_db: Callable[[Path], Path],
) -> None:
    ctx = open_context()
    # A database from the first release, so that the upgrade leaves a backup beside it.
    first_revision_db(ctx.paths.database)
    store = open_user_store(ctx)
    try:
        with store.repo() as repo:
            conv = repo.create_conversation(title=KNOWN[1])
            parent = None
            for text in KNOWN * 3:
                parent = repo.add_message(conv.id, "user", text, parent_id=parent).id
        # The WAL still holds the last pages: read while the store is open.
        files = every_file_of(ctx.paths.database)
        assert any(p.name.endswith("-wal") and p.stat().st_size for p in files)
        assert any(p.name.endswith(".bak") for p in files), "the upgrade should have backed up"
        for path in files:
            data = path.read_bytes()
            for sentence in KNOWN:
                for word in (sentence, sentence[:12], sentence.split()[-1]):
                    assert word.encode("utf-8") not in data, f"{word!r} readable in {path.name}"
            if not path.name.endswith(".json"):
                assert not data.startswith(cipher.PLAIN_HEADER), f"{path.name} is plain SQLite"
    finally:
        store.close()
    # ...and the text is really there for whoever holds the key, search included.
    with open_user_store(ctx) as store, store.repo(write=False) as repo:
        assert len(repo.list_conversations(query="Zanzibar ledger")) == 1
        assert len(repo.list_conversations(query="深圳的数据中心")) == 1
        assert len(repo.list_conversations(query="深圳")) == 1  # short Chinese words too
    assert store_status(ctx).encrypted


def test_a_plain_database_from_the_first_release_is_converted_with_every_row(
    first_revision_db: Callable[[Path], Path], tmp_path: Path
) -> None:
    ctx = open_context()
    plain = first_revision_db(tmp_path / "plain.sqlite3")
    before = rows(plain, None)
    shutil.copyfile(plain, ctx.paths.database)
    seen: list[tuple[int, int]] = []
    with open_user_store(ctx, progress=lambda done, total: seen.append((done, total))):
        pass
    assert cipher.file_kind(ctx.paths.database) == "encrypted"
    after = rows(ctx.paths.database, database_key(ctx))
    for table in TABLES:
        # The second revision added columns: compare the first release's columns.
        assert [r[: len(before[table][0])] for r in after[table]] == before[table], table
    assert seen and seen[-1][0] == seen[-1][1], "progress should end at 100 %"
    assert not ctx.paths.database.with_name("autoglm.sqlite3.encrypting").exists()


@pytest.fixture(scope="module")
def large_plain_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain database of a few MiB at the newest revision (as the last release before
    encryption left it), so that a conversion takes long enough (a few tenths of a second
    here) to be killed at many different points, and nothing but the conversion runs when
    it is opened. Each of the test's kill points converts it once more: no bigger than that."""
    path = tmp_path_factory.mktemp("large") / "plain.sqlite3"
    create_at_first_revision(path)
    populate_first_revision(path, conversations=200, per_conversation=20)
    with closing(cipher.connect(path, None)) as conn, conn:
        conn.execute("UPDATE messages SET content = content || ' ' || hex(randomblob(250))")
    migrate(path)
    assert cipher.file_kind(path) == "plain"
    return path


CONVERT = r"""
import sys, time
from app.services.context import open_context
from app.services.storage import open_user_store
ctx = open_context()
print("ready", flush=True)
t0 = time.perf_counter()
open_user_store(ctx).close()
print(f"done {time.perf_counter() - t0:.4f}", flush=True)
"""


def start_conversion() -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CONVERT], cwd=REPO_ROOT, env=child_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


@pytest.mark.slow
def test_a_conversion_killed_at_any_point_leaves_a_database_with_every_row(
    large_plain_database: Path, folder_keyring: Path
) -> None:
    before = rows(large_plain_database, None)
    ctx = open_context()
    database = ctx.paths.database

    def fresh_plain() -> None:
        for path in every_file_of(database):
            path.unlink()
        shutil.rmtree(folder_keyring, ignore_errors=True)
        folder_keyring.mkdir()
        shutil.copyfile(large_plain_database, database)

    # How long a whole conversion takes here, unkilled (the slower of two runs: the
    # machine may be busy with other work).
    durations = []
    for _run in range(2):
        fresh_plain()
        proc = start_conversion()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        durations.append(float(out.split()[-1]))
    duration = max(durations)

    def check_next_start_finishes_the_job() -> None:
        fresh = open_context()
        with open_user_store(fresh):
            pass
        assert cipher.file_kind(database) == "encrypted"
        assert rows(database, database_key(fresh)) == before

    rng = random.Random(20241130)
    killed_while_plain = 0
    for _point in range(20):
        fresh_plain()
        proc = start_conversion()
        time.sleep(rng.uniform(0, duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL and cipher.file_kind(database) == "plain":
            killed_while_plain += 1
        check_next_start_finishes_the_job()
    assert killed_while_plain, "no seeded point fell during the conversion"

    # And one point right after the switch to the encrypted file, before anything else.
    fresh_plain()
    proc = start_conversion()
    deadline = time.monotonic() + 60
    while cipher.file_kind(database) == "plain" and time.monotonic() < deadline:
        time.sleep(0.0005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the conversion ended before it could be killed"
    check_next_start_finishes_the_job()


def digest_of(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture
def encrypted_ctx() -> Iterator[AppContext]:
    ctx = open_context()
    with open_user_store(ctx) as store, store.repo() as repo:
        repo.create_conversation(title=KNOWN[0])
    yield ctx


def test_a_missing_key_is_refused_and_the_file_left_untouched(encrypted_ctx: AppContext) -> None:
    database = encrypted_ctx.paths.database
    original = digest_of(database)
    info = read_keyinfo(database)
    assert info is not None
    encrypted_ctx.secrets.delete(info.key_name)
    with pytest.raises(StoreKeyMissing, match="its key is not in the system keyring"):
        open_user_store(open_context())
    assert digest_of(database) == original


def test_a_wrong_key_is_refused_and_the_file_left_untouched(encrypted_ctx: AppContext) -> None:
    database = encrypted_ctx.paths.database
    original = digest_of(database)
    info = read_keyinfo(database)
    assert info is not None
    encrypted_ctx.secrets.set_bytes(info.key_name, cipher.new_key())
    with pytest.raises(StoreKeyWrong, match="does not open it"):
        open_user_store(open_context())
    assert digest_of(database) == original


HALF_WRITTEN = """
import os, sys
from app.store import cipher

conn = cipher.connect(sys.argv[1], bytes.fromhex(sys.argv[2]), isolation_level=None)
conn.execute("PRAGMA journal_mode=DELETE")
conn.execute("PRAGMA cache_size=1")  # changed pages spill into the file before the commit
conn.execute("BEGIN")
conn.execute("UPDATE conversations SET title = 'half-written'")
conn.execute("CREATE TABLE bulk(x)")
conn.execute("INSERT INTO bulk SELECT randomblob(2000) FROM (WITH RECURSIVE n(i) AS "
             "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n)")
os._exit(0)  # gone mid-transaction, as a kill leaves it: the rollback journal stays, hot
"""


def test_a_database_a_killed_writer_left_mid_transaction_opens_with_every_committed_row(
    encrypted_ctx: AppContext, spawn_python: Callable[..., subprocess.Popen[str]]
) -> None:
    database = encrypted_ctx.paths.database
    key = database_key(encrypted_ctx)
    before = rows(database, key)
    child = spawn_python(HALF_WRITTEN, str(database), key.hex())
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    journal = database.with_name(database.name + "-journal")
    assert journal.exists()  # hot: a read-only probe of the key could not roll it back
    assert not cipher.opens_with(database, cipher.new_key())  # a wrong key still reads as wrong
    with open_user_store(open_context()):
        pass
    assert rows(database, key) == before
    assert not journal.exists()


def test_a_database_copied_to_another_machine_is_refused_as_such(
    encrypted_ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import MemoryKeyring

    database = encrypted_ctx.paths.database
    elsewhere = tmp_path / "other-machine"
    shutil.copytree(database.parent, elsewhere)
    monkeypatch.setenv("AUTOGLM_DATA_DIR", str(elsewhere))
    keyring.set_keyring(MemoryKeyring())  # the other machine's keyring knows nothing of it
    original = digest_of(elsewhere / database.name)
    with pytest.raises(StoreFromAnotherMachine, match="encrypted on another computer"):
        open_user_store(open_context())
    # The same when that machine runs Open-AutoGLM already, with its own installation id.
    other = open_context()
    other.secrets.installation_id()
    with pytest.raises(StoreFromAnotherMachine):
        open_user_store(open_context())
    assert digest_of(elsewhere / database.name) == original


def test_the_error_messages_hold_no_key(encrypted_ctx: AppContext) -> None:
    key = database_key(encrypted_ctx)
    info = read_keyinfo(encrypted_ctx.paths.database)
    assert info is not None
    encrypted_ctx.secrets.set_bytes(info.key_name, cipher.new_key())
    with pytest.raises(StoreError) as caught:
        open_user_store(open_context())
    message = str(caught.value)
    assert key.hex() not in message and key.hex().upper() not in message


def test_rekey_rotates_the_key_and_keeps_every_row(encrypted_ctx: AppContext) -> None:
    database = encrypted_ctx.paths.database
    old = database_key(encrypted_ctx)
    before = rows(database, old)
    status = rekey_store(open_context())
    assert status.encrypted
    new = database_key(open_context())
    assert new != old
    assert not cipher.opens_with(database, old)
    assert rows(database, new) == before
    with open_user_store(open_context()) as store, store.repo(write=False) as repo:
        assert [c.title for c in repo.list_conversations()] == [KNOWN[0]]


def test_a_rotation_cut_short_after_the_rewrite_is_finished_by_the_next_open(
    encrypted_ctx: AppContext,
) -> None:
    database = encrypted_ctx.paths.database
    info = read_keyinfo(database)
    assert info is not None
    old = database_key(encrypted_ctx)
    new = cipher.new_key()
    # What rekey_store does before its last step, as if the process died there.
    encrypted_ctx.secrets.set_bytes(info.next_key_name, new)
    cipher.export(database, old, new)
    with open_user_store(open_context()):
        pass
    ctx = open_context()
    assert database_key(ctx) == new
    assert ctx.secrets.get(info.next_key_name) is None


def test_without_a_keyring_the_key_lives_in_a_passphrase_locked_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("AUTOGLM_PASSPHRASE", "correct horse battery")
    ctx = open_context()
    with open_user_store(ctx) as store, store.repo() as repo:
        repo.create_conversation(title=KNOWN[0])
    assert cipher.file_kind(ctx.paths.database) == "encrypted"
    status = store_status(ctx)
    assert "passphrase-locked file" in status.key_store and "No system keyring" in status.notice
    key = database_key(ctx)
    vault = ctx.secrets.vault_path.read_bytes()
    assert key.hex().encode() not in vault and b"database-key" not in vault
    # Another session with a wrong passphrase is refused, the database untouched.
    monkeypatch.setenv("AUTOGLM_PASSPHRASE", "wrong horse battery")
    from app.security.secrets import WrongPassphrase

    with pytest.raises(WrongPassphrase):
        open_user_store(open_context())


def test_without_any_key_store_the_store_stays_plain_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv("AUTOGLM_PASSPHRASE", raising=False)
    ctx = open_context()
    # Not asked yet (no door attached a prompt): nothing is decided, nothing created.
    from app.security.secrets import PassphraseRequired

    with pytest.raises(PassphraseRequired):
        open_user_store(ctx)
    assert not ctx.paths.database.exists()
    ctx.secrets.ask_passphrase = lambda _creating: None  # asked, and the user declined
    with open_user_store(ctx):
        pass
    assert cipher.file_kind(ctx.paths.database) == "plain"
    assert "stored unencrypted" in ctx.store_notice and "AUTOGLM_PASSPHRASE" in ctx.store_notice
    assert store_status(ctx).state == "unencrypted"


def test_a_policy_that_requires_encryption_refuses_to_store_in_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.json"
    write_policy(policy, {"require_encryption": True})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv("AUTOGLM_PASSPHRASE", raising=False)
    ctx = open_context()
    ctx.secrets.ask_passphrase = lambda _creating: None  # the user declines
    with pytest.raises(PolicyViolation, match="requires the conversation database to be encrypted"):
        open_user_store(ctx)
    assert not ctx.paths.database.exists()


OPEN_AND_WRITE = r"""
import sys
from app.services.context import open_context
from app.services.storage import open_user_store
ctx = open_context()
with open_user_store(ctx) as store, store.repo() as repo:
    repo.create_conversation(title="from process " + sys.argv[1])
print(ctx.secrets.installation_id(), flush=True)
"""


def test_processes_meeting_one_new_data_folder_agree_on_one_key() -> None:
    # A desktop app, a CLI and server instances may all start on a brand-new folder.
    procs = [
        subprocess.Popen([sys.executable, "-c", OPEN_AND_WRITE, str(i)], cwd=REPO_ROOT,
                         env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for i in range(4)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    assert len({out.strip() for out, _ in outputs}) == 1, "one installation id for all"
    ctx = open_context()
    with open_user_store(ctx) as store, store.repo(write=False) as repo:
        titles = sorted(c.title for c in repo.list_conversations())
    assert titles == [f"from process {i}" for i in range(4)]
