"""The encrypted store in the desktop app: on a machine with no keyring the window asks for
a passphrase, says where the key is kept, and refuses a wrong passphrase without losing
anything; About says whether the conversations are encrypted."""

from __future__ import annotations

from collections.abc import Callable

import keyring
import pytest
from gui_helpers import WAIT_MS, send_and_wait
from keyring.backends import fail

from app.gui.qt import QApplication, QDialogButtonBox, QMessageBox, QTimer
from app.gui.store_unlock import PassphraseDialog
from app.services.context import AppContext
from app.store import cipher

PASSPHRASE = "a long enough passphrase"


def answer_passphrases(answers: list[str], seen: list[PassphraseDialog]) -> None:
    """Each time a passphrase dialog comes up, type the next answer (twice where it asks
    twice) and press OK, as a user would."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog) or dialog in seen:
            if len(seen) < len(answers):
                QTimer.singleShot(20, fill)
            return
        text = answers[len(seen)]
        seen.append(dialog)
        dialog.passphrase.setText(text)
        if dialog.creating:
            dialog.again.setText(text)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        if len(seen) < len(answers):
            QTimer.singleShot(20, fill)

    QTimer.singleShot(0, fill)


@pytest.fixture
def no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_window_asks_for_a_passphrase_and_encrypts(
    qtbot, make_window: Callable[..., object], ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    seen: list[PassphraseDialog] = []
    answer_passphrases([PASSPHRASE], seen)
    window = make_window()
    assert seen and seen[0].creating, "the window should have asked for a new passphrase"
    assert ctx.secrets.vault_path.exists()
    assert window.notice_bar.isVisible()
    assert str(ctx.secrets.vault_path) in window.notice_bar.label.text()
    send_and_wait(qtbot, window, "Remember the Zanzibar ledger.")
    assert cipher.file_kind(ctx.paths.database) == "encrypted"
    for path in ctx.paths.data.iterdir():
        if path.is_file():
            assert b"Zanzibar" not in path.read_bytes(), path.name


@pytest.mark.usefixtures("no_keyring")
def test_a_wrong_passphrase_is_asked_again_with_the_reason(
    qtbot, make_window: Callable[..., object], ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    ctx.secrets.unlock(PASSPHRASE)  # an earlier session made the locked file...
    del ctx.__dict__["secrets"]  # ...and this is a new one: the file is locked again
    seen: list[PassphraseDialog] = []
    answer_passphrases(["not the passphrase", PASSPHRASE], seen)
    window = make_window()
    assert len(seen) == 2 and not seen[0].creating
    assert "Wrong passphrase" in seen[1].error.text()
    assert window.controller.conversations is not None
    assert cipher.file_kind(ctx.paths.database) == "encrypted"


@pytest.mark.usefixtures("no_keyring")
def test_cancelling_the_passphrase_stores_unencrypted_and_says_so(
    qtbot, make_window: Callable[..., object], ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, cancel)
            return
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, cancel)
    window = make_window()
    assert cipher.file_kind(ctx.paths.database) == "plain"
    assert window.notice_bar.isVisible()
    assert "stored unencrypted" in window.notice_bar.label.text()


def test_about_says_the_conversations_are_encrypted_and_where_the_key_is(
    qtbot, make_window: Callable[..., object], ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    window = make_window()
    texts: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        texts.append(box.text())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.about()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(texts), timeout=WAIT_MS)
    assert "Your conversations are encrypted" in texts[0]
    assert "system keyring" in texts[0]
