"""`autoglm docs` and `autoglm ask --docs` as a user runs them: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def autoglm(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ))


@pytest.mark.slow
def test_docs_add_list_search_and_remove(library: Path) -> None:
    added = autoglm("docs", "add", "--json", "--collection", "Ops", str(library))
    assert added.returncode == 0, added.stderr
    files = {Path(f["path"]).name: f for f in json.loads(added.stdout)["files"]}
    assert files["report.pdf"]["outcome"] == "added" and files["report.pdf"]["pages"] == 3
    assert files["photo.png"] == {**files["photo.png"], "outcome": "unsupported"}

    again = autoglm("docs", "add", "--collection", "Ops", str(library))
    assert again.returncode == 0
    assert "Ops: 7 unchanged (0 pages read" in again.stdout
    assert "skipped " in again.stdout and "photo.png: unsupported file type .png" in again.stdout

    found = autoglm("docs", "search", "--json", "--collection", "Ops", "上海仓库的周转天数")
    top = json.loads(found.stdout)[0]
    assert (top["file"], top["number"], top["line"]) == ("会议纪要.txt", 1, 1)
    assert "二十六天" in top["text"]
    short = autoglm("docs", "search", "--collection", "Ops", "仓库")  # a two-character word
    assert short.returncode == 0 and "会议纪要.txt" in short.stdout
    text = autoglm("docs", "search", "--collection", "Ops", "Dalian drivers")
    assert text.stdout.startswith("[1] report.pdf, page 3\n")

    listed = json.loads(autoglm("docs", "list", "--json", "--collection", "Ops").stdout)
    assert {d["status"] for d in listed} == {"indexed"} and len(listed) == 7
    removed = autoglm("docs", "remove", "--collection", "Ops", "report.pdf")
    assert removed.stdout.startswith("removed ") and "report.pdf" in removed.stdout
    gone = autoglm("docs", "search", "--collection", "Ops", "Dalian drivers")
    assert "report.pdf" not in gone.stdout


@pytest.mark.slow
def test_collections_and_errors_are_one_line_with_an_exit_code(library: Path) -> None:
    assert autoglm("docs", "collections", "create", "Q3").returncode == 0
    renamed = autoglm("docs", "collections", "rename", "--json", "Q3", "Q4")
    assert json.loads(renamed.stdout)["name"] == "Q4"
    listed = autoglm("docs", "collections", "list", "--json")
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Q4"]

    missing = autoglm("docs", "search", "--collection", "Q3", "anything")
    assert missing.returncode == 60
    assert missing.stderr == "autoglm: error: No collection named “Q3”. Collections: Q4.\n"
    nothing = autoglm("docs", "add", "--collection", "Q4", str(library / "nope.pdf"))
    assert nothing.returncode == 60 and "No such file or folder" in nothing.stderr
    removed = autoglm("docs", "collections", "remove", "Q4")
    assert removed.stdout == "removed collection “Q4” and its 0 document(s)\n"


@pytest.mark.slow
def test_ask_docs_answers_and_prints_its_sources(library: Path) -> None:
    assert autoglm("docs", "add", "--collection", "Ops", str(library)).returncode == 0
    out = autoglm("ask", "--docs", "Ops", "--json", "--temperature", "0", "--max-tokens", "32",
                  "--threads", "1", "How many pallets does the Harbin warehouse hold?")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["found"] and "4,200" in data["text"]
    assert (data["citations"][0]["file"], data["citations"][0]["page"]) == ("report.pdf", 2)

    saved = autoglm("history", "show", data["conversation_id"])
    assert "Sources:\n- [1] report.pdf, page 2" in saved.stdout  # kept with its sources

    plain = autoglm("ask", "--docs", "Ops", "--max-tokens", "8", "--threads", "1",
                    "--no-history", "What is the capital of Peru?")
    assert plain.returncode == 0
    assert plain.stdout.startswith("I found nothing about this in the collection “Ops”")
    assert len(json.loads(autoglm("history", "list", "--json").stdout)) == 1


def test_docs_add_draws_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from app.cli_docs import _FileProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    bar = _FileProgress()
    for done in range(3):
        bar(done, 2, Path(f"file{done}.pdf"))
    shown = err.getvalue().split("\r")
    assert shown[1].startswith("[------------------------] 0/2 file0.pdf")
    assert shown[2].startswith("[############------------] 1/2 file1.pdf")
    assert shown[3].startswith("[########################] 2/2") and shown[3].endswith("\n")
