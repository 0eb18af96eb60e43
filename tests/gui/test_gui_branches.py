"""Versions of a conversation in the main window with the real default model: ‹ › beside
"version i of n" show another branch, and what is sent or regenerated next goes on
the branch shown, not the newest one."""

from __future__ import annotations

import pytest
from gui_helpers import WAIT_MS, send, send_and_wait

from app.gui.qt import Qt

pytestmark = pytest.mark.slow


def click_and_wait(qtbot, window, button) -> None:  # type: ignore[no-untyped-def]
    """Click ``button``; return once the conversation is shown again and all work is done."""
    with qtbot.waitSignals([window.controller.shown, window.taskman.drained], timeout=WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def regenerate_and_wait(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    last = window.chat_view.message_widgets()[-1]
    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        qtbot.mouseClick(last.regenerate_button, Qt.MouseButton.LeftButton)


def shown(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.content for w in window.chat_view.message_widgets()]


def test_switching_versions_and_continuing_the_one_shown(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    first = send_and_wait(qtbot, window, "Name a planet.")
    cid = first.conversation_id
    question_id = window.chat_view.message_widgets()[0].message_id
    answer = window.chat_view.message_widgets()[-1]
    assert not answer.previous_button.isVisible()  # one version: nothing to switch
    window.ctx.settings.set("seed", 8)  # another seed, so the second reply reads differently
    regenerate_and_wait(qtbot, window)
    convs = window.controller.conversations
    second = convs.get(cid).messages[-1]
    assert second.sibling_ids == (first.message_id, second.id)
    assert second.content != first.text

    answer = window.chat_view.message_widgets()[-1]
    assert "version 2 of 2" in answer.meta_label.text()
    assert answer.previous_button.isVisible() and answer.previous_button.isEnabled()
    assert answer.next_button.isVisible() and not answer.next_button.isEnabled()
    assert answer.previous_button.accessibleName() == "Previous version"
    assert answer.next_button.accessibleName() == "Next version"

    click_and_wait(qtbot, window, answer.previous_button)
    assert shown(window) == ["Name a planet.", first.text]
    answer = window.chat_view.message_widgets()[-1]
    assert answer.message_id == first.message_id
    assert "version 1 of 2" in answer.meta_label.text()
    assert not answer.previous_button.isEnabled() and answer.next_button.isEnabled()

    # The follow-up goes under the version shown (the first reply), not the newest.
    follow = send_and_wait(qtbot, window, "And its largest moon?")
    branch = convs.get(cid, leaf_id=follow.message_id).messages
    assert [m.id for m in branch[:2]] == [question_id, first.message_id]
    assert branch[2].content == "And its largest moon?" and branch[2].parent_id == first.message_id
    assert [m.id for m in convs.get(cid, leaf_id=second.id).messages] == [question_id, second.id]
    assert shown(window) == ["Name a planet.", first.text, "And its largest moon?", follow.text]

    # › back to the second reply: its branch has no follow-up.
    answer = window.chat_view.message_widgets()[1]
    assert "version 1 of 2" in answer.meta_label.text()
    click_and_wait(qtbot, window, answer.next_button)
    assert shown(window) == ["Name a planet.", second.content]
    assert "version 2 of 2" in window.chat_view.message_widgets()[-1].meta_label.text()

    # Regenerate answers the question of the branch shown, though the newest branch
    # (the follow-up's) ends with another question.
    regenerate_and_wait(qtbot, window)
    third = convs.get(cid).messages[-1]
    assert third.parent_id == question_id and third.sibling_ids[:2] == (first.message_id, second.id)
    assert shown(window) == ["Name a planet.", third.content]
    assert "version 3 of 3" in window.chat_view.message_widgets()[-1].meta_label.text()


def test_versions_cannot_be_switched_while_a_reply_is_written(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    first = send_and_wait(qtbot, window, "Name a colour.")
    window.ctx.settings.set("seed", 8)
    regenerate_and_wait(qtbot, window)
    before = shown(window)

    window.ctx.settings.set("max_tokens", 400)
    send(qtbot, window, "Count from one to two hundred in words, one number per line.")
    with qtbot.waitSignal(window.controller.worker.token, timeout=WAIT_MS):
        pass
    answer = window.chat_view.message_widgets()[1]
    assert "version 2 of 2" in answer.meta_label.text()
    assert answer.previous_button.isVisible() and not answer.previous_button.isEnabled()
    running = window.taskman.pending
    window.controller.show_version(first.message_id)  # as a click would, were it possible
    assert window.taskman.pending == running  # no load was started
    assert window.chat_view.message_widgets()[1] is answer

    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        window.controller.stop()
    assert shown(window)[:2] == before
    answer = window.chat_view.message_widgets()[1]
    assert answer.previous_button.isEnabled() and not answer.next_button.isEnabled()
