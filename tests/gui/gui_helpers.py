"""Helpers for the GUI tests: typing and sending as a user does, and waiting for replies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from app.gui.main_window import MainWindow
from app.gui.qt import Qt

# Replies are kept short: the tests are about what the window does with a reply, and
# the machine running them may be busy.
REPLY_TOKENS = 12
WAIT_MS = 120_000


def shared_loader(model: Any, gate: threading.Event | None = None) -> Callable[..., Any]:
    def load(progress: Callable[[int, int], None], cancel: threading.Event) -> Any:
        if gate is not None:
            gate.wait(60)
        return model

    return load


def send(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` into the input box and press Enter, as a user would."""
    edit = window.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def send_and_wait(qtbot, window: MainWindow, text: str) -> Any:  # type: ignore[no-untyped-def]
    """Send ``text``; return the Reply once it has ended and the view shows what was stored."""
    replies: list[Any] = []
    window.controller.reply_finished.connect(replies.append)
    # After a reply the window reloads the conversation and the list: wait until all
    # background work has drained.
    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        send(qtbot, window, text)
    window.controller.reply_finished.disconnect(replies.append)
    return replies[0]
