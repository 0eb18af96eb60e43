"""Answers from a collection: the question retrieves passages, as many as the context allows
go into the prompt, and the model answers citing them as [1], [2]."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from app.engine.types import ChatMessage, ReplyStats, SamplingParams
from app.errors import Cancelled, DocumentError
from app.services.passages import Passage

if TYPE_CHECKING:
    from app.engine.batch import BatchEngine
    from app.engine.llama import Generation
    from app.services.context_budget import TokenCounter
    from app.services.documents import Documents
    from app.services.models import LoadedModel

# Said before an answer in long-context mode when the documents do not fit the window.
WHOLE_DOES_NOT_FIT = (
    "The documents of “{name}” ({tokens} tokens with the question) do not fit the model's "
    "window ({limit} tokens for the prompt), so they were not read whole: this answer is "
    "from the passages most relevant to the question."
)

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
    # "whole": the documents were given whole (long-context mode); "passages": retrieved ones.
    mode: str = "passages"
    note: str | None = None  # why whole documents were asked for but passages given
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


def document_texts(docs: Documents, collection: str | Sequence[str]) -> list[Passage]:
    """Each readable document of the collections as one passage holding its whole text (put
    back together from its passages, their overlaps taken out), in path order."""
    from sqlalchemy import select

    from app.docs.index import documents_of
    from app.store.schema import Chunk

    names = [collection] if isinstance(collection, str) else list(collection)
    out: list[Passage] = []
    with docs.store.session(write=False) as s:
        ids = [docs._collection(s, n).id for n in names]
        for doc in documents_of(s, ids):
            rows = s.execute(
                select(Chunk.page, Chunk.section, Chunk.char_start, Chunk.char_end, Chunk.text)
                .where(Chunk.document_id == doc.id).order_by(Chunk.ordinal)
            ).all()
            if not rows:
                continue
            parts: list[str] = []
            place, covered = None, 0
            for page, section, start, end, text in rows:
                if (page, section) != place:  # a new page or sheet: its text starts afresh
                    if place is not None:
                        parts.append("\n\n")
                    place, covered = (page, section), start
                elif start > covered:
                    parts.append("\n")
                parts.append(text[max(0, covered - start):])
                covered = max(covered, end)
            whole = "".join(parts)
            out.append(Passage(len(out) + 1, doc.id, doc.path, None, None, None, 0, len(whole),
                               whole, 0.0))
    return out


def prepare_whole(docs: Documents, counter: TokenCounter, collection: str | Sequence[str],
                  question: str, max_tokens: int
                  ) -> tuple[list[ChatMessage], tuple[Passage, ...], int, str | None]:
    """Long-context mode: the prompt that gives every document of the collections whole,
    when together they fit the window beside the question with ``max_tokens`` left for the
    reply (counted with the model's own tokenizer). Otherwise the passages ``prepare``
    chooses, and a note saying why the documents were not given whole."""
    from app.docs.prompt import Source, answer_messages
    from app.services.context_budget import ContextBudget

    label = collection if isinstance(collection, str) else ", ".join(collection)
    whole = document_texts(docs, collection)
    budget = ContextBudget(counter, max_tokens)
    messages = answer_messages(question, [Source(p.source, p.text) for p in whole])
    tokens = budget.count(messages)
    if whole and tokens <= budget.limit:
        return messages, tuple(whole), tokens, None
    note = WHOLE_DOES_NOT_FIT.format(name=label, tokens=tokens, limit=budget.limit)
    messages, given, used = prepare(docs, counter, collection, question, max_tokens)
    return messages, given, used, note


def answer(docs: Documents, model: LoadedModel, collection: str | Sequence[str], question: str,
           params: SamplingParams, cancel: threading.Event | None = None, *,
           whole: bool = False) -> DocAnswer:
    """Retrieve, pack as many passages as the context allows, and stream an answer citing
    them as [n]. When nothing relevant is found, the answer says so and the model is not
    asked. ``whole`` (long-context mode) gives the documents whole instead, when they fit
    the window; when they do not, the answer is from passages and ``note`` says so."""
    label = collection if isinstance(collection, str) else ", ".join(collection)
    engine = model.engine
    note = None
    if whole:
        messages, given, tokens, note = prepare_whole(docs, engine, collection, question,
                                                      params.max_tokens)
    else:
        messages, given, tokens = prepare(docs, engine, collection, question, params.max_tokens)
    mode = "whole" if whole and note is None else "passages"
    if not given:
        return DocAnswer(question, label, (), mode=mode, note=note)
    generation = engine.stream_chat(messages, params, cancel)
    return DocAnswer(question, label, given, tokens, mode, note, _generation=generation)


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
