"""Tools in a conversation, on the real model: a forced call whose arguments the schema
holds, its result back to the model, an approval asked both ways, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import autoglm

from app.engine.llama import LlamaEngine
from app.engine.types import SamplingParams
from app.services import tools as tool_service
from app.tools.builtin import CALCULATOR, Tool, ToolFailed, calculate

GREEDY = SamplingParams(temperature=0.0, max_tokens=40)


def test_the_calculator_computes_arithmetic_and_nothing_else() -> None:
    assert calculate("17 * 23") == 391
    assert calculate("(2 + 3) ** 2 / 5") == 5
    assert calculate("sqrt(16) + 0.5") == 4.5
    for bad in ("__import__('os').system('id')", "open('x')", "2 ** 100000", "1 / 0", "x + 1"):
        with pytest.raises(ToolFailed):
            calculate(bad)


def test_a_required_call_has_arguments_the_schema_holds_and_its_result_goes_back(
    ctx: Any, engine: LlamaEngine
) -> None:
    seen: list[tool_service.ToolCall] = []
    result = tool_service.answer(ctx, engine, "What is 17 times 23?", [CALCULATOR], GREEDY,
                                 required=True, on_call=seen.append)
    assert seen and seen == result.calls
    first = result.calls[0]
    assert first.name == "calculator" and first.outcome == "ok"
    import re

    assert re.fullmatch(CALCULATOR.parameters["properties"]["expression"]["pattern"],
                        first.arguments["expression"])
    assert first.result == str(calculate(first.arguments["expression"]))
    assert result.text.strip()  # then it answers in words (what it says is the model's)
    from app.services.audit import AuditTrail

    records = AuditTrail(ctx).list(action="tool.call")
    assert records and records[0].object == "tool:calculator" and "17" not in json.dumps(records[0].details)


def test_a_tool_with_effects_runs_only_when_the_user_approves(
    ctx: Any, engine: LlamaEngine, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"

    def write(args: Any) -> str:
        note.write_text(str(args.get("text", "")))
        return "written"

    writer = Tool("write_note", "Write a short note to the user's note file.",
                  {"type": "object", "properties": {"text": {"type": "string", "pattern": "^[a-z ]{1,20}$"}},
                   "required": ["text"]}, write, effects=True)
    asked: list[str] = []

    def refuse(name: str, arguments: dict[str, Any]) -> bool:
        asked.append(name)
        return False

    refused = tool_service.answer(ctx, engine, "Write a note that says buy milk.", [writer], GREEDY,
                                  required=True, approve=refuse)
    assert asked[0] == "write_note" and refused.calls[0].outcome == "refused"
    assert not note.exists()
    allowed = tool_service.answer(ctx, engine, "Write a note that says buy milk.", [writer], GREEDY,
                                  required=True, approve=lambda name, arguments: True)
    assert allowed.calls[0].outcome == "ok" and note.read_text() == allowed.calls[0].arguments["text"]


def test_tools_from_the_cli_are_listed_called_and_saved_with_the_conversation() -> None:
    listed = autoglm("tools", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {t["name"] for t in json.loads(listed.stdout)} >= {"calculator", "current_time",
                                                               "search_conversations"}
    unknown = autoglm("ask", "--tool", "rocket", "hi")
    assert unknown.returncode == 86 and "no tool named 'rocket'" in unknown.stderr
    out = autoglm("ask", "--tool", "calculator", "--tool-choice", "required", "--temperature", "0",
                  "--max-tokens", "24", "--json", "What is 17 times 23?")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["tool_calls"][0]["name"] == "calculator"
    assert data["tool_calls"][0]["result"] == str(calculate(data["tool_calls"][0]["arguments"]["expression"]))
    shown = autoglm("history", "show", data["conversation_id"], "--json")
    assert shown.returncode == 0, shown.stderr
    assert "tool_calls" in shown.stdout
