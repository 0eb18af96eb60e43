"""Titling a conversation: the model's short title for its first exchange, or its first words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.engine.types import ChatMessage, SamplingParams
from app.services.context_budget import clip_to_tokens, head_messages

if TYPE_CHECKING:
    from app.engine.llama import LlamaEngine

TITLE_INSTRUCTION = (
    "Give this conversation a short title of at most six words. Write the title only."
)
TITLE_TOKENS = 16
TITLE_MAX_CHARS = 60
# A title prompt clips the first exchange to this many tokens each when the whole
# exchange (which the KV cache already holds) does not fit.
TITLE_CONTEXT_TOKENS = 128


def write_title(engine: LlamaEngine, system: str | None, question: str, answer: str) -> str:
    """The model's title for a conversation that began with ``question`` and ``answer``.

    The request continues the first exchange as the chat itself, so the KV cache
    already holds it; it is clipped only where the whole exchange does not fit.
    """
    def request(q: str, a: str) -> list[ChatMessage]:
        head = head_messages(system, None)
        if not a:
            return [*head, ChatMessage("user", f"{TITLE_INSTRUCTION}\n\n{q}")]
        return [*head, ChatMessage("user", q), ChatMessage("assistant", a),
                ChatMessage("user", TITLE_INSTRUCTION)]

    messages = request(question, answer)
    if engine.count_chat_tokens(messages) > engine.n_ctx - TITLE_TOKENS:
        messages = request(clip_to_tokens(engine, question, TITLE_CONTEXT_TOKENS),
                           clip_to_tokens(engine, answer, TITLE_CONTEXT_TOKENS))
    params = SamplingParams(temperature=0.0, max_tokens=TITLE_TOKENS, repeat_penalty=1.0)
    return clean_title(engine.stream_chat(messages, params).read_all())


# Labels small models put before the title: "Title:", "A:", "Answer:", markdown marks.
_TITLE_PREFIX = re.compile(
    r"^\s*(?:#+|\*+|-|(?:title|a|answer|assistant|标题)\s*[:：])\s*", re.IGNORECASE
)
_QUOTES = "\"'“”‘’「」『』《》*_`"
_TRAILING = ".。,，:：;；-–— "


def clean_title(raw: str) -> str:
    """The first non-empty line, without quotes, a "Title:" label or a trailing full stop."""
    line = next((s for s in raw.splitlines() if s.strip()), "")
    line = _TITLE_PREFIX.sub("", line).strip().strip(_QUOTES).strip()
    line = " ".join(line.split()).rstrip(_TRAILING)
    head = re.split(r"[:：]", line, maxsplit=1)[0].strip()
    if len(line) > TITLE_MAX_CHARS and len(head.split()) >= 2:
        line = head  # "Main title: a long subtitle" -> "Main title"
    return _shorten(line, TITLE_MAX_CHARS)


def fallback_title(text: str) -> str:
    """The first words of a message (the first characters of text written without spaces)."""
    words = text.split()
    if not words:
        return "Untitled"
    if len(words) == 1 and len(words[0]) > 24:
        return words[0][:16].rstrip(_TRAILING) + "…"
    return _shorten(" ".join(words[:6]).rstrip(_TRAILING), TITLE_MAX_CHARS) or "Untitled"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(_TRAILING) + "…"
