"""The administrator's policy over tools: none at all, only those its globs name, none from
MCP servers; enforced by the tools service, so the CLI refuses the same way (and the API,
whose tools are the client's own functions, only where the policy turns function calling
off: tests/api/test_tools_policy_api.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_cli import autoglm

from app.security.policy import PolicyMalformed, ToolForbidden, parse_policy
from app.services import tools as tool_service
from app.tools import mcp
from tests.mcp_helpers import notes_server, starts
from tests.policy_helpers import write_policy


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    return tmp_path / "no-policy.json"  # the file AUTOGLM_POLICY_FILE names


@pytest.fixture(autouse=True)
def stop_servers() -> Iterator[None]:
    yield
    mcp.close_all()


def test_a_policy_that_forbids_tools_offers_none_and_names_itself_when_one_is_asked_for(
    policy_file: Path
) -> None:
    write_policy(policy_file, {"tools": {"enabled": False}})
    assert tool_service.available() == {}
    with pytest.raises(ToolForbidden) as refused:
        tool_service.choose(tool_service.available(), ["calculator"])
    assert str(refused.value) == (f"calculator: not allowed by the administrator's policy "
                                  f"({policy_file}): tools are forbidden")


def test_a_policy_that_lists_tools_allows_only_the_names_its_globs_match(
    policy_file: Path
) -> None:
    write_policy(policy_file, {"tools": {"allowed": ["calc*", "notes.*"]}})
    tools = tool_service.available()
    assert set(tools) == {"calculator"}
    assert tool_service.choose(tools, ["calculator"])[0].name == "calculator"
    with pytest.raises(ToolForbidden, match=r"current_time: .*only calc\*, notes\.\* may be called"):
        tool_service.choose(tools, ["current_time"])


def test_a_policy_that_forbids_mcp_servers_never_starts_one(
    ctx: Any, policy_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    ctx.settings.set("mcp_servers", [notes_server(folder)])
    write_policy(policy_file, {"tools": {"mcp_servers": False}})
    tools = tool_service.available(settings=ctx.settings)
    assert "calculator" in tools and not any(t.server for t in tools.values())
    with pytest.raises(ToolForbidden, match="tools from MCP servers are forbidden"):
        tool_service.choose(tools, ["notes.add_note"])
    assert starts(folder) == 0


@pytest.mark.parametrize(("tools", "message"), [
    ({"allow": ["calculator"]}, "tools.allow is not a tools field; did you mean 'allowed'?"),
    ({"enabled": "no"}, "tools.enabled must be true or false"),
    ({"allowed": "calculator"}, "tools.allowed must be a list of tool names or globs"),
    (["calculator"], "tools must be an object"),
])
def test_a_tools_policy_with_a_mistake_is_refused_saying_which(tools: Any, message: str) -> None:
    with pytest.raises(PolicyMalformed, match=message.replace("?", r"\?").replace(".", r"\.")):
        parse_policy({"tools": tools}, "policy.json")


def test_the_cli_refuses_a_tool_the_policy_forbids_and_lists_only_allowed_ones(
    policy_file: Path
) -> None:
    write_policy(policy_file, {"tools": {"allowed": ["current_time"]}})
    refused = autoglm("ask", "--tool", "calculator", "What is 2 + 2?")
    assert refused.returncode == 87
    assert refused.stderr.strip().endswith(f"calculator: not allowed by the administrator's "
                                           f"policy ({policy_file}): only current_time may be called")
    assert "Traceback" not in refused.stderr
    listed = autoglm("tools", "list", "--json")
    assert [t["name"] for t in json.loads(listed.stdout)] == ["current_time"]
    shown = json.loads(autoglm("policy", "show", "--json").stdout)
    assert shown["tools"]["allowed"] == ["current_time"]
