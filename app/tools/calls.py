"""Function calls in a model's reply: the grammar that holds a reply to calls of the
offered functions, and the reader that takes the calls back out of the text, whole
or as it streams.

A call is written as the fallback chat format asks (``app.engine.chat_template``):
``{"name": "<function>", "arguments": {...}}``, several on separate lines, each
optionally wrapped in the tags a model's own template asks for (``<tool_call>``). The
arguments come from a grammar made of the function's JSON schema, so they parse and
match the schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class ToolsError(ValueError):
    """Tools or a tool_choice that cannot be served; the message says why."""


@dataclass(frozen=True)
class Function:
    name: str
    parameters: Mapping[str, Any]
    description: str = ""


def functions_of(tools: Sequence[Mapping[str, Any]]) -> list[Function]:
    """The functions of OpenAI-shaped ``tools`` (``{"type": "function", "function": {...}}``)."""
    out: list[Function] = []
    for i, tool in enumerate(tools):
        if tool.get("type", "function") != "function" or not isinstance(tool.get("function"),
                                                                         Mapping):
            raise ToolsError(f"tools[{i}] must be {{\"type\": \"function\", \"function\": {{...}}}}")
        fn = tool["function"]
        name = fn.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            raise ToolsError(f"tools[{i}].function.name must be 1 to 64 letters, digits, "
                             "'_', '.' or '-'")
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(params, Mapping) or params.get("type", "object") != "object":
            raise ToolsError(f"tools[{i}].function.parameters must be a JSON schema of an object")
        if any(f.name == name for f in out):
            raise ToolsError(f"two tools are named {name!r}")
        out.append(Function(name, params, str(fn.get("description") or "")))
    return out


def call_grammar(functions: Sequence[Function], *, parallel: bool, optional: bool,
                 tags: tuple[str, str] | None = None) -> str:
    """GBNF for a reply that is one call (or, with ``parallel``, one or more calls) of
    ``functions``; with ``optional``, a reply that is either that or plain text not
    beginning with ``{`` (the model decides with its first character)."""
    from app.tools.grammar import schema_to_gbnf

    if not functions:
        raise ToolsError("no function to call")
    schemas = [{"type": "object",
                "properties": {"name": {"const": f.name}, "arguments": dict(f.parameters)},
                "required": ["name", "arguments"]} for f in functions]
    schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    try:
        rules = schema_to_gbnf(schema)
    except ValueError as exc:
        raise ToolsError(f"a function's parameters cannot be enforced: {exc}") from None
    # The converter names its top rule "root"; ours wraps it.
    rules = re.sub(r"^root ::=", "x-tool-call ::=", rules, count=1, flags=re.MULTILINE)
    one = "x-tool-call"
    if tags is not None:
        one = f"{json.dumps(tags[0])} x-tool-call {json.dumps(tags[1])}"
    calls = f"{one} (\"\\n\" {one})*" if parallel else one
    head = ["root ::= [ \\t\\n]* x-tool-calls" + (" | [ \\t\\n]* x-text" if optional else ""),
            f"x-tool-calls ::= {calls}"]
    if optional:
        first = "[^{< \\t\\n]" if tags is not None else "[^{ \\t\\n]"
        head += [f"x-text ::= {first} x-any*", "x-any ::= [^\\x00]"]
    return "\n".join(head) + "\n" + rules


_HEAD = re.compile(r'\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"arguments"\s*:\s*')


@dataclass
class ToolCallDelta:
    """A piece of a call as it streams: its start (``name`` set) or more of its arguments."""

    index: int
    name: str | None = None
    arguments: str = ""


@dataclass
class CallReader:
    """Reads calls out of a reply fed piece by piece; each ``feed`` returns what it
    completed: a call's name as soon as it is known, then its arguments as they come."""

    tags: tuple[str, str] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)  # (name, arguments text)
    _buf: str = ""
    _state: str = "between"  # between | arguments | closing
    _depth: int = 0
    _in_string: bool = False
    _escape: bool = False

    def feed(self, text: str) -> list[ToolCallDelta]:
        self._buf += text
        out: list[ToolCallDelta] = []
        while self._buf:
            if self._state == "between":
                if not self._start(out):
                    break
            elif self._state == "arguments":
                self._arguments(out)
            else:  # closing: the brace that ends the call object
                rest = self._buf.lstrip()
                if not rest:
                    self._buf = ""
                    break
                self._buf = rest[1:] if rest[0] == "}" else rest
                self._state = "between"
        return out

    @property
    def complete(self) -> bool:
        """Whether every call begun was finished (the reply was not cut short)."""
        return self._state == "between" and bool(self.calls)

    def _start(self, out: list[ToolCallDelta]) -> bool:
        buf = self._buf.lstrip()
        stripped = True
        while self.tags is not None and stripped and buf:
            stripped = False
            for tag in (t.strip() for t in self.tags):
                if buf.startswith(tag):
                    buf, stripped = buf[len(tag):].lstrip(), True
                elif tag.startswith(buf):
                    self._buf = buf
                    return False  # a tag may be arriving
        self._buf = buf
        m = _HEAD.match(buf)
        if m is None:
            return False  # not enough text yet
        name = json.loads(f'"{m.group(1)}"')
        self.calls.append((name, ""))
        out.append(ToolCallDelta(len(self.calls) - 1, name=name))
        self._buf = buf[m.end():]
        self._state, self._depth, self._in_string, self._escape = "arguments", 0, False, False
        return True

    def _arguments(self, out: list[ToolCallDelta]) -> None:
        buf = self._buf if self.calls[-1][1] else self._buf.lstrip()
        end = len(buf)
        for i, ch in enumerate(buf):
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
            elif ch == '"':
                self._in_string = True
            elif ch in "{[":
                self._depth += 1
            elif ch in "}]":
                self._depth -= 1
                if self._depth == 0:
                    end = i + 1
                    self._state = "closing"
                    break
        piece, self._buf = buf[:end], buf[end:]
        if piece:
            name, args = self.calls[-1]
            self.calls[-1] = (name, args + piece)
            out.append(ToolCallDelta(len(self.calls) - 1, arguments=piece))


def read_calls(text: str, tags: tuple[str, str] | None = None) -> CallReader:
    """The calls in a whole reply."""
    reader = CallReader(tags)
    reader.feed(text)
    return reader


def starts_a_call(text: str, tags: tuple[str, str] | None = None) -> bool | None:
    """Whether a reply beginning with ``text`` is a call (True), plain text (False), or
    cannot tell yet (None: only white space so far, or part of a tag)."""
    head = text.lstrip()
    if not head:
        return None
    if head[0] == "{":
        return True
    if tags is not None:
        tag = tags[0].strip()
        if head.startswith(tag):
            return True
        if tag.startswith(head):
            return None
    return False
