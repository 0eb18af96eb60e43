"""The main window with the real default model: sending, streaming, stopping, switching,
deleting and undoing, regenerating and editing, as a user does them."""

from __future__ import annotations

import pytest
from gui_helpers import WAIT_MS, send, send_and_wait

from app.gui.qt import QApplication, Qt
from app.services.model_names import display_name

pytestmark = pytest.mark.slow

LONG_PROMPT = "Count from one to two hundred in words, one number per line."


def stored(window, conversation_id: str):  # type: ignore[no-untyped-def]
    return window.controller.conversations.get(conversation_id)


def test_a_sent_prompt_streams_into_the_view_and_is_stored(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    renders: list[str] = []
    window.chat_view.rendered.connect(lambda: renders.append(window.chat_view.live.content))
    reply = send_and_wait(qtbot, window, "Say hello to the analysts.")

    assert reply.status == "complete" and reply.text.strip()
    assert renders, "the reply was drawn while it streamed, not only at the end"
    view = stored(window, reply.conversation_id)
    assert [m.role for m in view.messages] == ["user", "assistant"]
    assert view.messages[0].content == "Say hello to the analysts."
    assert view.messages[1].content == reply.text
    on_screen = window.chat_view.message_widgets()
    assert [w.content for w in on_screen] == ["Say hello to the analysts.", reply.text]
    assert all(w.message_id for w in on_screen), "the view shows the stored messages"
    # The conversation is listed and selected; the status bar tells how it went.
    assert window.conversation_list.ids() == [reply.conversation_id]
    assert window.conversation_list.current_id() == reply.conversation_id
    assert "tok/s" in window.status.speed_label.text()
    assert window.status.context_label.text().startswith("Context ")
    assert window.status.backend_label.text().startswith("CPU")
    assert window.status.model_label.text() == (
        f"Model: {display_name(window.model.info, window.model.path)}")


def test_shift_enter_adds_a_line_and_enter_sends(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    edit = window.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "first line")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "second line")
    assert edit.toPlainText() == "first line\nsecond line"
    assert not window.controller.generating
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.toPlainText() == ""


def test_a_long_paste_goes_in_whole(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(f"line {i}: " + "word " * 20 for i in range(400))
    QApplication.clipboard().setText(text)
    window.composer.edit.setFocus()
    window.composer.edit.paste()
    assert window.composer.text() == text
    assert window.composer.send_button.isEnabled()


def test_stop_ends_the_reply_within_one_token_and_keeps_it(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set("max_tokens", 400)
    send(qtbot, window, LONG_PROMPT)
    worker = window.controller.worker
    assert worker is not None and window.composer.stop_button.isVisible()
    with qtbot.waitSignal(worker.token, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(window.composer.stop_button, Qt.MouseButton.LeftButton)
    reply = blocker.args[0]

    assert worker.tokens_after_stop <= 1
    assert reply.status == "interrupted"
    assert reply.stats.generated_tokens < 400
    message = stored(window, reply.conversation_id).messages[-1]
    assert message.status == "interrupted" and message.content == reply.text
    qtbot.waitUntil(lambda: window.chat_view.message_widgets()[-1].message_id == message.id,
                    timeout=WAIT_MS)
    last = window.chat_view.message_widgets()[-1]
    assert last.content == reply.text and "stopped" in last.meta_label.text()
    assert window.composer.send_button.isVisible() and not window.composer.stop_button.isVisible()


def test_escape_stops_the_reply(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set("max_tokens", 400)
    send(qtbot, window, LONG_PROMPT)
    with qtbot.waitSignal(window.controller.worker.token, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
    assert blocker.args[0].status == "interrupted"


def test_switching_conversation_mid_reply_is_safe(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    first = send_and_wait(qtbot, window, "Name a colour.")
    first_texts = [w.content for w in window.chat_view.message_widgets()]

    window.ctx.settings.set("max_tokens", 60)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # new chat
    assert window.chat_view.message_widgets() == []
    send(qtbot, window, LONG_PROMPT)
    worker = window.controller.worker
    with qtbot.waitSignal(worker.token, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(window.controller.shown, timeout=WAIT_MS):
        assert window.conversation_list.select(first.conversation_id)
    assert [w.content for w in window.chat_view.message_widgets()] == first_texts
    # Tokens keep coming for the other conversation and do not reach this one.
    for _ in range(3):
        with qtbot.waitSignal(worker.token, timeout=WAIT_MS):
            pass
    assert [w.content for w in window.chat_view.message_widgets()] == first_texts
    assert window.chat_view.live is None

    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS) as blocker:
        pass
    second = blocker.args[0]
    assert second.conversation_id != first.conversation_id
    assert [w.content for w in window.chat_view.message_widgets()] == first_texts
    with qtbot.waitSignal(window.controller.shown, timeout=WAIT_MS):
        window.conversation_list.select(second.conversation_id)
    shown = window.chat_view.message_widgets()
    assert [w.content for w in shown] == [LONG_PROMPT, second.text]
    assert stored(window, second.conversation_id).messages[-1].content == second.text


def test_switching_back_mid_reply_shows_it_still_growing(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    first = send_and_wait(qtbot, window, "Name a fruit.")
    window.ctx.settings.set("max_tokens", 400)
    window.controller.new_chat()
    send(qtbot, window, LONG_PROMPT)
    worker = window.controller.worker
    with qtbot.waitSignal(window.controller.reply_started, timeout=WAIT_MS) as started:
        pass
    second_id = started.args[0]
    # The list learns of the new conversation in a refresh of its own; select only once
    # it is there, or the select is a no-op and the next `shown` is some other load.
    qtbot.waitUntil(lambda: second_id in window.conversation_list.ids(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.controller.shown, timeout=WAIT_MS):
        assert window.conversation_list.select(first.conversation_id)
    with qtbot.waitSignal(window.controller.shown, timeout=WAIT_MS):
        assert window.conversation_list.select(second_id)
    if window.controller.worker is not worker:
        # The model ended its reply (EOS) while we were away: it must be shown whole.
        assert window.chat_view.live is None
        assert stored(window, second_id).messages[-1].content == \
            window.chat_view.message_widgets()[-1].content
        return
    assert window.chat_view.live is not None
    with qtbot.waitSignal(window.chat_view.rendered, timeout=WAIT_MS):
        pass
    assert window.chat_view.live.content == window.controller.live_text[: len(window.chat_view.live.content)]
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS):
        worker.cancel.set()


def test_delete_then_undo_brings_the_conversation_back(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    reply = send_and_wait(qtbot, window, "Remember the number seven.")
    cid = reply.conversation_id
    conversations = window.conversation_list
    assert conversations.current_id() == cid

    with qtbot.waitSignals([window.controller.deleted, window.taskman.drained], timeout=WAIT_MS):
        qtbot.mouseClick(conversations.delete_button, Qt.MouseButton.LeftButton)
    assert cid not in conversations.ids()
    assert conversations.undo_bar.isVisible()
    assert window.chat_view.message_widgets() == []

    with qtbot.waitSignals([window.controller.restored, window.taskman.drained], timeout=WAIT_MS):
        qtbot.mouseClick(conversations.undo_button, Qt.MouseButton.LeftButton)
    assert cid in conversations.ids() and conversations.current_id() == cid
    assert not conversations.undo_bar.isVisible()
    assert [w.content for w in window.chat_view.message_widgets()][0] == "Remember the number seven."


def test_rename_and_search(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    reply = send_and_wait(qtbot, window, "Tell me about quarterly revenue.")
    assert window.conversation_list.titles() == ["Tell me about quarterly revenue"]
    item = window.conversation_list.list.currentItem()
    with qtbot.waitSignal(window.taskman.drained, timeout=WAIT_MS):
        item.setText("Revenue notes")  # what editing the item in place (F2) ends with
    assert window.conversation_list.titles() == ["Revenue notes"]
    assert stored(window, reply.conversation_id).title == "Revenue notes"
    with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
        qtbot.keyClicks(window.conversation_list.search, "zebra")
    assert window.conversation_list.ids() == []
    with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
        window.conversation_list.search.setText("revenue")
    assert window.conversation_list.ids() == [reply.conversation_id]


def test_regenerate_and_edit_and_resend_make_new_versions(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    first = send_and_wait(qtbot, window, "Give me a word.")
    assistant = window.chat_view.message_widgets()[-1]
    assert assistant.regenerate_button.isVisible()
    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        qtbot.mouseClick(assistant.regenerate_button, Qt.MouseButton.LeftButton)
    view = stored(window, first.conversation_id)
    assert view.messages[-1].n_siblings == 2 and view.messages[-1].sibling_index == 1
    assert "version 2 of 2" in window.chat_view.message_widgets()[-1].meta_label.text()

    question = window.chat_view.message_widgets()[0]
    qtbot.mouseClick(question.edit_button, Qt.MouseButton.LeftButton)
    assert question.editor.isVisible()
    question.editor.setPlainText("Give me two words.")
    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        qtbot.mouseClick(question.save_button, Qt.MouseButton.LeftButton)
    view = stored(window, first.conversation_id)
    assert view.messages[0].content == "Give me two words." and view.messages[0].n_siblings == 2
    assert [w.content for w in window.chat_view.message_widgets()][0] == "Give me two words."


def test_copy_puts_the_message_on_the_clipboard(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    reply = send_and_wait(qtbot, window, "Say yes.")
    answer = window.chat_view.message_widgets()[-1]
    qtbot.mouseClick(answer.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == reply.text


def test_export_writes_markdown(qtbot, window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reply = send_and_wait(qtbot, window, "Say export.")
    out = tmp_path / "out.md"
    window.controller.export_to(reply.conversation_id, "markdown", out)
    qtbot.waitUntil(out.exists, timeout=WAIT_MS)
    assert "Say export." in out.read_text(encoding="utf-8")


def test_closing_mid_reply_asks_then_stops_cleanly(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.ctx.settings.set("max_tokens", 400)
    send(qtbot, window, LONG_PROMPT)
    with qtbot.waitSignal(window.controller.worker.token, timeout=WAIT_MS):
        pass
    with qtbot.waitSignal(window.close_asked, timeout=WAIT_MS):
        window.close()
    assert window.isVisible() and window.controller.generating  # asked, not closed yet
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(window.quit_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].status == "interrupted"
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert window.taskman.pending == 0


def test_the_model_titles_a_new_conversation_after_its_first_reply(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(auto_title=True)
    listings: list[list[str]] = []
    window.controller.listed.connect(lambda: listings.append(window.conversation_list.titles()))
    with qtbot.waitSignal(window.controller.titled, timeout=WAIT_MS):
        reply = send_and_wait(qtbot, window, "Summarise the benefits of solar power.")
    # Until the model has written one, the question's first words are the title.
    assert listings[0] == ["Summarise the benefits of solar power"]
    title = stored(window, reply.conversation_id).title
    assert title and listings[-1] == [title] == window.conversation_list.titles()


def test_dialogs_open_while_a_reply_streams(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set("max_tokens", 400)
    send(qtbot, window, LONG_PROMPT)
    worker = window.controller.worker
    with qtbot.waitSignal(worker.token, timeout=WAIT_MS):
        pass
    window.settings_action.trigger()
    window.models_action.trigger()
    manager = window.model_manager
    with qtbot.waitSignal(manager.verified, timeout=WAIT_MS):
        pass
    assert window.controller.generating
    manager.close()
    window.settings_dialog.reject()
    with qtbot.waitSignal(window.controller.reply_finished, timeout=WAIT_MS):
        window.stop_action.trigger()


def test_a_failing_store_shows_a_dialog_and_the_window_recovers(qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.errors import StoreError

    def full_disk(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise StoreError("cannot save the message: the disk is full (No space left on device)")

    monkeypatch.setattr(window.controller.conversations, "send", full_disk)
    monkeypatch.setattr(window.controller.conversations, "create",
                        lambda **kw: type("V", (), {"id": "x"})())
    with qtbot.waitSignal(window.controller.reply_failed, timeout=WAIT_MS):
        send(qtbot, window, "This will not be saved.")
    dialog = window.errors.last_dialog
    assert dialog is not None and "the disk is full" in dialog.message_label.text()
    assert not window.controller.generating and window.composer.send_button.isVisible()
    assert window.composer.text() == "This will not be saved."  # given back, not lost
    assert window.chat_view.message_widgets() == []
    dialog.close()
    monkeypatch.undo()
    window.composer.set_text("")
    reply = send_and_wait(qtbot, window, "And now it works.")
    assert reply.status == "complete"
