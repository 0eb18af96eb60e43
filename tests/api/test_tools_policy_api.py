"""The administrator's tools policy on the API: a client's functions are its own, run by
the client, so a policy that forbids the app's tools still lets the API serve function
calling; a policy that turns function calling off is answered 403 naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from api_helpers import Served

from tests.policy_helpers import write_policy

GET_TIME = {"type": "function", "function": {"name": "current_time", "description": "The time now.",
                                             "parameters": {"type": "object", "properties": {}}}}
ASK = [{"role": "user", "content": "What time is it?"}]


@pytest.fixture
def policy_file(served: Served) -> Iterator[Path]:
    path = served.data_dir / "no-policy.json"  # the file AUTOGLM_POLICY_FILE names
    yield path
    path.unlink(missing_ok=True)


def test_a_policy_forbidding_the_apps_tools_still_lets_a_client_call_its_own_functions(
    client: openai.OpenAI, policy_file: Path
) -> None:
    write_policy(policy_file, {"tools": {"enabled": False, "mcp_servers": False}})
    reply = client.chat.completions.create(
        model="any", messages=ASK, tools=[GET_TIME], max_tokens=16, temperature=0,
        tool_choice={"type": "function", "function": {"name": "current_time"}})
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "current_time" and json.loads(call.function.arguments) == {}


def test_a_policy_turning_function_calling_off_is_answered_403_naming_it(
    client: openai.OpenAI, policy_file: Path
) -> None:
    write_policy(policy_file, {"tools": {"api_function_calling": False}})
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model="any", messages=ASK, tools=[GET_TIME], max_tokens=8)
    assert "function calling is not allowed by the administrator's policy" in str(refused.value)
    plain = client.chat.completions.create(model="any", messages=ASK, max_tokens=4)
    assert plain.choices[0].message.content is not None  # answers without tools go on
