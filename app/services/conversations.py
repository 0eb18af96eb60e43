"""Conversations as the user keeps them: stored, listed, searched, exported, and continued
with the model, each reply saved while it streams."""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from app.engine.types import SamplingParams
from app.errors import AppError, ModelNotFound, SafetyBlocked
from app.services.audit import record
from app.services.context import AppContext
from app.services.context_budget import (
    ContextBudget,
    PromptPlan,
    Turn,
    build_prompt,
    head_messages,
)
from app.services.reply import Reply, ReplyJob
from app.services.safety import Safety, SafetyEvent
from app.services.titles import fallback_title, write_title

if TYPE_CHECKING:
    from app.services.models import LoadedModel
    from app.services.storage import Progress
    from app.store import ConversationRecord, MessageRecord, Store
    from app.store.records import ToolCallRecord

log = logging.getLogger(__name__)

ModelSource: TypeAlias = "LoadedModel | Callable[[], LoadedModel] | None"
# Called before a reply's question is saved, with the conversation, the model, the sampling
# and the question's text; it may raise to save nothing.
Prepare: TypeAlias = "Callable[[ConversationRecord, LoadedModel, SamplingParams, str], None]"

SNIPPET_CHARS = 80


@dataclass(frozen=True)
class MessageView:
    id: str
    role: str
    content: str
    status: str  # complete | streaming | interrupted
    created_at: datetime
    token_count: int | None
    stats: dict[str, Any] | None
    parent_id: str | None
    n_siblings: int = 1  # branches at this point: edited prompts, regenerated replies
    sibling_index: int = 0  # which of them this is, oldest first
    sibling_ids: tuple[str, ...] = ()  # their ids, oldest first (this one included)
    tool_calls: tuple[ToolCallRecord, ...] = ()  # the tools called to write it, in order


@dataclass(frozen=True)
class ConversationView:
    id: str
    title: str
    updated_at: datetime
    system_prompt: str | None  # None: the system_prompt setting applies
    model: str | None
    summary: str | None  # the running summary of turns no longer sent in full
    messages: tuple[MessageView, ...]  # the current branch, oldest first
    summary_upto_id: str | None = None  # the last message the summary covers


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    updated_at: datetime
    snippet: str = ""  # for a search: the matching text


class Conversations:
    """The one door to stored conversations, for the GUI, the CLI and the API alike.

    ``model`` is the loaded model, a callable returning it (so that the model may
    load in the background, or change), or None where no reply will be asked for.
    """

    def __init__(self, ctx: AppContext, store: Store, model: ModelSource = None, *,
                 titler: Executor | None = None) -> None:
        """``titler`` runs the model's titles after first replies (default: a thread of
        its own, made on first use), so a reply ends without waiting for its title."""
        self.ctx = ctx
        self.store = store
        ctx.audit.use_store(store)  # prompts are audited in the transaction that stores them
        self.model = model
        self.flush_interval_s = 0.25  # how often a streaming reply is saved
        self._owns_store = False
        self._lock = threading.Lock()
        self._titler = titler
        self._owns_titler = titler is None
        self._titles: builtins.list[Future[None]] = []
        # drop_oldest: where each conversation's last prompt started, so the next one
        # keeps that start (and llama.cpp its KV cache) while it fits.
        self._anchors: dict[str, str] = {}

    # --- reading ---------------------------------------------------------------------------

    def list(
        self, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> builtins.list[ConversationSummary]:
        """Conversations, most recently active first; ``query`` searches titles and text."""
        with self.store.repo(write=False) as repo:
            records = repo.list_conversations(limit=limit, offset=offset, query=query)
            found = {r.id: repo.matching_message(r.id, query) for r in records} if query else {}
        out = []
        for r in records:
            match = found.get(r.id)
            snippet = _excerpt(match.content, query or "") if match else ""
            out.append(ConversationSummary(r.id, r.title, r.updated_at, snippet))
        return out

    def get(self, conversation_id: str, *, leaf_id: str | None = None) -> ConversationView:
        """A conversation and its current branch (the newest one, or the one through
        ``leaf_id``); ``conversation_id`` may be a unique prefix of the id."""
        with self.store.repo(write=False) as repo:  # one read: branch and siblings agree
            cid = repo.resolve_conversation_id(conversation_id)
            conv = _live(repo.get_conversation(cid), cid)
            path = repo.get_messages(cid, leaf_id=leaf_id)
            every = repo.get_all_messages(cid)
            calls = repo.tool_calls_of(cid)
        return _conversation_view(conv, path, every, calls)

    def export(self, conversation_id: str, fmt: str = "markdown", *, outbound: bool = True) -> str:
        """The current branch as Markdown, or everything (other branches too) as JSON.

        An export leaves the app: what the safety filter's outbound rules do not allow
        is replaced by its label (``outbound=False``: shown on this machine only).
        """
        from app.services.export import export_conversation

        view = self.get(conversation_id)
        with self.store.repo(write=False) as repo:
            every = repo.get_all_messages(view.id)
            calls = repo.tool_calls_of(view.id)
        shown = {m.id for m in view.messages}
        siblings = _siblings(every)
        others = [_message_view(m, siblings, calls) for m in every if m.id not in shown]
        if outbound:
            view, others = _for_export(Safety.for_context(self.ctx), view, others)
            record(self.ctx, "export", f"conversation:{view.id}", "ok",
                   {"format": fmt, "messages": len(view.messages) + len(others)})
        return export_conversation(view, others, fmt)

    def context_usage(self, conversation_id: str) -> tuple[int, int]:
        """(tokens the prompt would take if sent now, the model's context window)."""
        model = self._require_model()
        conv, path = self._branch(conversation_id)
        summary, turns = _after_summary(conv, path)
        budget = ContextBudget(model.engine, self._default_params().max_tokens)
        head = head_messages(self._system_prompt(conv), summary)
        anchor = self._anchor(conv, turns)
        plan = budget.fit(head, turns, start_at=anchor)
        return (plan.tokens if plan else budget.count(head)), budget.window

    # --- changing --------------------------------------------------------------------------

    def create(self, title: str = "", system_prompt: str | None = None) -> ConversationView:
        """A new, empty conversation; ``system_prompt`` None follows the setting. A title
        (the first words of a message, often) passes the safety filter as a prompt does."""
        if title:
            title = Safety.for_context(self.ctx).redact(title, "input")
        with self.store.repo() as repo:
            conv = repo.create_conversation(title, system_prompt=system_prompt)
        return _conversation_view(conv, [], [])

    def rename(self, conversation_id: str, title: str) -> None:
        with self.store.repo() as repo:
            repo.rename_conversation(repo.resolve_conversation_id(conversation_id), title.strip())

    def delete(self, conversation_id: str) -> None:
        """Delete (a tombstone, synced as such); ``restore`` undoes it."""
        with self.store.repo() as repo:
            cid = repo.resolve_conversation_id(conversation_id)
            repo.delete_conversation(cid)
        with self._lock:
            self._anchors.pop(cid, None)

    def restore(self, conversation_id: str) -> None:
        """Undo ``delete`` (the full id is needed: a deleted conversation is not listed)."""
        with self.store.repo() as repo:
            repo.restore_conversation(conversation_id)

    def auto_title(self, conversation_id: str, *, only_if_untitled: bool = False) -> str:
        """Let the model title the conversation from its first exchange; stored and returned.
        Without a model (or if it writes nothing usable) the first words of the first
        message are the title. ``only_if_untitled``: keep a title given meanwhile."""
        conv, path = self._branch(conversation_id)
        asked = [i for i, m in enumerate(path) if m.role == "user"]
        if not asked:
            raise AppError("Nothing to title yet: the conversation has no messages.")
        question = path[asked[0]]
        answer = next(
            (m.content for m in path[asked[0] + 1 :] if m.role == "assistant" and m.content), ""
        )
        title = ""
        model = self._model_or_none()
        if model is not None:
            try:
                system = self._system_prompt(conv)
                title = write_title(model.engine, system, question.content, answer)
            except AppError as err:
                log.warning("the model could not title the conversation: %s", err)
        # A title is shown like a reply: the safety filter's output rules apply to it.
        title = Safety.for_context(self.ctx).redact(title or fallback_title(question.content),
                                                    "output")
        with self.store.repo() as repo:
            if only_if_untitled:
                current = _live(repo.get_conversation(conv.id), conv.id).title
                if current:
                    return current
            repo.rename_conversation(conv.id, title)
        return title

    def wait_for_titles(self, timeout: float | None = None) -> bool:
        """Wait for the titles being made after first replies; False if some are still
        being made after ``timeout`` seconds."""
        with self._lock:
            pending = [f for f in self._titles if not f.done()]
        return not futures_wait(pending, timeout).not_done

    # --- replies ---------------------------------------------------------------------------

    def send(
        self,
        conversation_id: str,
        text: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        after: str | None = None,
    ) -> Reply:
        """Save ``text`` as the user's next message and start the reply (iterate it).

        ``after`` is the message to follow (default: the end of the current branch).
        Raises ContextOverflow, before saving anything, if the message cannot fit.
        """
        return Reply(self, self.start_send(conversation_id, text, params=params, cancel=cancel,
                                           after=after, prepare=self._require_fit))

    def start_send(
        self,
        conversation_id: str,
        text: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        after: str | None = None,
        prepare: Prepare | None = None,
    ) -> ReplyJob:
        """What ``send`` does before its reply streams: the message checked and screened,
        then saved with the empty reply that answers it (both or neither). ``prepare``
        runs between the two (``send``: the check that the message fits the context)."""
        if not text.strip():
            raise AppError("Nothing to send: the message is empty.")
        model = self._require_model()
        params = params or self._default_params()
        safety = Safety.for_context(self.ctx)
        try:
            text, screened = safety.screen_input(text)  # SafetyBlocked before anything is saved
        except SafetyBlocked:
            self._drop_if_empty(conversation_id)  # made just for this message: not kept empty
            raise
        conv, path = self._branch(conversation_id, leaf_id=after)
        if after is not None:
            path = path[: [m.id for m in path].index(after) + 1]
        if prepare is not None:
            prepare(conv, model, params, text)
        with self.store.repo() as repo:  # the question and the empty reply: both or neither
            question = repo.add_message(
                conv.id, "user", text, parent_id=path[-1].id if path else None,
                token_count=model.engine.count_tokens(text),
            )
            reply_id = self._begin(repo, conv.id, question.id, model, params)
            self._audit_prompt(repo, "prompt", question, reply_id, screened)
            if conv.model != model.name:
                conv = repo.update_conversation(conv.id, model=model.name)
        return self._job(conv, [*path, question], reply_id, params, cancel, model,
                         safety, screened)

    def regenerate(
        self,
        conversation_id: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        leaf_id: str | None = None,
    ) -> Reply:
        """A new answer to the last message of the current branch, beside the old one.

        ``leaf_id`` picks the branch (the one through it, as ``get`` shows it);
        by default the newest.
        """
        return Reply(self, self.start_regenerate(conversation_id, params=params, cancel=cancel,
                                                 leaf_id=leaf_id))

    def start_regenerate(
        self,
        conversation_id: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        leaf_id: str | None = None,
        prepare: Prepare | None = None,
    ) -> ReplyJob:
        """What ``regenerate`` does before its reply streams: the question found and the
        empty reply saved; ``prepare`` runs before that, with the question's text."""
        model = self._require_model()
        params = params or self._default_params()
        conv, path = self._branch(conversation_id, leaf_id=leaf_id)
        asked = [i for i, m in enumerate(path) if m.role == "user"]
        if not asked:
            raise AppError("Nothing to answer yet: send a message first.")
        path = path[: asked[-1] + 1]
        if prepare is not None:
            prepare(conv, model, params, path[-1].content)
        with self.store.repo() as repo:
            reply_id = self._begin(repo, conv.id, path[-1].id, model, params)
        return self._job(conv, path, reply_id, params, cancel, model, Safety.for_context(self.ctx))

    def edit_and_resend(
        self,
        message_id: str,
        new_text: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
    ) -> Reply:
        """Branch: a new version of one of the user's messages, and a reply to it; the
        original and everything after it stay as the other branch."""
        return Reply(self, self.start_edit(message_id, new_text, params=params, cancel=cancel,
                                           prepare=self._require_fit))

    def start_edit(
        self,
        message_id: str,
        new_text: str,
        *,
        params: SamplingParams | None = None,
        cancel: threading.Event | None = None,
        prepare: Prepare | None = None,
    ) -> ReplyJob:
        """What ``edit_and_resend`` does before its reply streams: the new version checked
        and screened, then saved with the empty reply (both or neither); ``prepare`` runs
        between the two."""
        from app.store import NotFound

        if not new_text.strip():
            raise AppError("Nothing to send: the message is empty.")
        model = self._require_model()
        params = params or self._default_params()
        with self.store.repo(write=False) as repo:
            original = repo.get_message(message_id)
            if original is None:
                raise NotFound(f"No message with id {message_id}.")
            conv = _live(repo.get_conversation(original.conversation_id), original.conversation_id)
        if original.role != "user":
            raise AppError("Only your own messages can be edited and sent again.")
        safety = Safety.for_context(self.ctx)
        new_text, screened = safety.screen_input(new_text)
        if prepare is not None:
            prepare(conv, model, params, new_text)
        with self.store.repo() as repo:
            edited = repo.edit_message(message_id, new_text)
            path = repo.get_messages(conv.id, leaf_id=edited.id)
            reply_id = self._begin(repo, conv.id, edited.id, model, params)
            self._audit_prompt(repo, "prompt.edit", edited, reply_id, screened)
        path = path[: [m.id for m in path].index(edited.id) + 1]
        return self._job(conv, path, reply_id, params, cancel, model, safety, screened)

    # --- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Finish the titles being made, then close the store if open_conversations opened it."""
        self.wait_for_titles()
        if self._owns_titler and self._titler is not None:
            self._titler.shutdown(wait=True)
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Conversations:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- inside ----------------------------------------------------------------------------

    def _branch(self, conversation_id: str, *, leaf_id: str | None = None
                ) -> tuple[ConversationRecord, builtins.list[MessageRecord]]:
        """A live conversation and its current branch (through ``leaf_id`` if given)."""
        with self.store.repo(write=False) as repo:
            cid = repo.resolve_conversation_id(conversation_id)
            return _live(repo.get_conversation(cid), cid), repo.get_messages(cid, leaf_id=leaf_id)

    def _drop_if_empty(self, conversation_id: str) -> None:
        with self.store.repo() as repo:
            cid = repo.resolve_conversation_id(conversation_id)
            if not repo.get_all_messages(cid):
                repo.delete_conversation(cid)

    def _audit_prompt(self, repo: Any, action: str, message: MessageRecord, reply_id: str,
                      screened: builtins.list[SafetyEvent]) -> None:
        """Audited in the transaction that stores the prompt: ids, counts and what the safety
        filter did (categories and counts), never the text."""
        self.ctx.audit.record_in(repo.session, action, f"message:{message.id}", "ok",
                                 {"conversation": message.conversation_id, "reply": reply_id,
                                  "tokens": message.token_count,
                                  "safety": [e.as_dict() for e in screened]})

    def _begin(
        self, repo: Any, cid: str, parent_id: str, model: LoadedModel, params: SamplingParams
    ) -> str:
        reply_id: str = repo.begin_streaming_message(
            cid, parent_id=parent_id, model=model.name, sampling=params.as_dict()
        )
        return reply_id

    def _require_fit(self, conv: ConversationRecord, model: LoadedModel,
                     params: SamplingParams, text: str) -> None:
        """ContextOverflow if ``text`` cannot fit the context with the system prompt."""
        ContextBudget(model.engine, params.max_tokens).require_fit(self._system_prompt(conv), text)

    def _job(
        self,
        conv: ConversationRecord,
        path: builtins.list[MessageRecord],
        reply_id: str,
        params: SamplingParams,
        cancel: threading.Event | None,
        model: LoadedModel,
        safety: Safety,
        screened: builtins.list[SafetyEvent] | None = None,
    ) -> ReplyJob:
        from app.store import ReplyWriter

        writer = ReplyWriter(self.store, reply_id, interval_s=self.flush_interval_s)
        return ReplyJob(conv, path, self._system_prompt(conv), params, cancel, model, writer,
                        safety, screened or [])

    def _plan(self, job: ReplyJob) -> PromptPlan:
        """The prompt for a reply, summarising (and storing the summary) if it must."""
        conv = job.conversation
        strategy = self._overflow_strategy(conv)
        summary, turns = _after_summary(conv, job.path)
        result = build_prompt(
            job.model.engine,
            system=job.system,
            summary=summary,
            history=turns,
            max_tokens=job.params.max_tokens,
            strategy=strategy,
            anchor=self._anchor(conv, turns),
            cancel=job.cancel,
        )
        if result.summary_changed:
            # The summary is shown (history, exports): stored as the output rules leave it.
            summary = Safety.for_context(self.ctx).redact(result.summary or "", "output")
            with self.store.repo() as repo:
                repo.set_summary(conv.id, summary or result.summary, result.summary_upto)
        if strategy == "drop_oldest" and result.plan.start < len(turns):
            with self._lock:
                self._anchors[conv.id] = turns[result.plan.start].id
        return result.plan

    def _after_reply(self, job: ReplyJob, status: str) -> None:
        """Title a conversation still untitled after a reply: by the model when the reply
        finished (in the background: the reply is over and the user may go on), else from
        the first words (a stopped reply should stay quick)."""
        from app.store import NotFound

        done = job.writer.finished
        record(self.ctx, "reply", f"message:{job.writer.message_id}", status,
               {"conversation": job.conversation.id, "model": job.model.name,
                "tokens": done.token_count if done else None,
                "safety": done.stats.get("safety", []) if done else []})
        try:
            with self.store.repo(write=False) as repo:
                conv = repo.get_conversation(job.conversation.id)
            if conv is None or conv.title:
                return
            if status == "complete":
                self._title_later(conv.id)
            else:
                first = next((m for m in job.path if m.role == "user"), None)
                if first is not None:
                    self.rename(conv.id, fallback_title(first.content))
        except NotFound:
            return
        except AppError as err:  # the reply is saved; a title can come next time
            log.warning("could not title the conversation: %s", err)

    def _title_later(self, conversation_id: str) -> None:
        with self._lock:
            if self._titler is None:
                self._titler = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autoglm-title")
            job = self._titler.submit(self._title_quietly, conversation_id)
            self._titles = [f for f in self._titles if not f.done()] + [job]

    def _title_quietly(self, conversation_id: str) -> None:
        try:
            self.auto_title(conversation_id, only_if_untitled=True)
        except AppError as err:  # deleted meanwhile, say; a title can come next time
            log.warning("could not title the conversation: %s", err)

    def _view_of(self, record: MessageRecord) -> MessageView:
        with self.store.repo(write=False) as repo:
            ids = repo.sibling_ids(record.id)
            calls = repo.tool_calls_of(record.conversation_id)
        return _message_view(record, {record.parent_id: ids}, calls)

    def _anchor(self, conv: ConversationRecord, turns: Sequence[Turn]) -> int:
        if self._overflow_strategy(conv) != "drop_oldest":
            return 0
        with self._lock:
            anchor_id = self._anchors.get(conv.id)
        return next((i for i, t in enumerate(turns) if t.id == anchor_id), 0)

    def _overflow_strategy(self, conv: ConversationRecord) -> str:
        return str(conv.settings.get("context_overflow") or self.ctx.settings.get("context_overflow"))

    def _system_prompt(self, conv: ConversationRecord) -> str | None:
        if conv.system_prompt is not None:
            return conv.system_prompt or None
        return str(self.ctx.settings.get("system_prompt") or "") or None

    def _default_params(self) -> SamplingParams:
        from app.services.chat import sampling_from_settings

        return sampling_from_settings(self.ctx.settings)

    def _model_or_none(self) -> LoadedModel | None:
        try:
            return self.model() if callable(self.model) else self.model
        except AppError as err:
            log.warning("no model for this: %s", err)
            return None

    def _require_model(self) -> LoadedModel:
        model = self.model() if callable(self.model) else self.model
        if model is None:
            raise ModelNotFound("No model is loaded yet: wait for it to load, or choose one.")
        return model


def open_conversations(
    ctx: AppContext, model: ModelSource = None, progress: Progress | None = None
) -> Conversations:
    """Conversations over the user's database (ctx.paths.database), created or upgraded,
    and encrypted (``progress`` reports a conversion from a plain file; see services.storage)."""
    from app.services.storage import open_user_store

    store = ctx.audit.adopt(lambda: open_user_store(ctx, progress))  # audited in the same file
    conversations = Conversations(ctx, store, model)
    conversations._owns_store = True
    return conversations


# --- views ---------------------------------------------------------------------------------

def _live(record: ConversationRecord | None, cid: str) -> ConversationRecord:
    if record is None:
        from app.store import NotFound

        raise NotFound(f"No conversation with id {cid}.")
    return record


def _siblings(every: Sequence[MessageRecord]) -> dict[str | None, builtins.list[str]]:
    out: dict[str | None, builtins.list[str]] = {}
    for m in every:  # oldest first, as the store returns them
        out.setdefault(m.parent_id, []).append(m.id)
    return out


def _message_view(m: MessageRecord, siblings: dict[str | None, builtins.list[str]],
                  calls: dict[str, builtins.list[ToolCallRecord]] | None = None) -> MessageView:
    ids = siblings.get(m.parent_id) or [m.id]
    return MessageView(
        id=m.id,
        role=m.role,
        content=m.content,
        status=m.status,
        created_at=m.created_at,
        token_count=m.token_count,
        stats=dict(m.stats) or None,
        parent_id=m.parent_id,
        n_siblings=len(ids),
        sibling_index=ids.index(m.id) if m.id in ids else 0,
        sibling_ids=tuple(ids),
        tool_calls=tuple((calls or {}).get(m.id, ())),
    )


def _conversation_view(
    conv: ConversationRecord, path: Sequence[MessageRecord], every: Sequence[MessageRecord],
    calls: dict[str, builtins.list[ToolCallRecord]] | None = None,
) -> ConversationView:
    siblings = _siblings(every)
    on_path = conv.summary_upto_message_id in {m.id for m in path}
    return ConversationView(
        id=conv.id,
        title=conv.title,
        updated_at=conv.updated_at,
        system_prompt=conv.system_prompt,
        model=conv.model,
        summary=conv.summary if on_path else None,
        messages=tuple(_message_view(m, siblings, calls) for m in path),
        summary_upto_id=conv.summary_upto_message_id if on_path else None,
    )


def _after_summary(
    conv: ConversationRecord, path: Sequence[MessageRecord]
) -> tuple[str | None, builtins.list[Turn]]:
    """The running summary that applies to this branch, and the turns it does not cover.

    A summary written on another branch (before an earlier message was edited)
    does not describe this one, so it is left out.
    """
    ids = [m.id for m in path]
    start = 0
    summary = None
    if conv.summary and conv.summary_upto_message_id in ids:
        summary = conv.summary
        start = ids.index(conv.summary_upto_message_id) + 1
    turns = [
        Turn(m.id, "user" if m.role == "user" else "assistant", m.content)
        for m in path[start:]
        if m.role in ("user", "assistant") and m.content
    ]
    return summary, turns


def _for_export(safety: Safety, view: ConversationView, others: builtins.list[MessageView]
                ) -> tuple[ConversationView, builtins.list[MessageView]]:
    """The conversation as it may leave the machine (the safety filter's outbound rules)."""
    def clean(m: MessageView) -> MessageView:
        calls = tuple(replace(c, result=safety.redact(c.result, "outbound"),
                              arguments=_redact_json(safety, c.arguments))
                      for c in m.tool_calls)
        return replace(m, content=safety.redact(m.content, "outbound"), tool_calls=calls)

    summary = safety.redact(view.summary, "outbound") if view.summary else view.summary
    return (replace(view, title=safety.redact(view.title, "outbound"), summary=summary,
                    messages=tuple(clean(m) for m in view.messages)),
            [clean(m) for m in others])


def _redact_json(safety: Safety, value: Any) -> Any:
    if isinstance(value, str):
        return safety.redact(value, "outbound")
    if isinstance(value, dict):
        return {k: _redact_json(safety, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(safety, v) for v in value]
    return value


def _excerpt(text: str, query: str) -> str:
    flat = " ".join(text.split())
    words = [w.strip('"') for w in query.split() if w.strip('"')]
    hits = [i for i in (flat.lower().find(w.lower()) for w in words) if i >= 0]
    start = max(0, min(hits, default=0) - SNIPPET_CHARS // 4)
    end = start + SNIPPET_CHARS
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
