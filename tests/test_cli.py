"""The `autoglm` command as a user runs it: a real process, the real default model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from tests.policy_helpers import write_policy

# Blocks every socket the Python process could open; llama.cpp itself opens none.
NO_NETWORK = """
import sys
def _deny(event, args):
    if event in ("socket.__new__", "socket.connect", "socket.getaddrinfo", "socket.bind"):
        raise PermissionError("network access attempted: " + event)
sys.addaudithook(_deny)
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def autoglm(*args: str, stdin: str | None = None, network: bool = True,
            env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "app", *args] if network else [sys.executable, "-c", NO_NETWORK, *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_version() -> None:
    out = autoglm("--version")
    assert out.returncode == 0
    assert __version__ in out.stdout


def test_ask_streams_a_reply_and_the_same_seed_repeats_it() -> None:
    first = autoglm("ask", "--seed", "11", "--max-tokens", "24", "Say hello to an analyst.")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip()
    second = autoglm("ask", "--seed", "11", "--max-tokens", "24", "Say hello to an analyst.")
    assert second.stdout == first.stdout


def test_ask_json_reports_stats() -> None:
    out = autoglm("ask", "--json", "--seed", "1", "--max-tokens", "8", "Hi")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["text"].strip()
    assert data["stats"]["prompt_tokens"] > 0
    assert 0 < data["stats"]["generated_tokens"] <= 8


def test_ask_and_chat_work_with_the_network_blocked() -> None:
    ask = autoglm("ask", "--seed", "2", "--max-tokens", "12", "What is 2+2?", network=False)
    assert ask.returncode == 0, ask.stderr
    assert ask.stdout.strip()
    chat = autoglm("chat", "--seed", "2", "--max-tokens", "12", network=False,
                   stdin="Hello there.\nWhat did I just say?\n")
    assert chat.returncode == 0, chat.stderr
    assert len([line for line in chat.stdout.splitlines() if line.strip()]) >= 2
    assert "network access attempted" not in ask.stderr + chat.stderr


def test_an_unknown_model_is_one_clear_line_and_a_non_zero_exit() -> None:
    out = autoglm("ask", "--model", "no-such-model.gguf", "hi")
    assert out.returncode == 3
    assert out.stderr.startswith("autoglm: error:")
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_models_list_shows_the_default_model_and_verify_accepts_it(default_model_path: Path) -> None:
    listed = autoglm("models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {m["name"]: m for m in json.loads(listed.stdout)}
    assert names[default_model_path.name]["default"] is True
    assert names[default_model_path.name]["quantization"] == "Q4_1"
    verified = autoglm("models", "verify", str(default_model_path))
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("verified:")


def test_a_tampered_model_is_refused_with_hash_mismatch(tmp_path: Path, default_model_path: Path) -> None:
    from app.errors import HashMismatch

    copy = tmp_path / default_model_path.name
    shutil.copyfile(default_model_path, copy)
    manifest = Path(__file__).resolve().parent.parent / "resources" / "manifests" / (
        default_model_path.name + ".manifest.json")
    shutil.copyfile(manifest, tmp_path / manifest.name)
    with open(copy, "r+b") as fh:
        fh.seek(copy.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0x01]))
    out = autoglm("ask", "--model", str(copy), "hi")
    assert out.returncode == HashMismatch.exit_code
    assert "hash mismatch" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_user_key_signs_a_model_that_then_loads(tmp_path: Path, default_model_path: Path) -> None:
    model = tmp_path / "mine.gguf"
    shutil.copyfile(default_model_path, model)
    refused = autoglm("ask", "--model", str(model), "hi")
    assert refused.returncode != 0 and "no manifest" in refused.stderr
    locked = {"AUTOGLM_KEY_PASSPHRASE": "team signing passphrase"}
    gen = autoglm("keys", "generate", "Analyst Team", env=locked)
    assert gen.returncode == 0, gen.stderr
    signed = autoglm("models", "sign", str(model), env=locked)
    assert signed.returncode == 0, signed.stderr
    ok = autoglm("ask", "--model", str(model), "--max-tokens", "4", "--seed", "1", "hi")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip()


@pytest.mark.parametrize("policy_allows", [True, False])
def test_allow_unsigned_obeys_the_administrators_policy(tmp_path: Path, default_model_path: Path,
                                                        policy_allows: bool) -> None:
    from app.errors import UnsignedNotAllowed

    model = tmp_path / "unsigned.gguf"
    shutil.copyfile(default_model_path, model)
    policy = tmp_path / "policy.json"
    write_policy(policy, {"allow_unsigned_models": policy_allows})
    out = autoglm("ask", "--model", str(model), "--allow-unsigned", "--max-tokens", "4", "hi",
                  env={"AUTOGLM_POLICY_FILE": str(policy)})
    if policy_allows:
        assert out.returncode == 0, out.stderr
    else:
        assert out.returncode == UnsignedNotAllowed.exit_code
        assert "not allowed by the administrator's policy" in out.stderr


def test_doctor_says_what_it_found_and_chose() -> None:
    out = autoglm("doctor", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["backend"]["name"] in {"CPU", "CUDA", "Metal", "ROCm", "Vulkan"}
    plan = report["model"]["plan"]
    if report["backend"]["name"] == "CPU":
        assert plan["n_gpu_layers"] == 0
    else:
        assert plan["n_gpu_layers"] == plan["layers_total"]
    text = autoglm("doctor")
    assert "GPU layers:" in text.stdout and "backend:" in text.stdout


# -- conversations and history ------------------------------------------------------------------

def test_ask_is_saved_and_history_lists_shows_searches_exports_and_deletes_it(
        tmp_path: Path) -> None:
    asked = autoglm("ask", "--json", "--seed", "3", "--max-tokens", "12", "Name a primary colour.")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    conversation_id = answer["conversation_id"]
    assert answer["status"] == "complete"

    listed = autoglm("history", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (saved,) = json.loads(listed.stdout)
    assert saved["id"] == conversation_id and saved["title"]
    plain = autoglm("history", "list")
    assert plain.stdout.startswith(conversation_id[:8])

    shown = autoglm("history", "show", conversation_id[:8])
    assert shown.returncode == 0, shown.stderr
    assert "You:\nName a primary colour." in shown.stdout
    assert answer["text"].strip() in shown.stdout

    found = autoglm("history", "search", "primary", "--json")
    assert [c["id"] for c in json.loads(found.stdout)] == [conversation_id]
    assert "primary colour" in json.loads(found.stdout)[0]["snippet"]
    assert "No conversation matches" in autoglm("history", "search", "zebra").stdout

    out = tmp_path / "export.json"
    exported = autoglm("history", "export", conversation_id[:8], "--format", "json",
                       "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["content"] == answer["text"]
    markdown = autoglm("history", "export", conversation_id)
    assert "## You" in markdown.stdout and "Name a primary colour." in markdown.stdout

    deleted = autoglm("history", "delete", conversation_id[:8])
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(autoglm("history", "list", "--json").stdout) == []
    missing = autoglm("history", "show", conversation_id[:8])
    assert missing.returncode != 0 and "No conversation" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_no_history_saves_nothing() -> None:
    out = autoglm("ask", "--no-history", "--seed", "1", "--max-tokens", "4", "hi")
    assert out.returncode == 0, out.stderr
    chat = autoglm("chat", "--no-history", "--max-tokens", "4", stdin="hello\n")
    assert chat.returncode == 0, chat.stderr
    assert json.loads(autoglm("history", "list", "--json").stdout) == []


def test_chat_is_saved_and_continue_picks_it_up() -> None:
    first = autoglm("chat", "--seed", "5", "--max-tokens", "8",
                    stdin="My project is called Falcon.\n")
    assert first.returncode == 0, first.stderr
    (saved,) = json.loads(autoglm("history", "list", "--json").stdout)
    conversation_id = saved["id"]

    more = autoglm("chat", "--continue", conversation_id[:8], "--seed", "5", "--max-tokens", "8",
                   stdin="What is my project called?\n")
    assert more.returncode == 0, more.stderr
    saved = json.loads(autoglm("history", "show", conversation_id, "--json").stdout)
    assert [m["content"] for m in saved["messages"] if m["role"] == "user"] == [
        "My project is called Falcon.", "What is my project called?"]
    assert len(saved["messages"]) == 4

    wrong = autoglm("chat", "--continue", "ffffffff", stdin="hi\n")
    assert wrong.returncode != 0 and "No conversation with id 'ffffffff'" in wrong.stderr
