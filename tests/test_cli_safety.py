"""The safety filter through the command line: `autoglm scan`, and replies from `ask` and
`chat` that never print a digit of an ID the model copies, with a line on stderr saying so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.security.policy import PolicyMalformed
from tests.policy_helpers import write_policy

ID = "11010519491231002X"
# With no system prompt and greedy decoding, the default model repeats the number back.
COPY_IT = f"My ID number is {ID}. What is my ID number?"
GREEDY = ("--system", "", "--temperature", "0", "--max-tokens", "30", "--threads", "1")


def autoglm(*args: str, stdin: str | None = None, policy: dict[str, object] | None = None,
            tmp_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if policy is not None and tmp_path is not None:
        path = tmp_path / "policy.json"
        write_policy(path, policy)
        env["AUTOGLM_POLICY_FILE"] = str(path)
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, capture_output=True,
                          text=True, timeout=300, env=env)


def shows_a_piece_of_the_id(text: str) -> bool:
    return any(ID[i:i + 3] in text for i in range(len(ID) - 2))


SAMPLE = f"客户张伟，身份证{ID}，手机138-0013-8000。\nmail zhang.wei@example.com, server 10.1.2.3\n"


def test_scan_lists_each_finding_as_a_json_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    out = autoglm("scan", str(path))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(x["category"], SAMPLE[x["start"]:x["end"]]) for x in lines] == [
        ("id_number", ID), ("phone", "138-0013-8000"), ("email", "zhang.wei@example.com"),
        ("ip_address", "10.1.2.3")]
    assert lines[0]["match"] == "11**************2X" and ID not in out.stdout
    assert [x["action"] for x in lines] == ["redact", "redact", "redact", "warn"]  # outbound


def test_scan_redact_reads_standard_input_and_follows_the_policy(tmp_path: Path) -> None:
    out = autoglm("scan", "--redact", "-", stdin=SAMPLE, tmp_path=tmp_path,
                  policy={"safety": {"actions": {"ip_address": "redact"}}})
    assert out.returncode == 0, out.stderr
    assert out.stdout == ("客户张伟，身份证[ID number removed]，手机[phone number removed]。\n"
                          "mail [e-mail address removed], server [IP address removed]\n")


def test_a_mistake_in_the_policy_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    out = autoglm("scan", "-", stdin="x", tmp_path=tmp_path,
                  policy={"safety": {"actions": {"phone": "hide"}}})
    assert out.returncode == PolicyMalformed.exit_code
    assert out.stderr.strip().splitlines() == [
        f"autoglm: error: the administrator's policy {tmp_path / 'policy.json'}: safety.actions."
        "phone is 'hide'; it must be one of allow, warn, redact, block"]


@pytest.mark.slow
@pytest.mark.parametrize("history", [True, False], ids=["saved", "no-history"])
def test_ask_never_prints_a_digit_of_an_id_the_model_copies(history: bool) -> None:
    out = autoglm("ask", *GREEDY, *([] if history else ["--no-history"]), COPY_IT)
    assert out.returncode == 0, out.stderr
    assert "[ID number removed]" in out.stdout, out.stdout  # the model did write it
    assert not shows_a_piece_of_the_id(out.stdout)
    assert "safety: removed 1 ID number from the reply" in out.stderr
    assert "safety: your message contains 1 ID number" in out.stderr


@pytest.mark.slow
def test_chat_filters_each_reply_and_json_says_what_it_did() -> None:
    out = autoglm("chat", *GREEDY, "--json", "--no-history", stdin=COPY_IT + "\n")
    assert out.returncode == 0, out.stderr
    reply, report = out.stdout.split("\n{", 1)
    assert "[ID number removed]" in reply and not shows_a_piece_of_the_id(reply)
    assert {"category": "id_number", "action": "redact", "direction": "output",
            "count": 1} in json.loads("{" + report)["safety"]
    assert "safety: removed 1 ID number from the reply" in out.stderr


@pytest.mark.slow
def test_a_prompt_the_policy_blocks_is_not_sent(tmp_path: Path) -> None:
    out = autoglm("ask", *GREEDY, COPY_IT, tmp_path=tmp_path,
                  policy={"safety": {"actions": {"id_number": {"input": "block"}}}})
    assert out.returncode == 42
    assert "autoglm: error: This message was not sent" in out.stderr
    assert out.stdout == "" and ID not in out.stderr
    listed = autoglm("history", "list", "--json")
    assert json.loads(listed.stdout) == [], "nothing was saved, not even an empty conversation"
