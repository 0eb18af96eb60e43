"""Cutting a page's text into passages on paragraph and sentence boundaries, to a token budget
with overlap, each keeping its character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Passage size in estimated tokens. A passage should answer a question on its own
# (a paragraph or two) yet leave room for several in a small model's window.
CHUNK_TOKENS = 200
OVERLAP_TOKENS = 40

_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? (then a space) or at Chinese 。！？； (then anything), closing
# quotes and brackets staying with the sentence they close.
_SENTENCE_END = re.compile(r"(?:[.!?]+[\"'”’)\]]*(?=\s)|[。！？；…]+[”’」』）)】]*)\s*")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: a CJK character is about one token, other text about
    four characters a token. The real count (the model's own tokenizer) is made when
    passages are packed into a prompt."""
    cjk = len(_CJK.findall(text))
    return (len(text) - cjk + 3) // 4 + cjk


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tokens: int
    paragraph_end: bool = False  # the last sentence of its paragraph


def sentences(text: str) -> Iterator[Span]:
    """The sentences of ``text``, trimmed, in order; each knows if it ends a paragraph."""
    para_start = 0
    for para in [*_PARAGRAPH.finditer(text), None]:
        para_end = para.start() if para else len(text)
        spans = []
        pos = para_start
        for m in _SENTENCE_END.finditer(text, para_start, para_end):
            spans.append((pos, m.end()))
            pos = m.end()
        spans.append((pos, para_end))
        trimmed = [t for t in (_trim(text, a, b) for a, b in spans) if t]
        for i, (a, b) in enumerate(trimmed):
            yield Span(a, b, estimate_tokens(text[a:b]), paragraph_end=i == len(trimmed) - 1)
        para_start = para.end() if para else len(text)


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _split_long(text: str, span: Span, budget: int) -> list[Span]:
    """A sentence longer than the budget, cut into pieces of about ``budget`` tokens
    (at a space where there is one near the cut)."""
    pieces = []
    a = span.start
    while a < span.end:
        b = a
        used = 0
        while b < span.end and used < budget:
            step = min(span.end, b + 64)
            used += estimate_tokens(text[b:step])
            b = step
        if b < span.end:
            space = text.rfind(" ", a + (b - a) // 2, b)
            b = space + 1 if space > a else b
        trimmed = _trim(text, a, b)
        if trimmed:
            pieces.append(Span(*trimmed, estimate_tokens(text[trimmed[0] : trimmed[1]])))
        a = b
    return pieces


def chunk_spans(
    text: str, budget: int = CHUNK_TOKENS, overlap: int = OVERLAP_TOKENS
) -> list[tuple[int, int]]:
    """(start, end) offsets of the passages of ``text``.

    Whole sentences are packed up to ``budget`` estimated tokens; a passage that has
    reached most of its budget ends at the end of a paragraph rather than run into the
    next one. Each passage after the first repeats the last sentences of the one
    before, up to ``overlap`` tokens, so a fact cut at a boundary is whole in one.
    """
    units: list[Span] = []
    for s in sentences(text):
        if s.tokens > budget:
            parts = _split_long(text, s, budget)
            units.extend(parts[:-1])
            if parts:
                last = parts[-1]
                units.append(Span(last.start, last.end, last.tokens, s.paragraph_end))
        else:
            units.append(s)
    out: list[tuple[int, int]] = []
    current: list[Span] = []
    used = 0
    fresh = False  # whether current holds a sentence not yet in an emitted passage
    for unit in units:
        if current and used + unit.tokens > budget:
            out.append((current[0].start, current[-1].end))
            current, used = _overlap(current, overlap, unit.tokens, budget)
            fresh = False
        current.append(unit)
        used += unit.tokens
        fresh = True
        if unit.paragraph_end and used >= budget * 0.6:
            out.append((current[0].start, current[-1].end))
            current, used, fresh = [], 0, False
    if current and fresh:
        out.append((current[0].start, current[-1].end))
    return out


def _overlap(previous: list[Span], overlap: int, incoming: int, budget: int) -> tuple[list[Span], int]:
    kept: list[Span] = []
    used = 0
    for s in reversed(previous[1:]):  # never the whole previous passage again
        if used + s.tokens > overlap or used + s.tokens + incoming > budget:
            break
        kept.insert(0, s)
        used += s.tokens
    return kept, used
