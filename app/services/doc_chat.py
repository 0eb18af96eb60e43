"""Questions in a conversation answered from the collections chosen for it: the choice kept
in the conversation's settings, and each answer streamed, stored and audited as any reply,
with the passages it cites kept in the reply's stats."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.engine.types import SamplingParams
from app.errors import Cancelled
from app.services.doc_answers import DocAnswer, answer
from app.services.reply import Reply

if TYPE_CHECKING:
    from app.services.conversations import Conversations
    from app.services.documents import Documents
    from app.services.passages import Passage
    from app.services.reply import ReplyJob
    from app.store import Store

COLLECTIONS = "collections"  # the conversation setting: names of the collections chosen
WHOLE = "whole_documents"  # the conversation setting: long-context mode
EXCERPT_CHARS = 600  # of each passage kept with the reply, for showing under it


@dataclass(frozen=True)
class DocumentChoice:
    """The collections a conversation answers from (none: the model alone), and whether
    their documents are given whole when they fit (long-context mode)."""

    collections: tuple[str, ...] = ()
    whole: bool = False

    def __bool__(self) -> bool:
        return bool(self.collections)


def choice_of(store: Store, conversation_id: str) -> DocumentChoice:
    with store.repo(write=False) as repo:
        conv = repo.get_conversation(repo.resolve_conversation_id(conversation_id))
    settings = dict(conv.settings) if conv is not None else {}
    names = settings.get(COLLECTIONS) or ()
    return DocumentChoice(tuple(str(n) for n in names), bool(settings.get(WHOLE)))


def set_choice(store: Store, conversation_id: str, choice: DocumentChoice) -> None:
    """Keep ``choice`` in the conversation's settings (the other settings stay)."""
    with store.repo() as repo:
        cid = repo.resolve_conversation_id(conversation_id)
        conv = repo.get_conversation(cid)
        settings = dict(conv.settings) if conv is not None else {}
        settings.pop(COLLECTIONS, None)
        settings.pop(WHOLE, None)
        if choice.collections:
            settings[COLLECTIONS] = list(choice.collections)
            settings[WHOLE] = choice.whole
        repo.update_conversation(cid, settings=settings)


def sources_record(result: DocAnswer) -> dict[str, Any]:
    """What a reply keeps of its documents: the collections, how they were given, why not
    whole when asked, and the passages it rests on (else all it was given)."""
    used = list(result.sources) or [(p, "") for p in result.passages]
    return {
        "collections": result.collection, "mode": result.mode, "note": result.note,
        "cited": bool(result.sources),
        "sources": [_passage_record(p, how) for p, how in used],
    }


def _passage_record(p: Passage, how: str) -> dict[str, Any]:
    flat = " ".join(p.text.split())
    return {"number": p.number, "source": p.source, "path": p.path, "page": p.page,
            "sheet": p.section, "line": p.line, "how": how or None,
            "excerpt": flat[:EXCERPT_CHARS] + ("…" if len(flat) > EXCERPT_CHARS else "")}


def send(convs: Conversations, docs: Documents, conversation_id: str, text: str,
         choice: DocumentChoice, *, params: SamplingParams | None = None,
         cancel: threading.Event | None = None, after: str | None = None) -> DocumentReply:
    """Save ``text`` as the user's next message and start an answer from the chosen
    collections (iterate it), as ``autoglm ask --docs`` answers: passages retrieved (or
    whole documents, in long-context mode), cited as [n]. A collection that is gone or a
    blocked prompt raise before anything is saved."""
    asking = _Asking(docs, choice, cancel)
    return asking.reply(convs, lambda: convs.start_send(
        conversation_id, text, params=params, cancel=cancel, after=after, prepare=asking))


def regenerate(convs: Conversations, docs: Documents, conversation_id: str,
               choice: DocumentChoice, *, params: SamplingParams | None = None,
               cancel: threading.Event | None = None, leaf_id: str | None = None
               ) -> DocumentReply:
    """A new answer from the chosen collections to the last question of the branch (the one
    through ``leaf_id``), beside the old one."""
    asking = _Asking(docs, choice, cancel)
    return asking.reply(convs, lambda: convs.start_regenerate(
        conversation_id, params=params, cancel=cancel, leaf_id=leaf_id, prepare=asking))


def edit_and_resend(convs: Conversations, docs: Documents, message_id: str, new_text: str,
                    choice: DocumentChoice, *, params: SamplingParams | None = None,
                    cancel: threading.Event | None = None) -> DocumentReply:
    """A new version of one of the user's questions, answered from the chosen collections;
    the original and what followed it stay as the other branch."""
    asking = _Asking(docs, choice, cancel)
    return asking.reply(convs, lambda: convs.start_edit(
        message_id, new_text, params=params, cancel=cancel, prepare=asking))


class _Asking:
    """The conversations service's ``prepare`` step for an answer from documents: the
    passages retrieved (or the documents read whole) and the answer started, once the
    question is screened and before it is saved."""

    def __init__(self, docs: Documents, choice: DocumentChoice,
                 cancel: threading.Event | None) -> None:
        self.docs = docs
        self.choice = choice
        self.cancel = cancel
        self.result: DocAnswer | None = None

    def __call__(self, conv: Any, model: Any, params: SamplingParams, question: str) -> None:
        self.result = answer(self.docs, model, list(self.choice.collections), question, params,
                             self.cancel, whole=self.choice.whole)

    def reply(self, convs: Conversations, start: Callable[[], ReplyJob]) -> DocumentReply:
        """The reply ``start`` begins, streaming the answer; the answer is closed if saving
        the question fails."""
        try:
            job = start()
        except BaseException:
            if self.result is not None:
                self.result.close()
            raise
        assert self.result is not None
        return DocumentReply(convs, job, self.result)


class DocumentReply(Reply):
    """An answer from documents in progress, read as the conversations service's Reply is
    (it is one, with its text from the answer); ``answer`` holds the passages once the
    iteration ends."""

    def __init__(self, owner: Conversations, job: ReplyJob, result: DocAnswer) -> None:
        self.answer = result
        super().__init__(owner, job)
        self.context_used = result.prompt_tokens

    @property
    def text(self) -> str:
        return self.answer.text

    def _source(self) -> Iterator[str]:
        """The answer's text; its statistics once it has all come (a stop included)."""
        with suppress(Cancelled):  # stopped: the statistics say so
            yield from self.answer
        self.stats = self.answer.stats

    def _stop(self) -> None:
        self.answer.close()

    def _prompt_tokens(self) -> int:
        return self.answer.prompt_tokens

    def _more_stats(self) -> dict[str, Any]:
        return {"documents": sources_record(self.answer)}
