"""Documents in the chat window: the user ticks collections for the open conversation, each
question is then answered from them with the cited passages under the answer, the choice
stays with the conversation, and "Read whole documents" is shown as such. The real main
window offscreen, the real default model, a real encrypted store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt", reason="the GUI tests need pytest-qt (make test installs it)")

from app.gui.app import configure_application  # noqa: E402
from app.gui.chat_collections import SourcesView  # noqa: E402
from app.gui.main_window import MainWindow  # noqa: E402
from app.gui.qt import Qt  # noqa: E402
from app.services.context import AppContext  # noqa: E402
from app.services.doc_chat import DocumentChoice, choice_of  # noqa: E402
from app.services.documents import open_documents  # noqa: E402

WAIT_MS = 120_000


@pytest.fixture
def window(qtbot, qapp, ctx: AppContext, loaded_model, library: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    for name, value in (("max_tokens", 24), ("temperature", 0.0), ("seed", 7),
                        ("language", "en"), ("theme", "light")):
        ctx.settings.set(name, value)
    with open_documents(ctx) as docs:
        docs.add("Ops", [library])
        docs.add("Falcon", [library / "notes.md"])
    gui = configure_application(qapp, ctx)

    def load(progress: Callable[[int, int], None], cancel: threading.Event) -> Any:
        return loaded_model

    win = MainWindow(ctx, model_loader=load, owns_model=False)
    win.controller.auto_title = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignals([win.model_ready, win.controller.listed], timeout=WAIT_MS):
        win.start()
    yield win
    if win.controller.worker is not None:
        with qtbot.waitSignal(win.controller.generating_changed, timeout=WAIT_MS):
            win.controller.stop()
    win._quitting = True
    win.close()
    gui.translations.apply("en")


def ask(qtbot, win: MainWindow, text: str) -> Any:  # type: ignore[no-untyped-def]
    replies: list[Any] = []
    win.controller.reply_finished.connect(replies.append)
    with qtbot.waitSignals([win.controller.reply_finished, win.taskman.drained],
                           timeout=WAIT_MS):
        edit = win.composer.edit
        edit.setFocus()
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    win.controller.reply_finished.disconnect(replies.append)
    return replies[0]


def sources_under_last_answer(win: MainWindow) -> str:
    last = win.chat_view.message_widgets()[-1]
    view = last.findChild(SourcesView, "messageSources")
    return view.text() if view is not None else ""


def test_a_conversation_answers_from_the_collections_ticked_for_it_with_citations(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chooser = window.chat_collections
    assert chooser.button.text() == "the model alone" and not chooser.whole.isEnabled()
    chooser.refresh()  # as when the menu opens
    assert set(chooser.actions_by_name()) == {"Ops", "Falcon"}
    chooser.actions_by_name()["Ops"].setChecked(True)
    assert chooser.button.text() == "Ops"

    reply = ask(qtbot, window, "How many pallets does the Harbin warehouse hold?")
    assert reply.status == "complete"
    shown = sources_under_last_answer(window)
    assert "report.pdf, page 2" in shown and "4,200 pallets" in shown
    assert "long-context" not in shown
    first = window.controller.current_id
    assert first is not None
    store = window.controller.conversations.store
    assert choice_of(store, first) == DocumentChoice(("Ops",), False)

    window.controller.new_chat()  # a new chat starts with the model alone
    assert chooser.choice() == DocumentChoice() and chooser.button.text() == "the model alone"
    with qtbot.waitSignal(window.controller.shown, timeout=WAIT_MS):
        window.controller.open(first)
    assert chooser.choice() == DocumentChoice(("Ops",), False)  # the choice came back with it
    assert "report.pdf, page 2" in sources_under_last_answer(window)  # kept with the answer

    chooser.refresh()
    chooser.actions_by_name()["Ops"].setChecked(False)
    chooser.actions_by_name()["Falcon"].setChecked(True)
    chooser.whole.setChecked(True)  # long-context mode: this document fits the window
    qtbot.waitUntil(lambda: choice_of(store, first) == DocumentChoice(("Falcon",), True),
                    timeout=WAIT_MS)
    ask(qtbot, window, "Where was the pilot measured?")
    shown = sources_under_last_answer(window)
    assert "Whole documents were read (long-context mode)." in shown and "notes.md" in shown
