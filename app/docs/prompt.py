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
) -> tuple[list[ChatMessage], list[int], int]:
    """As many of ``sources`` (best first) as fit in ``limit`` tokens with the question:
    (messages, the indices of the sources that went in, the messages' token count). A
    passage that does not fit is left out whole, and a shorter one after it may still go in."""
    chosen: list[int] = []
    messages = answer_messages(question, [])
    tokens = count(messages)
    for i, source in enumerate(sources):
        trial = answer_messages(question, [*(sources[j] for j in chosen), source])
        size = count(trial)
        if size <= limit:
            chosen.append(i)
            messages, tokens = trial, size
    return messages, chosen, tokens


def cited_numbers(text: str, available: int) -> list[int]:
    """The passage numbers an answer cites ([2], [1, 3]), in order of first citation."""
    out: dict[int, None] = {}
    for m in _CITATION.finditer(text):
        for n in _NUMBER.findall(m.group(0)):
            if 1 <= int(n) <= available:
                out[int(n)] = None
    return list(out)


_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
# An uncited sentence is taken to restate a passage when at least this share of its
# words is in it (and it has at least MIN_WORDS words worth comparing).
RESTATES_SHARE = 0.6
MIN_WORDS = 3


def sources_of(text: str, passages: Sequence[str]) -> list[tuple[int, str]]:
    """The passages an answer rests on, in order of first use, each as (number, how):
    "cited" where the answer cites it as [n], "matched" where a sentence without a
    citation restates it (small models often leave citations out; this finds them)."""
    from app.docs.query import matched_share, question_terms

    out: dict[int, str] = {}
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        numbers = cited_numbers(sentence, len(passages))
        for n in numbers:
            out.setdefault(n, "cited")
        if numbers:
            continue
        terms = question_terms(sentence)
        if len(terms) < MIN_WORDS:
            continue
        shares = [matched_share(terms, p) for p in passages]
        best = max(range(len(passages)), key=lambda i: shares[i], default=None)
        if best is not None and shares[best] >= RESTATES_SHARE:
            out.setdefault(best + 1, "matched")
    return list(out.items())
