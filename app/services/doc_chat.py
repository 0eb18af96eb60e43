"""Questions in a conversation answered from the collections chosen for it: the choice kept
in the conversation's settings, and each answer streamed, stored and audited as any reply,
with the passages it cites kept in the reply's stats."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.engine.types import ReplyStats, SamplingParams
from app.errors import AppError, Cancelled, SafetyBlocked
from app.services.doc_answers import DocAnswer, answer

if TYPE_CHECKING:
    from app.services.conversations import Conversations, MessageView
    from app.services.documents import Documents, Passage
    from app.services.reply import ReplyJob
    from app.services.safety import SafetyEvent, StreamFilter
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
    from app.services.safety import Safety

    if not text.strip():
        raise AppError("Nothing to send: the message is empty.")
    model = convs._require_model()
    params = params or convs._default_params()
    safety = Safety.for_context(convs.ctx)
    try:
        text, screened = safety.screen_input(text)
    except SafetyBlocked:
        convs._drop_if_empty(conversation_id)
        raise
    conv, path = convs._branch(conversation_id, leaf_id=after)
    if after is not None:
        path = path[: [m.id for m in path].index(after) + 1]
    result = answer(docs, model, list(choice.collections), text, params, cancel,
                    whole=choice.whole)
    try:
        with convs.store.repo() as repo:  # the question and the empty reply: both or neither
            question = repo.add_message(conv.id, "user", text,
                                        parent_id=path[-1].id if path else None,
                                        token_count=model.engine.count_tokens(text))
            reply_id = convs._begin(repo, conv.id, question.id, model, params)
            convs._audit_prompt(repo, "prompt", question, reply_id, screened)
            if conv.model != model.name:
                conv = repo.update_conversation(conv.id, model=model.name)
    except BaseException:
        result.close()
        raise
    return _reply(convs, conv, [*path, question], reply_id, model, params, cancel, screened,
                  result)


def regenerate(convs: Conversations, docs: Documents, conversation_id: str,
               choice: DocumentChoice, *, params: SamplingParams | None = None,
               cancel: threading.Event | None = None, leaf_id: str | None = None
               ) -> DocumentReply:
    """A new answer from the chosen collections to the last question of the branch (the one
    through ``leaf_id``), beside the old one."""
    model = convs._require_model()
    params = params or convs._default_params()
    conv, path = convs._branch(conversation_id, leaf_id=leaf_id)
    asked = [i for i, m in enumerate(path) if m.role == "user"]
    if not asked:
        raise AppError("Nothing to answer yet: send a message first.")
    path = path[: asked[-1] + 1]
    result = answer(docs, model, list(choice.collections), path[-1].content, params, cancel,
                    whole=choice.whole)
    try:
        with convs.store.repo() as repo:
            reply_id = convs._begin(repo, conv.id, path[-1].id, model, params)
    except BaseException:
        result.close()
        raise
    return _reply(convs, conv, path, reply_id, model, params, cancel, [], result)


def edit_and_resend(convs: Conversations, docs: Documents, message_id: str, new_text: str,
                    choice: DocumentChoice, *, params: SamplingParams | None = None,
                    cancel: threading.Event | None = None) -> DocumentReply:
    """A new version of one of the user's questions, answered from the chosen collections;
    the original and what followed it stay as the other branch."""
    from app.services.safety import Safety
    from app.store import NotFound

    if not new_text.strip():
        raise AppError("Nothing to send: the message is empty.")
    model = convs._require_model()
    params = params or convs._default_params()
    with convs.store.repo(write=False) as repo:
        original = repo.get_message(message_id)
        if original is None:
            raise NotFound(f"No message with id {message_id}.")
    if original.role != "user":
        raise AppError("Only your own messages can be edited and sent again.")
    new_text, screened = Safety.for_context(convs.ctx).screen_input(new_text)
    conv, _ = convs._branch(original.conversation_id)
    result = answer(docs, model, list(choice.collections), new_text, params, cancel,
                    whole=choice.whole)
    try:
        with convs.store.repo() as repo:
            edited = repo.edit_message(message_id, new_text)
            path = repo.get_messages(conv.id, leaf_id=edited.id)
            reply_id = convs._begin(repo, conv.id, edited.id, model, params)
            convs._audit_prompt(repo, "prompt.edit", edited, reply_id, screened)
    except BaseException:
        result.close()
        raise
    path = path[: [m.id for m in path].index(edited.id) + 1]
    return _reply(convs, conv, path, reply_id, model, params, cancel, screened, result)


def _reply(convs: Conversations, conv: Any, path: list[Any], reply_id: str, model: Any,
           params: SamplingParams, cancel: threading.Event | None,
           screened: list[SafetyEvent], result: DocAnswer) -> DocumentReply:
    from app.services.reply import ReplyJob
    from app.services.safety import Safety
    from app.store import ReplyWriter

    writer = ReplyWriter(convs.store, reply_id, interval_s=convs.flush_interval_s)
    job = ReplyJob(conv, path, None, params, cancel, model, writer,
                   Safety.for_context(convs.ctx), screened)
    return DocumentReply(convs, job, result)


class DocumentReply:
    """An answer from documents in progress, read as the conversations service's Reply is
    (same attributes); ``answer`` holds the passages once the iteration ends."""

    def __init__(self, owner: Conversations, job: ReplyJob, result: DocAnswer) -> None:
        self.conversation_id = job.conversation.id
        self.message_id = job.writer.message_id
        self.answer = result
        self.stats = ReplyStats()
        self.status = "streaming"
        self.message: MessageView | None = None
        self.context_used = result.prompt_tokens
        self.context_window = job.model.engine.n_ctx
        self._owner = owner
        self._job = job
        self._filter: StreamFilter = job.safety.reply_filter()
        self._stream = self._run()

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def safety(self) -> list[SafetyEvent]:
        from app.services.safety import events_of

        return [*self._job.screened, *events_of(dict(self._filter.counts), "output")]

    def __iter__(self) -> Iterator[str]:
        return self._stream

    def close(self) -> None:
        self._stream.close()
        if self.status == "streaming":
            self.answer.close()
            self._finish("interrupted")

    def _run(self) -> Iterator[str]:
        from app.services.safety import filter_pieces

        job = self._job
        pieces = iter(self.answer)
        try:
            try:
                for piece in filter_pieces(pieces, self._filter, job.cancel):
                    job.writer.add(piece)
                    yield piece
                self.stats = self.answer.stats
                if self._filter.blocked is not None:
                    self.answer.close()
                    self.stats.finish_reason = "content_filter"
                status = "complete"
            except Cancelled:
                self.stats = self.answer.stats
                status = "interrupted"
            self._finish(status)
        except BaseException:
            self.answer.close()
            if self.status == "streaming":
                self._finish("interrupted")
            raise
        self._owner._after_reply(job, self.status)

    def _finish(self, status: str) -> None:
        stats = self.stats.as_dict()
        stats["documents"] = sources_record(self.answer)
        if self.safety:
            stats["safety"] = [e.as_dict() for e in self.safety]
        record = self._job.writer.finish("complete" if status == "complete" else "interrupted",
                                         stats=stats, token_count=self.stats.generated_tokens)
        self.status = status
        self.context_used = self.answer.prompt_tokens + self.stats.generated_tokens
        self.message = self._owner._view_of(record)
