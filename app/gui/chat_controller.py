"""The conversation side of the main window: which conversation is open, the reply being
written (at most one at a time), and every action on conversations, each carried out
through the conversation service off the GUI thread.

The controller owns the live reply's text, so switching to another conversation
and back mid-reply shows the reply where it has got to. It also remembers which
branch (version) of each conversation is on screen: the next message continues
that one, and Regenerate answers its last question.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import AppError
from app.gui.qt import QObject, QWidget, Signal, is_alive
from app.gui.workers import ReplyWorker

if TYPE_CHECKING:
    from app.gui.chat_collections import CollectionChooser
    from app.gui.chat_tools import ToolApproval, ToolsChooser
    from app.gui.chat_view import ChatView
    from app.gui.composer import Composer
    from app.gui.conversation_list import ConversationList
    from app.gui.errors import ErrorPresenter
    from app.gui.status_bar import StatusBar
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.conversations import Conversations, ConversationView, Reply
    from app.services.documents import Documents
    from app.services.models import LoadedModel

log = logging.getLogger(__name__)


class ChatController(QObject):
    ready = Signal()  # the conversation service is open
    listed = Signal()  # the conversation list was refreshed
    shown = Signal(str)  # a conversation (id, "" for a new chat) is on screen
    reply_started = Signal(str, str)  # conversation id, message id
    reply_finished = Signal(object)  # the Reply, or None when it was stopped before starting
    reply_failed = Signal(str)
    generating_changed = Signal(bool)
    deleted = Signal(str)
    restored = Signal(str)
    titled = Signal(str)  # the model has titled a conversation
    store_progress = Signal(int, int)  # bytes done, total: a plain database being encrypted
    store_notice = Signal(str)  # where the keys are, or that the store is unencrypted

    def __init__(self, ctx: AppContext, taskman: TaskManager, errors: ErrorPresenter,
                 conversation_list: ConversationList, chat: ChatView, composer: Composer,
                 status: StatusBar, model: Callable[[], LoadedModel | None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.taskman = taskman
        self.errors = errors
        self.list = conversation_list
        self.chat = chat
        self.composer = composer
        self.status = status
        self._model = model
        self.conversations: Conversations | None = None
        self.current_id: str | None = None
        self.worker: ReplyWorker | None = None
        self.live_conversation: str | None = None
        self.live_message_id: str | None = None
        self.live_text = ""
        self._pending_new = False  # the live reply started from "New chat" and is on screen
        # Conversations started here get the first words of the question as a title at
        # once, and the model's title in the background after the first reply, so the
        # reply ends (and Send comes back) as soon as its text has.
        self.auto_title = True
        self._provisional: set[str] = set()
        self._after_reply: list[Callable[[], None]] = []
        self._sent_text = ""  # given back to the input box if it could not even be stored
        # The last message of the branch shown, per conversation (the newest branch until
        # the user picks another version); and which load is the latest, so that an
        # older one finishing late does not show a branch the user has left.
        self._leaves: dict[str, str] = {}
        self._loads = 0
        # The collections the open conversation answers from (see attach_collections).
        self.chooser: CollectionChooser | None = None
        self.documents: Documents | None = None
        self._choice_shown_for: str | None = None
        # The tools the open conversation may call (see attach_tools).
        self.tools_chooser: ToolsChooser | None = None
        self._tools_shown_for: str | None = None
        self._tool_loads = 0
        self.approval: ToolApproval | None = None  # the question on screen, if any
        self.servers_dialog: QWidget | None = None  # the MCP servers dialog, once opened
        # The newest choice to save, per (what, conversation): see _save_latest.
        self._latest: dict[tuple[str, str], Callable[[], Any]] = {}
        self._latest_lock = threading.Lock()
        self._saving_lock = threading.Lock()
        conversation_list.selected.connect(self.open)
        conversation_list.new_requested.connect(self.new_chat)
        conversation_list.search_changed.connect(lambda _q: self.refresh_list())
        conversation_list.rename_requested.connect(self.rename)
        conversation_list.delete_requested.connect(self.delete)
        conversation_list.undo_requested.connect(self.restore)
        conversation_list.export_requested.connect(self.export)
        chat.regenerate_requested.connect(self.regenerate)
        chat.edit_requested.connect(self.edit_and_resend)
        chat.version_requested.connect(self.show_version)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)

    # -- opening the service ------------------------------------------------------------------

    def start(self) -> None:
        """Open the store off the GUI thread (a conversion to encrypted or migrations may run),
        asking first for the passphrase where the keys are in the locked file; then list
        conversations."""
        secrets = self.ctx.secrets
        self.taskman.run(lambda: secrets.needs_passphrase, self._unlock_and_open)

    def _unlock_and_open(self, needs_passphrase: bool, error: str = "") -> None:
        from app.services.conversations import open_conversations

        passphrase = None
        if needs_passphrase:
            from app.gui.store_unlock import PassphraseDialog

            secrets = self.ctx.secrets
            dialog = PassphraseDialog(not secrets.vault_exists, str(secrets.vault_path), error,
                                      self.chat.window())
            dialog.exec()
            passphrase = dialog.value()
        ctx, model = self.ctx, self._model  # a callable: the model may still be loading
        progress = self.store_progress.emit

        def open_store() -> Conversations:
            if passphrase is not None:
                ctx.secrets.unlock(passphrase)
            elif needs_passphrase:
                ctx.secrets.decline()  # Cancel: go on unencrypted where that is allowed
            return open_conversations(ctx, model=model, progress=progress)

        self.taskman.run(open_store, self._opened, self._open_failed)

    def _open_failed(self, exc: BaseException) -> None:
        from app.security.secrets import WrongPassphrase

        if isinstance(exc, WrongPassphrase):
            self._unlock_and_open(True, str(exc))
            return
        self.errors.show_exception(exc)

    def _opened(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.store_notice.emit(self._notice())
        self.ready.emit()
        self.refresh_list()
        self.chat.show_conversation(None)
        self._show_tools(None)

    def _notice(self) -> str:
        """Said once, above the chat: the store is unencrypted, or its keys are in a file."""
        where = self.ctx.secrets.where()
        if self.ctx.store_notice:
            return self.tr(
                "Your conversations are stored unencrypted: no keyring was found on this "
                "computer and no passphrase was set. Restart Open-AutoGLM to set one.")
        if where.kind == "passphrase-file":
            return self.tr(
                "No system keyring was found: the key to your conversations is kept in %1, "
                "locked with your passphrase.").replace("%1", where.name)
        return ""

    @property
    def generating(self) -> bool:
        return self.worker is not None

    # -- the list -----------------------------------------------------------------------------

    def refresh_list(self, then: Callable[[], None] | None = None) -> None:
        convs = self.conversations
        if convs is None:
            return
        query = self.list.query() or None

        def listed(summaries: list[Any]) -> None:
            self.list.populate(summaries, self.current_id)
            self.listed.emit()
            if then is not None:
                then()

        self.taskman.run(lambda: convs.list(query=query, limit=200), listed)

    def new_chat(self) -> None:
        self.current_id = None
        self._show_choice(None)
        self._show_tools(None)
        self._pending_new = False
        self.list.list.clearSelection()
        self.list.list.setCurrentItem(None)
        self.chat.show_conversation(None)
        self.status.show_context(0, self._window())
        self.composer.edit.setFocus()
        self.shown.emit("")

    def open(self, conversation_id: str) -> None:
        """Show a conversation; a reply being written elsewhere carries on in the background."""
        if conversation_id == self.current_id and self.chat.conversation_id == conversation_id:
            return
        self.current_id = conversation_id
        self._pending_new = False
        self.reload()

    def reload(self, leaf_id: str | None = None) -> None:
        """Load the open conversation again: the branch shown, or the one through ``leaf_id``."""
        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None:
            return
        leaf = leaf_id or self._leaves.get(cid)
        self._loads += 1
        load = self._loads
        self.taskman.run(lambda: convs.get(cid, leaf_id=leaf),
                         lambda view: self._show(view, load), self._load_failed)

    def show_version(self, message_id: str) -> None:
        """Show the branch through ``message_id``, another version of a message on screen.
        Not while a reply is being written: it continues the branch it started on."""
        if not self.generating and self.chat.conversation_id == self.current_id:
            self.reload(leaf_id=message_id)  # until it is shown, the shown branch goes on

    def _load_failed(self, exc: BaseException) -> None:
        log.info("could not open conversation %s: %s", self.current_id, exc)
        self.errors.show_exception(exc)

    def _show(self, view: ConversationView, load: int) -> None:
        if view.id != self.current_id or load != self._loads:
            return  # the user has moved on
        live = self.generating and view.id == self.live_conversation
        if view.messages and not live:  # a live reply's own id is the leaf (_reply_started)
            self._leaves[view.id] = view.messages[-1].id
        if self.chat.conversation_id == view.id and not live:
            self.chat.refresh_messages(view)
        else:
            self.chat.show_conversation(
                view, live_message_id=self.live_message_id if live else None,
                live_text=self.live_text,
            )
        self.chat.set_busy(self.generating)
        if not self.generating:
            self.update_context_usage()
        self._show_choice(view.id)
        self._show_tools(view.id)
        self.shown.emit(view.id)

    def _window(self) -> int:
        model = self._model()
        return int(model.engine.n_ctx) if model is not None else 0

    def update_context_usage(self) -> None:
        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None or self._model() is None:
            return

        def show(usage: tuple[int, int]) -> None:
            if cid == self.current_id:
                self.status.show_context(*usage)

        self.taskman.run(lambda: convs.context_usage(cid), show, lambda exc: None)

    # -- replies ------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        convs = self.conversations
        if convs is None or self.generating:
            self.composer.set_text(text)
            return
        cid = self.current_id
        leaf = self._leaves.get(cid) if cid is not None else None  # continue the branch shown
        choice = self.chooser.choice() if self.chooser is not None else None
        docs = self._documents() if choice else None
        tools = self.tools_chooser.chosen() if self.tools_chooser is not None else []
        if tools and not choice:  # answered with the conversation's tools
            required = self.tools_chooser is not None and self.tools_chooser.required()
            self._send_with_tools(convs, cid, text, tools, required)
            return

        def start(cancel: threading.Event) -> Reply:
            from app.services import doc_chat
            from app.services.conversations import fallback_title

            if cid is not None:
                if choice and docs is not None:  # answered from the conversation's collections
                    return doc_chat.send(convs, docs, cid, text, choice, cancel=cancel,
                                         after=leaf)  # type: ignore[return-value]
                return convs.send(cid, text, cancel=cancel, after=leaf)
            created = convs.create(title=fallback_title(text)).id
            self._provisional.add(created)
            if choice and docs is not None:
                doc_chat.set_choice(convs.store, created, choice)
                return doc_chat.send(convs, docs, created, text, choice,
                                     cancel=cancel)  # type: ignore[return-value]
            return convs.send(created, text, cancel=cancel)

        self._pending_new = cid is None
        self.chat.begin_pending(text)
        self._start(start, cid, text)

    def regenerate(self) -> None:
        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None or self.generating:
            return
        leaf = self._leaves.get(cid)  # answer the last question of the branch shown
        choice = self.chooser.choice() if self.chooser is not None else None
        docs = self._documents() if choice else None
        self.chat.drop_last_reply()
        self.chat.begin_pending(None)

        def start(cancel: threading.Event) -> Reply:
            if choice and docs is not None:  # again from the conversation's collections
                from app.services import doc_chat

                return doc_chat.regenerate(convs, docs, cid, choice, cancel=cancel,
                                           leaf_id=leaf)  # type: ignore[return-value]
            return convs.regenerate(cid, cancel=cancel, leaf_id=leaf)

        self._start(start, cid)

    def edit_and_resend(self, message_id: str, new_text: str) -> None:
        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None or self.generating:
            return
        choice = self.chooser.choice() if self.chooser is not None else None
        docs = self._documents() if choice else None
        self.chat.truncate_after(message_id, keep=False)
        self.chat.begin_pending(new_text)

        def start(cancel: threading.Event) -> Reply:
            if choice and docs is not None:  # answered from the conversation's collections
                from app.services import doc_chat

                return doc_chat.edit_and_resend(convs, docs, message_id, new_text, choice,
                                                cancel=cancel)  # type: ignore[return-value]
            return convs.edit_and_resend(message_id, new_text, cancel=cancel)

        self._start(start, cid)

    def _send_with_tools(self, convs: Conversations, cid: str | None, text: str,
                         tools: list[str], required: bool) -> None:
        """Send ``text`` in a reply that may call ``tools`` (a new chat gets them first)."""
        from app.gui.workers import ToolsReplyWorker

        def start(cancel: threading.Event, **hooks: Any) -> Any:
            from app.services.conversation_tools import send_with_tools, set_tools
            from app.services.conversations import fallback_title

            target = cid
            if target is None:
                target = convs.create(title=fallback_title(text)).id
                self._provisional.add(target)
                set_tools(convs, target, tools, required)
            return send_with_tools(convs, target, text, cancel=cancel,
                                   on_start=hooks["begun"], on_call=hooks["on_call"],
                                   on_text=hooks["on_text"], approve=hooks["approve"])

        self._pending_new = cid is None
        self.chat.begin_pending(text)
        worker = ToolsReplyWorker(start, cid or "")
        worker.tool_called.connect(self._tool_called)
        worker.approval_needed.connect(self._ask_approval)
        self._start(start, cid, text, worker=worker)

    def _tool_called(self, call: object) -> None:
        from app.gui.chat_tools import add_tool_call

        if self._viewing_live() and is_alive(self.chat) and self.chat.live is not None:
            add_tool_call(self.chat.live, call)

    def _ask_approval(self, name: str, arguments: object) -> None:
        """Ask the user, without blocking the window, whether the tool may run."""
        from app.gui.chat_tools import ToolApproval

        worker = self.worker
        if worker is None or not hasattr(worker, "answer"):
            return
        dialog = ToolApproval(name, dict(arguments) if isinstance(arguments, dict) else {},
                              self.chat.window())
        self.approval = dialog

        def decided(allowed: bool) -> None:
            worker.answer(allowed)
            if self.approval is dialog:
                self.approval = None
            dialog.deleteLater()

        dialog.decided.connect(decided)
        dialog.open()

    def _start(self, start: Callable[[threading.Event], Reply], cid: str | None,
               text: str = "", worker: Any = None) -> None:
        self._sent_text = text
        worker = worker or ReplyWorker(start, cid or "")
        worker.started.connect(self._reply_started)
        worker.token.connect(self._token)
        worker.finished.connect(self._reply_finished)
        worker.failed.connect(self._reply_failed)
        self.worker = worker
        self.live_conversation = cid
        self.live_message_id = None
        self.live_text = ""
        self._set_generating(True)
        self.taskman.start(worker)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel.set()
        if self.approval is not None:  # Stop while a tool waits: it is denied
            self.approval.reject()

    def _set_generating(self, on: bool) -> None:
        self.composer.set_generating(on)
        self.chat.set_busy(on)
        self.generating_changed.emit(on)

    def _viewing_live(self) -> bool:
        return self.live_conversation is not None and self.current_id == self.live_conversation

    def _reply_started(self, conversation_id: str, message_id: str) -> None:
        self.live_conversation = conversation_id
        self.live_message_id = message_id
        self._leaves[conversation_id] = message_id  # the new reply ends the branch shown
        if self._pending_new:
            self._pending_new = False
            self.current_id = conversation_id
            self.chat.conversation_id = conversation_id
        self.reply_started.emit(conversation_id, message_id)
        self.refresh_list()

    def _token(self, piece: str) -> None:
        self.live_text += piece
        if self._viewing_live() and is_alive(self.chat):
            self.chat.update_live(self.live_text)

    def _reply_finished(self, reply: Reply | None) -> None:
        status = getattr(reply, "status", "interrupted") if reply is not None else "interrupted"
        self._end_reply(status)
        if not is_alive(self.chat):
            return
        if reply is not None:
            self.status.show_stats(reply.stats)
            if self._viewing_live() or self.current_id == str(reply.conversation_id):
                self.status.show_context(int(reply.context_used), int(reply.context_window))
            if reply.status == "complete":
                self._title(str(reply.conversation_id))
        self.reply_finished.emit(reply)
        self._run_after_reply()

    def _reply_failed(self, message: str) -> None:
        worker = self.worker
        self._end_reply("interrupted")
        if not is_alive(self.chat):
            return
        if worker is not None and worker.message_id is None:
            # Nothing was stored: take the pending bubbles away, give the text back.
            if self.current_id is None:
                self.chat.show_conversation(None)
            if self._sent_text and not self.composer.text():
                self.composer.set_text(self._sent_text)
        if worker is not None and worker.error is not None:
            self.errors.show_exception(worker.error, worker.details if not isinstance(
                worker.error, AppError) else "")
        self.reply_failed.emit(message)
        self._run_after_reply()

    def _end_reply(self, status: str) -> None:
        self.worker = None
        if not is_alive(self.chat):  # the window went away while the reply was written
            self.generating_changed.emit(False)
            return
        if self._viewing_live() or self.chat.live is not None:
            self.chat.end_live(status)
        self._set_generating(False)
        self.reload()
        self.refresh_list()

    def after_reply(self, action: Callable[[], None]) -> None:
        """Run ``action`` once no reply is being written (now, if none is)."""
        if self.worker is None:
            action()
        else:
            self._after_reply.append(action)

    def _run_after_reply(self) -> None:
        actions, self._after_reply = self._after_reply, []
        for action in actions:
            action()

    def _title(self, conversation_id: str) -> None:
        convs = self.conversations
        if convs is None or conversation_id not in self._provisional:
            return
        self._provisional.discard(conversation_id)
        if not self.auto_title:
            return

        def titled(_title: str) -> None:
            self.titled.emit(conversation_id)
            self.refresh_list()

        self.taskman.run(lambda: convs.auto_title(conversation_id), titled,
                         lambda exc: log.info("no title from the model: %s", exc))

    # -- documents: the collections a conversation answers from --------------------------------

    def attach_collections(self, chooser: CollectionChooser) -> None:
        """Answer each question of a conversation from the collections ``chooser`` shows for
        it (kept in the conversation's settings), citing their passages; beside it, the
        conversation's tools."""
        from app.gui.chat_tools import ToolsChooser

        self.chooser = chooser
        chooser.changed.connect(self._choice_changed)
        tools = ToolsChooser(chooser)
        chooser.add_control(tools)
        self.attach_tools(tools)

    # -- tools: those a conversation's replies may call ----------------------------------------

    def attach_tools(self, chooser: ToolsChooser) -> None:
        self.tools_chooser = chooser
        chooser.changed.connect(self._tools_changed)
        chooser.servers_requested.connect(self.edit_tool_servers)

    def edit_tool_servers(self) -> None:
        """The MCP servers dialog; once saved, the Tools menu lists their tools."""
        from app.gui.tool_servers import ToolServersDialog

        dialog = ToolServersDialog(self.ctx.settings, self.chat.window())
        self.servers_dialog = dialog
        dialog.accepted.connect(lambda: self._show_tools(self.current_id, again=True))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _show_tools(self, conversation_id: str | None, *, again: bool = False) -> None:
        """The tools this computer offers, and those the open conversation has ticked;
        found off the GUI thread (a tool server may have to start)."""
        from app.services.conversation_tools import tool_choices, tools_required

        convs = self.conversations
        if self.tools_chooser is None or convs is None or (
                not again and conversation_id is not None
                and conversation_id == self._tools_shown_for):
            return
        self._tools_shown_for = conversation_id
        self._tool_loads += 1
        load = self._tool_loads

        def find() -> tuple[list[Any], list[str], bool]:
            problems: list[str] = []
            choices = tool_choices(convs, conversation_id, problems)
            required = tools_required(convs, conversation_id) if conversation_id else False
            return choices, problems, required

        def show(found: tuple[list[Any], list[str], bool]) -> None:
            if load == self._tool_loads and self.tools_chooser is not None:
                self.tools_chooser.set_choices(*found)

        self.taskman.run(find, show, lambda exc: log.info("no tools to offer: %s", exc))

    def _tools_changed(self, names: object, required: bool) -> None:
        """Keep the ticked tools with the open conversation (a new chat gets them with its
        first message); one the policy forbids is refused and the menu shown again."""
        from app.services.conversation_tools import set_tools

        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None or not isinstance(names, list):
            return

        def refused(exc: BaseException) -> None:
            self.errors.show_exception(exc)
            self._show_tools(cid, again=True)

        self._save_latest(("tools", cid), lambda: set_tools(convs, cid, names, required), refused)

    def _documents(self) -> Documents | None:
        if self.documents is None and self.conversations is not None:
            from app.services.documents import Documents

            self.documents = Documents(self.ctx, self.conversations.store)
        return self.documents

    def collection_names(self) -> list[str]:
        docs = self._documents()
        return [c.name for c in docs.collections()] if docs is not None else []

    def _show_choice(self, conversation_id: str | None) -> None:
        """The open conversation's collections in the chooser (none for a new chat)."""
        from app.services.doc_chat import DocumentChoice, choice_of

        convs = self.conversations
        if self.chooser is None or (conversation_id is not None
                                    and conversation_id == self._choice_shown_for):
            return
        self._choice_shown_for = conversation_id
        choice = DocumentChoice()
        if conversation_id is not None and convs is not None:
            try:
                choice = choice_of(convs.store, conversation_id)
            except AppError as err:  # deleted meanwhile: show none
                log.info("no collections for %s: %s", conversation_id, err)
        self.chooser.set_choice(choice)

    def _choice_changed(self, choice: object) -> None:
        """Keep the user's choice with the open conversation; a new chat keeps it in the
        chooser until its first message makes the conversation."""
        from app.services.doc_chat import DocumentChoice, set_choice

        convs, cid = self.conversations, self.current_id
        if convs is None or cid is None or not isinstance(choice, DocumentChoice):
            return
        self._save_latest(("documents", cid), lambda: set_choice(convs.store, cid, choice))

    def _save_latest(self, key: tuple[str, str], write: Callable[[], Any],
                     failure: Callable[[BaseException], None] | None = None) -> None:
        """Save a choice the user may change again at once (ticks in a menu) off the GUI
        thread, the newest last: the pool runs jobs side by side, so an older write could
        land after a newer one and the user's last click be lost. Each job writes whatever
        is newest for ``key`` when it runs, one job at a time."""
        with self._latest_lock:
            self._latest[key] = write

        def newest() -> None:
            with self._saving_lock:
                with self._latest_lock:
                    op = self._latest.pop(key, None)
                if op is not None:
                    op()

        self.taskman.run(newest, lambda _r: None, failure)

    # -- rename, delete, undo, export ---------------------------------------------------------

    def rename(self, conversation_id: str, title: str) -> None:
        convs = self.conversations
        if convs is not None:
            self.taskman.run(lambda: convs.rename(conversation_id, title),
                             lambda _r: self.refresh_list())

    def delete(self, conversation_id: str) -> None:
        convs = self.conversations
        if convs is None:
            return
        title = next((t for i, t in zip(self.list.ids(), self.list.titles(), strict=False)
                      if i == conversation_id), "")
        if self.generating and self.live_conversation == conversation_id:
            self.stop()

        def done(_r: object) -> None:
            self.list.show_undo(conversation_id, title)
            if self.current_id == conversation_id:
                self.new_chat()
            self.deleted.emit(conversation_id)
            self.refresh_list()

        self.taskman.run(lambda: convs.delete(conversation_id), done)

    def restore(self, conversation_id: str) -> None:
        convs = self.conversations
        if convs is None:
            return

        def done(_r: object) -> None:
            self.current_id = conversation_id
            self.refresh_list(then=lambda: (self.list.select(conversation_id), self.reload(),
                                            self.restored.emit(conversation_id)))

        self.taskman.run(lambda: convs.restore(conversation_id), done)

    def close(self) -> None:
        if self.conversations is not None:
            self.conversations.close()
            self.conversations = None

    def export(self, conversation_id: str, fmt: str) -> None:
        from app.gui.qt import QCoreApplication, QFileDialog

        suffix = ".md" if fmt == "markdown" else ".json"
        dialog = QFileDialog(self.list.window(),
                             QCoreApplication.translate("ChatController", "Export conversation"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix.lstrip("."))
        dialog.selectFile(f"conversation{suffix}")
        dialog.fileSelected.connect(lambda path: self.export_to(conversation_id, fmt, Path(path)))
        dialog.open()

    def export_to(self, conversation_id: str, fmt: str, path: Path) -> None:
        convs = self.conversations
        if convs is None:
            return

        def write() -> Path:
            text = convs.export(conversation_id, fmt=fmt)
            path.write_text(text, encoding="utf-8")
            return path

        self.taskman.run(write, lambda p: self.status.showMessage(str(p), 5000))
