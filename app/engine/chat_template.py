"""Turning a list of messages into the prompt text the model was trained on,
using the Jinja chat template from the GGUF metadata (ChatML when absent).

Function calling: a template with a tools section (one that reads ``tools``) gets the
tools and the messages as OpenAI sends them, tool calls and tool results included.
Other templates get the documented fallback (``TOOLS_FALLBACK``): the tools listed in
the system message as one JSON object per line, with the instruction to answer a call
with only ``{"name": ..., "arguments": {...}}``; earlier calls are written back in that
form and tool results become user turns (``TOOL_RESULT``) that name the function.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from app.engine.types import ChatMessage
from app.errors import EngineError

log = logging.getLogger(__name__)

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


TOOLS_FALLBACK = (
    "You can call these functions, each described as JSON:\n{tools}\n"
    "To call a function, answer with only a JSON object "
    '{{"name": <the function\'s name>, "arguments": <an object of its parameters>}}'
    "{several}. Otherwise answer in plain words."
)
SEVERAL_CALLS = ", one object per line for several calls"
# Small models asked only to read a result tend to repeat their call; this wording
# makes them answer from it.
TOOL_RESULT = "{name} returned:\n{result}\nAnswer my question with this result, in plain words."

# A message as the template sees it: a ChatMessage, or a mapping in OpenAI's shape
# (role, content, tool_calls, tool_call_id, name) when tools are in play.
AnyMessage = ChatMessage | Mapping[str, Any]


class ChatTemplate:
    """A compiled chat template; ``source`` says where it came from."""

    def __init__(self, template: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        self.source = "gguf" if template else "chatml-fallback"
        self.text = template or CHATML
        self.bos_token = bos_token
        self.eos_token = eos_token
        self._compiled = _compile(self.text)

    @property
    def supports_tools(self) -> bool:
        """Whether the model's own template has a tools section."""
        return self.source == "gguf" and "tools" in self.text

    @property
    def tool_call_tags(self) -> tuple[str, str] | None:
        """The markers the template asks calls to be wrapped in, as Hermes-style
        templates do; None when calls are bare JSON."""
        if self.supports_tools and "<tool_call>" in self.text:
            return ("<tool_call>\n", "\n</tool_call>")
        return None

    def render(self, messages: Sequence[AnyMessage], *, add_generation_prompt: bool = True,
               tools: Sequence[Mapping[str, Any]] | None = None,
               parallel_tool_calls: bool = True) -> str:
        """The prompt text; ``tools`` in OpenAI's shape (``{"type": "function",
        "function": {...}}``) are offered to the model."""
        if self.supports_tools:
            extra: dict[str, Any] = {"tools": list(tools)} if tools else {}
            items = [_as_openai(m) for m in messages]
        else:
            extra = {}
            items = _fallback(messages, tools, parallel_tool_calls)
        try:
            return str(
                self._compiled.render(
                    messages=items,
                    add_generation_prompt=add_generation_prompt,
                    bos_token=self.bos_token,
                    eos_token=self.eos_token,
                    **extra,
                )
            )
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"the model's chat template failed: {exc}") from exc

    @property
    def stop_texts(self) -> tuple[str, ...]:
        """End-of-turn markers that must end a reply even if not flagged as EOG."""
        return ("<|im_end|>",) if "<|im_end|>" in self.text else ()


def _as_openai(m: AnyMessage) -> dict[str, Any]:
    """A message for a template with a tools section: call arguments as objects, which is
    what such templates expect (they write them out with ``tojson``)."""
    if isinstance(m, ChatMessage):
        return {"role": m.role, "content": m.content}
    out = {k: v for k, v in m.items() if v is not None}
    out.setdefault("content", "")
    if m.get("tool_calls"):
        out["tool_calls"] = [{**c, "function": {**c["function"],
                                                "arguments": _arguments(c["function"])}}
                             for c in m["tool_calls"]]
    return out


def _arguments(function: Mapping[str, Any]) -> Any:
    args = function.get("arguments")
    if isinstance(args, str):
        try:
            return json.loads(args)
        except ValueError:
            return args
    return args if args is not None else {}


def call_text(function: Mapping[str, Any]) -> str:
    """One call written as the fallback format asks the model to write it."""
    return json.dumps({"name": function.get("name", ""), "arguments": _arguments(function)},
                      ensure_ascii=False)


def _fallback(messages: Sequence[AnyMessage], tools: Sequence[Mapping[str, Any]] | None,
              parallel: bool) -> list[dict[str, str]]:
    """Plain role/content messages carrying the tools, calls and results as text."""
    out: list[dict[str, str]] = []
    names: dict[str, str] = {}  # tool call id -> function name, for the results
    for m in messages:
        if isinstance(m, ChatMessage):
            out.append({"role": m.role, "content": m.content})
            continue
        role, content = str(m.get("role", "user")), str(m.get("content") or "")
        calls = m.get("tool_calls") or []
        if calls:
            for c in calls:
                names[str(c.get("id", ""))] = str(c["function"].get("name", ""))
            lines = [call_text(c["function"]) for c in calls]
            content = "\n".join([content, *lines] if content else lines)
        if role == "tool":
            name = m.get("name") or names.get(str(m.get("tool_call_id", "")), "the function")
            role, content = "user", TOOL_RESULT.format(name=name, result=content)
        out.append({"role": role, "content": content})
    if tools:
        listed = "\n".join(json.dumps(t.get("function", t), ensure_ascii=False) for t in tools)
        text = TOOLS_FALLBACK.format(tools=listed, several=SEVERAL_CALLS if parallel else "")
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{text}"}
        else:
            out.insert(0, {"role": "system", "content": text})
    return out


def _raise(message: str) -> Any:
    raise EngineError(f"the model's chat template refused the conversation: {message}")


def _strftime_now(fmt: str) -> str:
    return _dt.datetime.now().strftime(fmt)


@lru_cache(maxsize=8)
def _compile(text: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    try:
        return env.from_string(text)
    except Exception as exc:
        log.warning("chat template does not compile (%s); using ChatML", exc)
        return env.from_string(CHATML)
