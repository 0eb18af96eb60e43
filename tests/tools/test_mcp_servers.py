"""Tools from local MCP servers: a real server program started over stdio through the
user's configuration, its tools listed under its name and called, and every way a server
can fail turned into one clear message."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_cli import autoglm

from app.errors import ConfigError
from app.services import tools as tool_service
from app.tools import mcp
from app.tools.builtin import ToolFailed
from tests.mcp_helpers import notes, notes_server, starts


@pytest.fixture(autouse=True)
def stop_servers() -> Iterator[None]:
    yield
    mcp.close_all()


def test_a_servers_tools_are_offered_under_its_name_and_ask_before_each_call(
    ctx: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    ctx.settings.set("mcp_servers", [notes_server(folder)])
    tools = tool_service.available(settings=ctx.settings)
    assert {"calculator", "notes.add_note", "notes.hang", "notes.crash"} <= set(tools)
    add = tools["notes.add_note"]
    assert add.effects and add.server == "notes"
    assert add.parameters["properties"]["text"]["maxLength"] == 24
    assert add.run({"text": "buy milk"}) == "Saved the note: buy milk"
    assert notes(folder) == ["buy milk"]
    assert starts(folder) == 1  # the one server answers every call


def test_a_server_that_hangs_or_dies_fails_that_call_with_a_message_and_starts_again(
    ctx: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    ctx.settings.set("mcp_servers", [notes_server(folder, timeout=1)])
    tools = tool_service.available(settings=ctx.settings)
    with pytest.raises(ToolFailed, match="the tool server 'notes' did not answer within 1 s"):
        tools["notes.hang"].run({})
    with pytest.raises(ToolFailed, match="the tool server 'notes' stopped during the call"):
        tools["notes.crash"].run({})
    assert tools["notes.add_note"].run({"text": "still here"}) == "Saved the note: still here"
    assert starts(folder) == 2  # started again after it died


def test_a_server_that_cannot_start_is_named_the_other_tools_stay_and_it_is_not_retried_at_once(
    ctx: Any, tmp_path: Path
) -> None:
    ctx.settings.set("mcp_servers", [
        {"name": "missing", "command": str(tmp_path / "no-such-program")},
        {"name": "fails", "command": sys.executable,
         "args": ["-c", "import sys; open(sys.argv[1], 'a').write('x');"
                        "sys.exit('cannot open the archive')", str(tmp_path / "tries")]},
    ])
    problems: list[str] = []
    tools = tool_service.available(settings=ctx.settings, problems=problems)
    assert "calculator" in tools and not any(t.server for t in tools.values())
    assert problems[0].startswith("the tool server 'missing' could not start")
    assert "No such file or directory" in problems[0]
    assert problems[1].startswith("the tool server 'fails' could not start")
    assert "cannot open the archive" in problems[1]
    again: list[str] = []
    tool_service.available(settings=ctx.settings, problems=again)
    assert again == problems  # said again at once: not started again so soon
    assert (tmp_path / "tries").read_text() == "x"


@pytest.mark.parametrize(("entry", "message"), [
    ({"command": "x"}, "name must be 1 to 32"),
    ({"name": "a.b", "command": "x"}, "name must be 1 to 32"),
    ({"name": "web", "command": "https://example.org/mcp"}, "only local programs"),
    ({"name": "n", "command": "x", "args": "--flag"}, "args must be a list of strings"),
    ({"name": "n", "command": "x", "effect": False}, "unknown field 'effect'"),
    ({"name": "n", "command": "x", "timeout": 0}, "timeout must be a number of seconds"),
])
def test_a_wrong_server_entry_is_refused_saying_what_is_wrong(
    entry: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        mcp.servers_from([entry])


def test_a_server_whose_tools_change_nothing_can_be_configured_to_run_them_without_asking(
) -> None:
    default, calm = mcp.servers_from([{"name": "a", "command": "x"},
                                      {"name": "b", "command": "x", "effects": False}])
    assert default.effects and not calm.effects


def test_the_cli_lists_a_servers_tools_and_warns_of_one_that_will_not_start(
    tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    from app.config import Settings, resolve_paths

    Settings.load(resolve_paths().settings_file).set(
        "mcp_servers", [notes_server(folder), {"name": "gone", "command": "/nonexistent/mcp"}])
    out = autoglm("tools", "list")
    assert out.returncode == 0, out.stderr
    assert "notes.add_note" in out.stdout and "(asks before each call)" in out.stdout
    assert "warning: the tool server 'gone' could not start" in out.stderr
    assert "Traceback" not in out.stderr
