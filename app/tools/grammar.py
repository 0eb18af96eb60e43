"""JSON schemas as llama.cpp grammars (GBNF), for structured replies and tool-call
arguments: llama-cpp-python's converter, plus the integer bounds it leaves out
(``minimum``, ``maximum`` and their exclusive forms), so that what the grammar lets
the model write is what the schema accepts."""

from __future__ import annotations

import copy
import json
from typing import Any

MAX_DIGITS = 15  # as many as the converter allows an unbounded integer


def schema_to_gbnf(schema: dict[str, Any]) -> str:
    """The GBNF grammar of the JSON values ``schema`` accepts; raises ValueError for a
    schema that cannot be enforced."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    ranges: list[str] = []
    marked = _mark_integer_bounds(copy.deepcopy(schema), ranges)
    try:
        text = str(json_schema_to_gbnf(json.dumps(marked)))
    except Exception as exc:  # the converter raises plain exceptions for what it cannot do
        raise ValueError(str(exc)) from None
    extra = []
    for i, rule in enumerate(ranges):
        literal = json.dumps(json.dumps(_marker(i)))  # how the converter writes the const
        if literal not in text:
            raise ValueError("an integer's bounds could not be placed in the grammar")
        text = text.replace(literal, f"x-int-{i}")
        extra.append(f"x-int-{i} ::= {rule}")
    return "\n".join([text.rstrip("\n"), *extra]) + "\n"


def _marker(i: int) -> str:
    return f"@@x-int-{i}@@"


def _mark_integer_bounds(node: Any, ranges: list[str]) -> Any:
    """``node`` with each bounded integer schema replaced by a marker constant whose
    grammar rule is appended to ``ranges``."""
    if isinstance(node, list):
        return [_mark_integer_bounds(n, ranges) for n in node]
    if not isinstance(node, dict):
        return node
    bounds = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    if node.get("type") == "integer" and any(k in node for k in bounds):
        lo, hi = _bounds(node)
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"no integer lies between {lo} and {hi}")
        ranges.append(integer_range(lo, hi))
        return {"const": _marker(len(ranges) - 1)}
    return {k: (v if k in ("const", "enum", "default", "examples")
                else _mark_integer_bounds(v, ranges)) for k, v in node.items()}


def _bounds(node: dict[str, Any]) -> tuple[int | None, int | None]:
    import math

    lo: int | None = None
    hi: int | None = None
    if isinstance(node.get("minimum"), int | float):
        lo = math.ceil(node["minimum"])
    if isinstance(node.get("exclusiveMinimum"), int | float):
        v = math.floor(node["exclusiveMinimum"]) + 1
        lo = v if lo is None else max(lo, v)
    if isinstance(node.get("maximum"), int | float):
        hi = math.floor(node["maximum"])
    if isinstance(node.get("exclusiveMaximum"), int | float):
        v = math.ceil(node["exclusiveMaximum"]) - 1
        hi = v if hi is None else min(hi, v)
    return lo, hi


def integer_range(lo: int | None, hi: int | None) -> str:
    """A GBNF expression for the integers from ``lo`` to ``hi`` (None: unbounded), written
    as JSON writes them (no leading zeros, no "-0")."""
    parts: list[str] = []
    if lo is None or lo < 0:  # the negative ones, as "-" and a positive range
        top = None if lo is None else -lo
        bottom = 1 if hi is None or hi >= 0 else -hi
        if top is None or bottom <= top:
            parts.append(f'"-" ({_natural(bottom, top)})')
    if hi is None or hi >= 0:
        parts.append(_natural(max(lo or 0, 0), hi))
    return "(" + " | ".join(parts) + ")"


def _natural(lo: int, hi: int | None) -> str:
    """Non-negative integers lo..hi (hi None: any number of digits up to MAX_DIGITS)."""
    alts: list[str] = []
    cap = 10 ** MAX_DIGITS - 1
    top = cap if hi is None else min(hi, cap)
    width = len(str(lo))
    while lo <= top:
        end = min(top, 10 ** width - 1)  # the rest of this number of digits
        alts.extend(_same_width(str(lo), str(end)))
        lo, width = end + 1, width + 1
    return " | ".join(alts) if alts else '"0"'


def _same_width(lo: str, hi: str) -> list[str]:
    """Alternatives matching the numbers lo..hi, both of the same number of digits."""
    if not lo:
        return [""]
    if lo == hi:
        return [json.dumps(lo)]
    if lo[0] == hi[0]:
        return [f"{json.dumps(lo[0])} ({' | '.join(_same_width(lo[1:], hi[1:]))})"]
    rest = len(lo) - 1
    out: list[str] = []
    a, b = int(lo[0]), int(hi[0])
    if lo[1:] != "0" * rest:
        out.append(f"{json.dumps(lo[0])} ({' | '.join(_same_width(lo[1:], '9' * rest))})"
                   if rest else json.dumps(lo[0]))
        a += 1
    tail_full = hi[1:] == "9" * rest
    if not tail_full:
        b -= 1
    if a <= b:
        out.append(f"[{a}-{b}]" + " [0-9]" * rest)
    if not tail_full:
        out.append(f"{json.dumps(hi[0])} ({' | '.join(_same_width('0' * rest, hi[1:]))})")
    return out
