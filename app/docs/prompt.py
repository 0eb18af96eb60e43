"""The prompt that asks a model to answer from numbered passages, and reading its citations back."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.engine.types import ChatMessage

ANSWER_INSTRUCTION = (
    "Answer the question using only the numbered passages from the user's documents. "
    "After each claim, cite the passage it comes from as [1], [2]. If the passages do not "
    "contain the answer, say that the documents do not say, and do not guess."
)

_CITATION = re.compile(r"\[(\d{1,3})(?:\s*[,，、]\s*(\d{1,3}))*\]")
_NUMBER = re.compile(r"\d{1,3}")


@dataclass(frozen=True)
class Source:
    """What a prompt needs of a passage: its label ("report.pdf, page 3") and its text."""

    label: str
    text: str


def answer_messages(question: str, sources: Sequence[Source]) -> list[ChatMessage]:
    blocks = [f"[{i}] {s.label}\n{s.text.strip()}" for i, s in enumerate(sources, 1)]
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question.strip()}"
    return [ChatMessage("system", ANSWER_INSTRUCTION), ChatMessage("user", user)]


def pack(
    question: str,
    sources: Sequence[Source],
    count: Callable[[Sequence[ChatMessage]], int],
    limit: int,
) -> tuple[list[ChatMessage], int, int]:
    """As many of ``sources`` (best first) as fit in ``limit`` tokens with the question:
    (messages, how many sources went in, their token count). A passage that does not fit
    is left out whole, and a shorter one after it may still go in."""
    chosen: list[Source] = []
    messages = answer_messages(question, chosen)
    tokens = count(messages)
    for source in sources:
        trial = answer_messages(question, [*chosen, source])
        size = count(trial)
        if size <= limit:
            chosen.append(source)
            messages, tokens = trial, size
    return messages, len(chosen), tokens


def cited_numbers(text: str, available: int) -> list[int]:
    """The passage numbers an answer cites ([2], [1, 3]), in order of first citation."""
    out: dict[int, None] = {}
    for m in _CITATION.finditer(text):
        for n in _NUMBER.findall(m.group(0)):
            if 1 <= int(n) <= available:
                out[int(n)] = None
    return list(out)
