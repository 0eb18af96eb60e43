"""`autoglm sync` as a user meets it: set up, sync, enrol a second device, status,
conflicts, and clear one-line refusals (a wrong password, a device not enrolled)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.sync.dav_server import DavServer
from tests.sync.devices import Device

EMAIL_TEXT = "Write to li.wei@example.cn about the Lisbon budget."


def _cli(device: Device, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AUTOGLM_DATA_DIR": str(device.ctx.paths.data),
        "AUTOGLM_TEST_KEYRING_DIR": str(device.keyring_dir),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backends.FolderKeyring",
    }
    return subprocess.run([sys.executable, "-m", "app", "sync", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_setup_sync_enrol_and_status_through_the_cli(devices: list[Device], dav: DavServer, tmp_path: Path) -> None:
    a, b, _ = devices
    off = _cli(a, "status")
    assert off.returncode == 0 and "sync is off" in off.stdout

    with a.store.repo() as repo:
        conv = repo.create_conversation("From the command line")
        repo.add_message(conv.id, "user", "Synced by autoglm sync now.")
    out = _cli(a, "setup", dav.url, "--user", dav.user, "--stdin", stdin=dav.password + "\n")
    assert out.returncode == 0, out.stderr
    assert dav.password not in (a.ctx.paths.config / "settings.json").read_text()
    out = _cli(a, "now", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["pushed"] == 1
    status = json.loads(_cli(a, "status", "--json").stdout)
    assert (status["state"], status["pending"]) == ("synced", 0)

    key_file = tmp_path / "sync-key.json"
    out = _cli(a, "enroll", "--export", str(key_file), "--stdin", stdin="a long passphrase\n")
    assert out.returncode == 0, out.stderr
    assert key_file.stat().st_mode & 0o077 == 0

    assert _cli(b, "setup", dav.url, "--user", dav.user, "--stdin", stdin=dav.password + "\n").returncode == 0
    refused = _cli(b, "now")
    assert refused.returncode == 82
    assert refused.stderr.count("\n") == 1 and "enrol" in refused.stderr and "Traceback" not in refused.stderr
    wrong = _cli(b, "enroll", "--import", str(key_file), "--stdin", stdin="not the passphrase\n")
    assert wrong.returncode == 83 and "wrong passphrase" in wrong.stderr
    assert _cli(b, "enroll", "--import", str(key_file), "--stdin", stdin="a long passphrase\n").returncode == 0
    out = _cli(b, "now")
    assert out.returncode == 0, out.stderr
    assert "1 received" in out.stdout
    assert b.conversations() == a.conversations()


def test_a_wrong_password_is_one_line_and_exit_81(devices: list[Device], dav: DavServer) -> None:
    a, _, _ = devices
    assert _cli(a, "setup", dav.url, "--user", dav.user, "--stdin", stdin="wrong password\n").returncode == 0
    out = _cli(a, "now")
    assert out.returncode == 81
    assert "refused the user name or password" in out.stderr and out.stderr.count("\n") == 1
    assert "wrong password" not in out.stderr
    status = json.loads(_cli(a, "status", "--json").stdout)
    assert status["state"] == "paused" and status["next_attempt"] is None


def test_conflicts_are_listed_and_restored_from_the_cli(devices: list[Device]) -> None:
    a, b, _ = devices
    a.set_up()
    a.sync()
    b.set_up()
    b.enrol_from(a)
    with a.store.repo() as repo:
        conv = repo.create_conversation("Original")
    a.sync()
    b.sync()
    with a.store.repo() as repo:
        repo.rename_conversation(conv.id, "Title from A")
    with b.store.repo() as repo:
        repo.rename_conversation(conv.id, "Title from B")
    a.sync()
    b.sync()  # B's rename is later: kept, A's recorded on B
    listed = json.loads(_cli(b, "conflicts", "--json").stdout)
    assert [(c["kind"], c["item"], c["kept"], c["other"]) for c in listed] == [
        ("field", "title", "Title from B", "Title from A")
    ]
    out = _cli(b, "conflicts", "--restore", str(listed[0]["pk"]))
    assert out.returncode == 0 and "title restored" in out.stdout
    assert json.loads(_cli(b, "conflicts", "--json").stdout) == []
    b.sync()
    a.sync()
    assert a.conversations()[conv.id]["title"] == "Title from A"


def test_what_the_policy_forbids_outbound_is_redacted_before_it_leaves(devices: list[Device], dav: DavServer) -> None:
    """The safety filter's outbound direction applies to sync: an e-mail address in a
    message reaches the other device redacted, while the writer keeps the original."""
    a, b, _ = devices
    a.set_up()
    a.sync()
    b.set_up()
    b.enrol_from(a)
    with a.store.repo() as repo:
        conv = repo.create_conversation("Contacts")
        repo.add_message(conv.id, "user", EMAIL_TEXT)
    a.sync()
    b.sync()
    mine = [t for (_, _, t) in a.conversations()[conv.id]["messages"].values()]
    theirs = [t for (_, _, t) in b.conversations()[conv.id]["messages"].values()]
    assert mine == [EMAIL_TEXT]
    assert "li.wei@example.cn" not in theirs[0] and "Lisbon budget" in theirs[0]
    a.sync()
    assert [t for (_, _, t) in a.conversations()[conv.id]["messages"].values()] == [EMAIL_TEXT]
