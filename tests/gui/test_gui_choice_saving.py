"""A conversation's choices (its collections, its tools) change with quick clicks in a
menu and are saved off the GUI thread: the newest click is what stays, even when an
older save is still running when it comes."""

from __future__ import annotations

import threading

from gui_helpers import WAIT_MS


def test_quick_changes_of_a_choice_are_saved_newest_last(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    controller = window.controller
    release = threading.Event()
    written: list[int] = []

    def write(value: int):  # type: ignore[no-untyped-def]
        def save() -> None:
            if value == 1:
                release.wait(30)  # the first save is slow (a busy disk)
            written.append(value)
        return save

    key = ("documents", "a conversation")
    controller._save_latest(key, write(1))
    qtbot.waitUntil(lambda: not controller._latest, timeout=WAIT_MS)  # the first is running
    controller._save_latest(key, write(2))
    controller._save_latest(key, write(3))
    release.set()
    qtbot.waitUntil(lambda: written[-1:] == [3] and not controller._latest, timeout=WAIT_MS)
    assert written == [1, 3]  # the second was superseded before it ran; nothing after the third
