"""The safety filter in the desktop app: a reply in which the model copies a resident ID
never shows a digit of it, not even for a moment while it streams, and the message is
marked with what was removed, in the language of the UI."""

from __future__ import annotations

import pytest
from gui_helpers import WAIT_MS, send_and_wait

from app.gui.qt import Qt
from tests.policy_helpers import write_policy

pytestmark = pytest.mark.slow

ID = "11010519491231002X"
COPY_IT = f"My ID number is {ID}. What is my ID number?"  # the greedy model repeats it


def shows_a_piece_of_the_id(text: str) -> bool:
    return any(ID[i:i + 2] in text for i in range(len(ID) - 1))


@pytest.mark.parametrize("language, label, marker", [
    ("en", "[ID number removed]", ("Safety filter: ", "ID number removed")),
    ("zh_CN", "[身份证号已隐藏]", ("安全过滤：", "已隐藏身份证号")),
])
def test_a_copied_id_never_shows_while_streaming_and_the_message_says_why(
        qtbot, ctx, gui_settings, make_window, language: str, label: str, marker: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    for name, value in (("temperature", 0.0), ("max_tokens", 30), ("system_prompt", "")):
        ctx.settings.set(name, value)
    window = make_window()
    gui_settings.translations.apply(language)
    ctx.settings.set("language", language)
    pieces: list[str] = []
    drawn: list[str] = []
    window.controller.reply_started.connect(
        lambda *_: window.controller.worker.token.connect(pieces.append))
    window.chat_view.rendered.connect(lambda: drawn.append(window.chat_view.live.content))
    reply = send_and_wait(qtbot, window, COPY_IT)

    assert label in reply.text, reply.text  # the model did write the ID: the filter took it out
    streamed = ""
    for piece in pieces:
        streamed += piece
        assert not shows_a_piece_of_the_id(streamed)
    assert drawn and not any(shows_a_piece_of_the_id(text) for text in drawn)
    shown = window.chat_view.message_widgets()[-1]
    assert shown.content == reply.text and not shows_a_piece_of_the_id(shown.content)
    assert shown.safety_label.isVisible()
    assert all(part in shown.safety_label.text() for part in marker)
    stored = window.controller.conversations.get(reply.conversation_id).messages[-1]
    assert stored.content == reply.text


def test_a_prompt_the_policy_blocks_says_why_and_gives_the_text_back(
        qtbot, make_window, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.json"
    write_policy(policy, {"safety": {"actions": {"id_number": {"input": "block"}}}})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    window = make_window()
    text = f"我的身份证号是{ID}，帮我查社保"
    window.composer.set_text(text)
    with qtbot.waitSignal(window.controller.reply_failed, timeout=WAIT_MS):
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    dialog = window.errors.last_dialog
    assert dialog is not None and "This message was not sent" in dialog.message_label.text()
    assert ID not in dialog.message_label.text()
    assert window.composer.text() == text  # given back to edit, not lost
    assert window.chat_view.message_widgets() == []
    qtbot.waitUntil(lambda: window.conversation_list.ids() == [], timeout=WAIT_MS)
    dialog.close()
