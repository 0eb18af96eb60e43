"""Answers from a collection: the question retrieves passages, as many as the context allows
go into the prompt, and the model answers citing them as [1], [2]."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from app.engine.types import ChatMessage, ReplyStats, SamplingParams
from app.errors import Cancelled, DocumentError
from app.services.documents import Documents, Passage

if TYPE_CHECKING:
    from app.engine.batch import BatchEngine
    from app.engine.llama import Generation
    from app.services.context_budget import TokenCounter
    from app.services.models import LoadedModel

NOTHING_FOUND = (
    "I found nothing about this in the collection “{name}”, so I cannot answer from it. "
    "Try other words, or add the documents that cover it."
)


@dataclass
class DocAnswer:
    """An answer from a collection. Iterate it for the text as it streams; then ``sources``
    holds the passages the text rests on, and ``passages`` all those the model was given."""

    question: str
    collection: str
    passages: tuple[Passage, ...]
    prompt_tokens: int = 0
    stats: ReplyStats = field(default_factory=ReplyStats)
    _generation: Generation | None = None
    _parts: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.passages)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def sources(self) -> tuple[tuple[Passage, str], ...]:
        """The passages the answer rests on, in order of first use, each with how we know:
        "cited" (the answer says [n]) or "matched" (a sentence restates it uncited)."""
        from app.docs.prompt import sources_of

        found = sources_of(self.text, [p.text for p in self.passages])
        return tuple((self.passages[n - 1], how) for n, how in found)

    def __iter__(self) -> Iterator[str]:
        if self._generation is None:
            if not self._parts:
                self._parts.append(NOTHING_FOUND.format(name=self.collection))
                yield self._parts[0]
            return
        for piece in self._generation:
            self._parts.append(piece)
            yield piece
        self.stats = self._generation.stats
        if self.stats.finish_reason == "cancelled":
            raise Cancelled()

    def read_all(self) -> str:
        for _ in self:
            pass
        return self.text

    def close(self) -> None:
        """Stop here (or never start) and free the model."""
        if self._generation is not None:
            self._generation.close()


def prepare(docs: Documents, counter: TokenCounter, collection: str | Sequence[str],
            question: str, max_tokens: int) -> tuple[list[ChatMessage], tuple[Passage, ...], int]:
    """The prompt for an answer from a collection: (messages, the passages they hold, their
    token count), as many passages as fit beside the question with ``max_tokens`` left for
    the reply (counted with the model's own tokenizer). No passages (and no messages) when
    nothing relevant is found."""
    from app.docs.prompt import Source, pack
    from app.services.context_budget import ContextBudget

    found = docs.relevant(collection, question)
    if not found:
        return [], (), 0
    budget = ContextBudget(counter, max_tokens)
    messages, chosen, tokens = pack(
        question, [Source(p.source, p.text) for p in found], budget.count, budget.limit
    )
    if not chosen:
        raise DocumentError(
            "Not even one passage fits in the model's context window beside the question: "
            "load the model with a longer context or lower the maximum reply length."
        )
    # Numbered as the prompt numbers them (a long passage may have been left out).
    return messages, tuple(replace(found[i], number=n) for n, i in enumerate(chosen, 1)), tokens


def answer(docs: Documents, model: LoadedModel, collection: str | Sequence[str], question: str,
           params: SamplingParams, cancel: threading.Event | None = None) -> DocAnswer:
    """Retrieve, pack as many passages as the context allows, and stream an answer citing
    them as [n]. When nothing relevant is found, the answer says so and the model is not
    asked."""
    label = collection if isinstance(collection, str) else ", ".join(collection)
    engine = model.engine
    messages, given, tokens = prepare(docs, engine, collection, question, params.max_tokens)
    if not given:
        return DocAnswer(question, label, ())
    generation = engine.stream_chat(messages, params, cancel)
    return DocAnswer(question, label, given, tokens, _generation=generation)


class SlotCounter:
    """The token counts of one slot of a batch engine (the API server's), as the context
    budget asks for them."""

    def __init__(self, engine: BatchEngine) -> None:
        self.engine = engine
        self.n_ctx = engine.n_ctx_slot

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(self.engine.vocab.chat_tokens(messages))

    def tokenize(self, text: str, *, add_special: bool = False,
                 parse_special: bool = True) -> list[int]:
        return list(self.engine.vocab.tokenize(text, add_special=add_special,
                                               parse_special=parse_special))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return str(self.engine.vocab.detokenize(tokens))


def save(docs: Documents, answer: DocAnswer, *, model: str | None = None,
         params: SamplingParams | None = None) -> str:
    """Keep a question and its answer as a conversation (the answer followed by its sources,
    the collection in the conversation's settings); returns the conversation's id."""
    sources = answer.sources or tuple((p, "") for p in answer.passages)
    text = answer.text.rstrip()
    if sources:
        lines = [f"- [{p.number}] {p.source}" for p, _ in sources]
        text += "\n\nSources:\n" + "\n".join(lines)
    title = " ".join(answer.question.split())
    with docs.store.repo() as repo:
        conv = repo.create_conversation(
            title if len(title) <= 60 else title[:59] + "…", model=model,
            settings={"documents": answer.collection},
        )
        asked = repo.add_message(conv.id, "user", answer.question)
        repo.add_message(conv.id, "assistant", text, parent_id=asked.id, model=model,
                         token_count=answer.stats.generated_tokens or None,
                         sampling=params.as_dict() if params else None,
                         stats=answer.stats.as_dict())
    return conv.id
