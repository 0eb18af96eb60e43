"""The long jobs the GUI runs in QThreads: writing a reply, loading a model, verifying models.

Each calls the services only, with a ``threading.Event`` for Stop, and reports
through the ``Worker`` signals (``token``, ``progress``, ``finished``, ``failed``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.gui.qt import Signal
from app.gui.taskman import Worker

if TYPE_CHECKING:
    from app.services.context import AppContext
    from app.services.conversations import Reply
    from app.services.models import ModelEntry


class _Throttle:
    """Forward (done, total) progress only when the whole percentage changes."""

    def __init__(self, emit: Callable[[int, int], None]) -> None:
        self.emit = emit
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = int(done * 100 / total) if total > 0 else -1
        if pct != self.last or done >= total:
            self.last = pct
            self.emit(int(done), int(total))


class ReplyWorker(Worker):
    """Streams one reply: ``start(cancel)`` calls the service (send, regenerate, edit…)."""

    started = Signal(str, str)  # conversation id, message id of the reply

    def __init__(self, start: Callable[[threading.Event], Reply], conversation_id: str) -> None:
        super().__init__()
        self._start = start
        self.conversation_id = conversation_id
        self.message_id: str | None = None
        self.tokens = 0
        self.tokens_after_stop = 0  # pieces yielded after Stop was seen: "within one token"

    def work(self) -> Reply:
        reply = self._start(self.cancel)
        self.conversation_id = str(reply.conversation_id)
        self.message_id = str(reply.message_id)
        self.started.emit(self.conversation_id, self.message_id)
        for piece in reply:
            self.tokens += 1
            if self.cancel.is_set():
                self.tokens_after_stop += 1
            self.token.emit(piece)
        return reply


class ModelLoadWorker(Worker):
    """Loads (and first verifies) a model; ``progress`` follows the hashing."""

    def __init__(self, load: Callable[..., Any]) -> None:
        super().__init__()
        self._load = load

    def work(self) -> Any:
        from app.gui.earlyinit import import_llama

        import_llama()  # a broken llama-cpp-python says so here, in one message
        return self._load(progress=_Throttle(self.progress.emit), cancel=self.cancel)


class VerifyWorker(Worker):
    """Verifies models one after another; ``entry_done(index, entry)`` after each."""

    entry_done = Signal(int, object)

    def __init__(self, ctx: AppContext, paths: list[Path]) -> None:
        super().__init__()
        self.ctx = ctx
        self.paths = paths

    def work(self) -> list[ModelEntry]:
        from app.errors import Cancelled
        from app.services.models import verify_entry

        out = []
        for i, path in enumerate(self.paths):
            if self.cancel.is_set():
                raise Cancelled()
            entry = verify_entry(self.ctx, path, progress=_Throttle(self.progress.emit),
                                 cancel=self.cancel)
            out.append(entry)
            self.entry_done.emit(i, entry)
        return out


class ImportWorker(Worker):
    """Copies a GGUF file (and its manifest) into the models folder, then verifies the copy;
    ``phase("copying" | "verifying")`` says which part ``progress`` follows."""

    phase = Signal(str)

    def __init__(self, ctx: AppContext, source: Path) -> None:
        super().__init__()
        self.ctx = ctx
        self.source = source

    def work(self) -> ModelEntry:
        from app.catalog.catalog import import_model
        from app.errors import Cancelled
        from app.services.models import verify_entry

        self.phase.emit("copying")
        dest = import_model(self.source, self.ctx.paths.models, copy=True,
                            progress=_Throttle(self.progress.emit))
        if self.cancel.is_set():
            raise Cancelled()
        self.phase.emit("verifying")
        return verify_entry(self.ctx, dest, progress=_Throttle(self.progress.emit),
                            cancel=self.cancel)


class ToolsReplyWorker(Worker):
    """Writes one reply with the conversation's tools: ``start(cancel, hooks)`` calls the
    service; each call is reported by ``tool_called``, and a tool with effects waits for
    the user, asked on the GUI thread through ``approval_needed`` and answered with
    ``answer``; Stop (or closing the question) denies it."""

    started = Signal(str, str)  # conversation id, message id of the reply
    tool_called = Signal(object)  # the ToolCall, once made (or refused)
    approval_needed = Signal(str, object)  # tool name, its arguments

    def __init__(self, start: Callable[..., Any], conversation_id: str) -> None:
        super().__init__()
        self._start = start
        self.conversation_id = conversation_id
        self.message_id: str | None = None
        self._decided = threading.Event()
        self._allowed = False

    def work(self) -> Any:
        def begun(conversation_id: str, message_id: str) -> None:
            self.conversation_id, self.message_id = conversation_id, message_id
            self.started.emit(conversation_id, message_id)

        return self._start(self.cancel, begun=begun, on_call=self.tool_called.emit,
                           on_text=self.token.emit, approve=self._approve)

    def answer(self, allowed: bool) -> None:
        """The user's answer to the last ``approval_needed`` (any thread)."""
        self._allowed = allowed
        self._decided.set()

    def _approve(self, name: str, arguments: dict[str, Any]) -> bool:
        self._decided.clear()
        self._allowed = False
        self.approval_needed.emit(name, dict(arguments))
        while not self._decided.wait(0.1):
            if self.cancel.is_set():
                return False
        return self._allowed
