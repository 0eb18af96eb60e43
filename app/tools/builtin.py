"""Built-in tools that stay on the machine: a calculator and the current date and time.
(Searching the user's conversations needs the store: app.services.tools adds it.)

A tool is a function the model may call: a name, a description, the JSON schema of its
arguments, whether it has effects (then the user approves each call first), and the
code that runs it and returns text for the model.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ToolFailed(Exception):
    """A call the tool could not carry out; the message goes back to the model."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]
    run: Callable[[Mapping[str, Any]], str] = field(repr=False)
    effects: bool = False  # changes something outside the conversation: asks the user first
    server: str | None = None  # the MCP server it comes from; None: built into the app

    def as_openai(self) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": dict(self.parameters)}}


_OPS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos,
}
_FUNCS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt, "log": math.log, "log10": math.log10, "exp": math.exp,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "abs": abs, "round": round,
}
_NAMES = {"pi": math.pi, "e": math.e}


def calculate(expression: str) -> float | int:
    """The value of an arithmetic expression: numbers, + - * / // % **, parentheses and a
    few functions (sqrt, log, exp, sin, cos, tan, abs, round); nothing else is evaluated."""

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name) and node.id in _NAMES:
            return _NAMES[node.id]
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 1000:
                raise ToolFailed("the exponent is too large")
            return _OPS[type(node.op)](left, right)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in _FUNCS and not node.keywords):
            return _FUNCS[node.func.id](*(ev(a) for a in node.args))
        raise ToolFailed(f"not arithmetic: {ast.unparse(node)[:60]}")

    text = expression.strip().replace("×", "*").replace("÷", "/").replace("^", "**")
    if len(text) > 500:
        raise ToolFailed("the expression is too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ToolFailed(f"not an arithmetic expression: {expression[:60]!r}") from None
    try:
        value = ev(tree)
    except ZeroDivisionError:
        raise ToolFailed("division by zero") from None
    except (OverflowError, ValueError, TypeError) as exc:
        raise ToolFailed(f"cannot compute it: {exc}") from None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _calculator(args: Mapping[str, Any]) -> str:
    return str(calculate(str(args.get("expression", ""))))


def _now(args: Mapping[str, Any]) -> str:
    now = datetime.now().astimezone()
    return now.strftime("%A %d %B %Y, %H:%M:%S (UTC%z)")


CALCULATOR = Tool(
    "calculator",
    "Compute an arithmetic expression exactly, e.g. 17 * 23 or sqrt(2) / 3.",
    # The pattern holds the model to arithmetic: the grammar made from it admits nothing else.
    {"type": "object", "properties": {"expression": {
        "type": "string", "pattern": "^[0-9(][0-9.+*/%() -]{0,60}$"}},
     "required": ["expression"]},
    _calculator,
)
CURRENT_TIME = Tool(
    "current_time",
    "The current date, weekday and time on this computer.",
    {"type": "object", "properties": {}},
    _now,
)
BUILTIN = (CALCULATOR, CURRENT_TIME)
