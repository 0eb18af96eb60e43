"""Titling a conversation: the model's short noun phrase for its first exchange, or the
first words of the user's message when the model's answer is not a title.

A title is made under a tight prompt: the model sees the request alone, its reply is
begun for it (``Title: "``) and ends at the closing quote or the line's end, so it
can only write the title; a subtitle after a colon is dropped. What it still gets
wrong ("Here's a summary…", "Sure", a sentence, more than ``TITLE_MAX_WORDS`` words) is
rejected by ``is_title`` and the user's own first words stay. A Chinese conversation gets a Chinese title:
from the model when its tokenizer knows Chinese, otherwise from the user's words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.engine.types import ChatMessage, SamplingParams
from app.services.context_budget import clip_to_tokens

if TYPE_CHECKING:
    from app.engine.llama import LlamaEngine

TITLE_INSTRUCTION = "Write a short title for this request."
TITLE_INSTRUCTION_ZH = "为下面的请求写一个简短的标题。"
# The reply is begun for the model, so it can only go on with the title itself.
TITLE_LEAD = 'Title: "'
TITLE_LEAD_ZH = "标题：“"
TITLE_TOKENS = 24
TITLE_MAX_CHARS = 60
TITLE_MAX_WORDS = 8
TITLE_MAX_HANZI = 16
# The request is clipped to this many tokens: its opening says what it is about.
TITLE_CONTEXT_TOKENS = 128

# Openings of answers about the conversation rather than titles of it.
META_OPENINGS = (
    "here", "sure", "certainly", "of course", "okay", "ok", "yes", "no", "i", "i'm", "i'd",
    "i'll", "let", "let's", "as", "this", "that", "it", "it's", "the title", "a title",
    "title", "a more", "a short", "a better", "a good", "a possible", "the conversation",
    "conversation", "the user", "you", "your", "thank", "thanks", "hello", "hi", "hey",
    "great", "absolutely", "in this", "below", "answer", "topic", "the topic", "the request",
    "request", "noun", "a noun",
)
# Words that make a phrase a remark about the chat: "…summary of the conversation".
META_WORDS = ("conversation", "title", "rewritten", "rewrite", "request", "noun phrase",
              "chapter", "assistant", "这段对话", "标题")
_META_OPENING = re.compile(
    r"^(?:" + "|".join(re.escape(m) for m in sorted(META_OPENINGS, key=len, reverse=True))
    + r")(?![\w'])", re.IGNORECASE,
)
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Courtesy before the request itself, in the user's first words.
_POLITE_EN = re.compile(
    r"^(?:(?:hi|hello|hey|dear \w+|good (?:morning|afternoon|evening))\b[\s,!.]*)?"
    r"(?:(?:please|kindly)\s+|(?:can|could|would|will) you(?: please)?\s+|i need you to\s+|"
    r"i'd like you to\s+|help me(?: to)?\s+)*",
    re.IGNORECASE,
)
_POLITE_ZH = re.compile(r"^(?:你好|您好|嗨)?[，,！!。\s]*(?:请你|请您|请|麻烦你|麻烦|能不能|可以|能否|帮我|帮忙|给我)*")
_CLAUSE_END_ZH = re.compile(r"[，。！？；：,.!?;:\n]")


def is_chinese(text: str) -> bool:
    """Whether ``text`` is mostly written in Chinese (汉字 are at least a third of its letters)."""
    letters = [c for c in text if c.isalnum()]
    return bool(letters) and sum(1 for c in letters if _HANZI.match(c)) * 3 >= len(letters)


def writes_chinese(engine: LlamaEngine) -> bool:
    """Whether the model's tokenizer knows Chinese: a model trained on it spends about one
    token on each 汉字 of common text, an English-only one three or more (byte pieces)."""
    sample = "季度报告的主要风险和下一步的行动建议"
    return len(engine.tokenize(sample, parse_special=False)) <= len(sample)


def write_title(engine: LlamaEngine, system: str | None, question: str, answer: str) -> str:
    """The model's title for a conversation that began with ``question`` (and ``answer``),
    or "" when what it wrote is not a title (the caller then keeps the user's first words).

    The model is shown the request alone, not the whole exchange: asked about a
    conversation, small models describe the conversation ("Your first request") instead
    of naming its topic. ``system`` is not sent: it shapes replies, not titles. The
    answer helps only when the request is too short to say much ("help?").
    """
    chinese = is_chinese(question)
    if chinese and not writes_chinese(engine):
        return ""
    request = clip_to_tokens(engine, " ".join(question.split()), TITLE_CONTEXT_TOKENS)
    if len(request.split()) < 3 and not chinese and answer:
        request += "\n\n" + clip_to_tokens(engine, answer, TITLE_CONTEXT_TOKENS)
    if chinese:
        prompt, lead, close = f"{TITLE_INSTRUCTION_ZH}\n\n请求：{request}", TITLE_LEAD_ZH, "”"
    else:
        prompt, lead, close = f"{TITLE_INSTRUCTION}\n\nRequest: {request}", TITLE_LEAD, '"'
    tokens = engine.chat_tokens([ChatMessage("user", prompt)])
    tokens += engine.tokenize(lead, parse_special=False)
    # Greedy and unpenalised: a title repeats the request's words, and should.
    params = SamplingParams(temperature=0.0, max_tokens=TITLE_TOKENS, repeat_penalty=1.0)
    stops = (*engine.chat_template.stop_texts, close, "\n")
    title = clean_title(engine.stream_tokens(tokens, params, extra_stops=stops).read_all())
    return title if is_title(title, question) else ""


def title_for(engine: LlamaEngine | None, system: str | None, question: str, answer: str) -> str:
    """The title a conversation gets: the model's when it is one, else the user's first words."""
    title = write_title(engine, system, question, answer) if engine is not None else ""
    return title or fallback_title(question)


def is_title(title: str, question: str = "") -> bool:
    """Whether ``title`` reads as a title: short, no remark about the chat, no sentence,
    and in Chinese when the question is."""
    if not title or title.endswith("…"):
        return False
    if is_chinese(question):
        hanzi = len(_HANZI.findall(title))
        return 2 <= hanzi <= TITLE_MAX_HANZI and not any(w in title for w in META_WORDS)
    words = title.split()
    lowered = title.lower()
    if not 1 <= len(words) <= TITLE_MAX_WORDS or _META_OPENING.match(title):
        return False
    if any(w in lowered for w in META_WORDS) or re.search(r"[.!?:;,]", title):
        return False
    # A title the model copied from the question's first words says nothing more: fine.
    return bool(re.search(r"[^\W\d_]{2}", title))


# Labels small models put before the title: "Title:", "A:", "Answer:", markdown marks.
_TITLE_PREFIX = re.compile(
    r"^\s*(?:#+|\*+|-|(?:title|a|answer|assistant|标题)\s*[:：])\s*", re.IGNORECASE
)
_QUOTES = "\"'“”‘’「」『』《》*_`"
_TRAILING = ".。,，:：;；-–—!！?？ "


def clean_title(raw: str) -> str:
    """The first non-empty line, without quotes, a "Title:" label, a subtitle after a colon
    or a trailing full stop."""
    line = next((s for s in raw.splitlines() if s.strip()), "")
    line = _TITLE_PREFIX.sub("", line).strip().strip(_QUOTES).strip()
    line = " ".join(line.split()).rstrip(_TRAILING)
    head = re.split(r"[:：]", line, maxsplit=1)[0].strip()
    if head != line and len(head.split()) >= 2:
        line = head  # "Main title: a subtitle" -> "Main title"
    return _shorten(line, TITLE_MAX_CHARS)


def fallback_title(text: str) -> str:
    """The first words of a message, courtesy left out ("Could you please…", "请帮我…"):
    six words, or the first clause up to 16 汉字 of Chinese."""
    text = " ".join(text.split())
    if not text:
        return "Untitled"
    if is_chinese(text):
        body = _POLITE_ZH.sub("", text) or text
        clause = _CLAUSE_END_ZH.split(body, maxsplit=1)[0].strip() or body
        if len(clause) > TITLE_MAX_HANZI:
            clause = clause[: TITLE_MAX_HANZI - 1].rstrip(_TRAILING) + "…"
        return clause.rstrip(_TRAILING) or "Untitled"
    body = _POLITE_EN.sub("", text) or text
    words = body.split()
    if len(words) == 1 and len(words[0]) > 24:
        return words[0][:16].rstrip(_TRAILING) + "…"
    title = _shorten(" ".join(words[:6]).rstrip(_TRAILING), TITLE_MAX_CHARS)
    return (title[:1].upper() + title[1:]) if title else "Untitled"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(_TRAILING) + "…"
