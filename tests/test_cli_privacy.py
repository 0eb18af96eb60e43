"""`autoglm privacy` as a user runs it: the processing records as JSON, an export then an
erasure, the question asked on a terminal (and the refusal without one), the retention
setting, and one-line errors with their exit codes."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_cli import autoglm

from app.cli import main
from app.services.context import open_context
from app.services.conversations import open_conversations
from app.services.privacy import EraseNotConfirmed, PrivacyError

ENGLISH = "Our supplier in Rotterdam delivers the valves on Thursday mornings"
CHINESE = "深圳的供应商每周四上午送阀门"


def _a_conversation() -> str:
    ctx = open_context()
    with open_conversations(ctx) as convs, convs.store.repo() as repo:
        conv = repo.create_conversation("Deliveries")
        repo.add_message(conv.id, "user", ENGLISH)
        repo.add_message(conv.id, "assistant", CHINESE)
    ctx.audit.close()
    return conv.id


def _titles(capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["history", "list", "--json"]) == 0
    return [c["title"] for c in json.loads(capsys.readouterr().out)]


def test_records_are_printed_as_json_naming_purpose_basis_retention_and_place(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "records"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "open-autoglm.processing-records"
    first = doc["records"][0]
    assert first["key"] == "conversations" and "GDPR" in first["legal_basis"]
    assert str(open_context().paths.database) in first["location"]


def test_export_then_erase_with_yes_leaves_an_archive_and_no_conversations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cid = _a_conversation()
    archive = tmp_path / "mine.zip"
    assert main(["privacy", "export", "--out", str(archive)]) == 0
    assert f"Your data was written to {archive}" in capsys.readouterr().out
    with zipfile.ZipFile(archive) as z:
        saved = json.loads(z.read(f"conversations/{cid}.json"))
        assert "manifest.json" in z.namelist() and "processing_records.json" in z.namelist()
    assert [m["content"] for m in saved["messages"]] == [ENGLISH, CHINESE]

    assert main(["privacy", "erase", "--yes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["conversations"] == 1 and report["messages"] == 2
    assert _titles(capsys) == []
    assert main(["audit", "verify"]) == 0
    assert "The audit log is intact" in capsys.readouterr().out
    assert main(["audit", "list", "--json", "--action", "privacy"]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions == ["privacy.erase", "privacy.export"]


def test_erase_without_a_terminal_and_without_yes_is_refused_and_erases_nothing() -> None:
    _a_conversation()
    out = autoglm("privacy", "erase", stdin="erase\n")  # a pipe is not a terminal
    assert out.returncode == EraseNotConfirmed.exit_code == 81
    assert "run `autoglm privacy erase --yes`" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    listed = json.loads(autoglm("history", "list", "--json").stdout)
    assert [c["title"] for c in listed] == ["Deliveries"]


def _on_a_terminal(*args: str, answer: str) -> tuple[int, str]:
    """Run autoglm with a pseudo-terminal as its standard input, and type ``answer``."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "app", *args], stdin=follower,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.write(leader, answer.encode())
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    return proc.returncode, stdout + stderr


def test_erase_asks_on_a_terminal_and_erases_only_when_the_user_types_erase(
        capsys: pytest.CaptureFixture[str]) -> None:
    _a_conversation()
    code, said = _on_a_terminal("privacy", "erase", answer="no\n")
    assert code == 81 and "cannot be undone" in said and "nothing was erased" in said
    assert _titles(capsys) == ["Deliveries"]
    code, said = _on_a_terminal("privacy", "erase", answer="erase\n")
    assert code == 0, said
    assert "Erased 1 conversation(s) with 2 message(s)" in said
    assert _titles(capsys) == []


def test_an_export_into_a_missing_folder_fails_in_one_line_with_exit_80(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _a_conversation()
    out = tmp_path / "no-such-folder" / "mine.zip"
    assert main(["privacy", "export", "-o", str(out)]) == PrivacyError.exit_code == 80
    err = capsys.readouterr().err
    assert err.startswith("autoglm: error: The folder") and "nothing was written" in err
    assert len(err.strip().splitlines()) == 1 and not out.parent.exists()


def test_retention_is_shown_set_checked_and_purged_from_the_cli(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "retention"]) == 0
    assert "kept until you delete them" in capsys.readouterr().out
    assert main(["privacy", "retention", "30"]) == 0
    assert "erased 30 days after their last change" in capsys.readouterr().out
    assert main(["privacy", "retention", "-5"]) == 2
    assert "Invalid value -5 for retention_days" in capsys.readouterr().err
    _a_conversation()
    assert main(["privacy", "purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"erased_conversations": 0}
    assert _titles(capsys) == ["Deliveries"]  # used today: kept


def test_a_retention_fixed_by_policy_is_shown_locked_and_refused_with_exit_40(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.policy_helpers import write_policy

    policy = write_policy(tmp_path / "etc" / "policy.json", {"retention_days": 14})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    assert main(["privacy", "retention"]) == 0
    assert f"erased 14 days after their last change (fixed by the administrator's policy {policy})" \
        in capsys.readouterr().out
    assert main(["privacy", "retention", "365"]) == 40
    err = capsys.readouterr().err
    assert "fixed by the administrator's policy" in err and len(err.strip().splitlines()) == 1
