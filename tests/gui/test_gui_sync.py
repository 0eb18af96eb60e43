"""Sync in the desktop app, against a real WebDAV server on 127.0.0.1: the Sync page in
Settings saves the server and the password (the password in the keyring only), Sync now
runs in the background and a second device gets what it sent, the status bar says where
sync stands (pending, synced, paused, offline, conflicts), a key moves between devices
through files, and the conflicts view restores the title another device chose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import certifi
import pytest
from gui_helpers import WAIT_MS

from app.errors import Cancelled
from app.gui.conflicts_view import ConflictsDialog
from app.gui.main_window import MainWindow
from app.gui.qt import QAbstractButton, QApplication, QDialogButtonBox, QMessageBox, Qt
from app.gui.sync_enrol import KeyFileDialog
from app.gui.sync_page import SyncPage
from app.security.secrets import SYNC_PASSWORD
from app.services import sync
from app.services.context import AppContext
from tests.sync.conftest import dav  # noqa: F401 - the real WebDAV server on 127.0.0.1
from tests.sync.dav_server import DavServer
from tests.sync.devices import Device

SYNC_WAIT_MS = 20_000
PASSPHRASE = "a long enrolment passphrase"


def _no_model(progress, cancel):  # type: ignore[no-untyped-def]
    raise Cancelled()  # these tests are about sync: no model is loaded


@pytest.fixture
def new_window(qtbot, ctx: AppContext, gui_settings) -> Iterator[Callable[[], MainWindow]]:  # type: ignore[no-untyped-def]
    """Open main windows with their store (and no model); each is closed after the test,
    once a sync it runs has ended."""
    opened: list[MainWindow] = []

    def new() -> MainWindow:
        win = MainWindow(ctx, model_loader=_no_model, owns_model=False)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        opened.append(win)
        with qtbot.waitSignal(win.controller.listed, timeout=WAIT_MS):
            win.start()
        return win

    yield new
    for win in opened:
        qtbot.waitUntil(lambda w=win: not w.sync.syncing, timeout=SYNC_WAIT_MS)
        win._quitting = True
        win.close()


@pytest.fixture
def window(new_window) -> MainWindow:  # type: ignore[no-untyped-def]
    return new_window()


@pytest.fixture
def other(tmp_path: Path, dav: DavServer, migrated_database: Path) -> Iterator[Device]:  # noqa: F811
    """Another device of the same user: its own data folder, keyring and store."""
    device = Device(tmp_path / "other-device", migrated_database, dav)
    yield device
    device.close()


def click(qtbot, button: QAbstractButton) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_sync_page(qtbot, window: MainWindow) -> SyncPage:  # type: ignore[no-untyped-def]
    window.settings_action.trigger()
    dialog = window.settings_dialog
    page = dialog.findChild(SyncPage)
    assert page is not None
    dialog.tabs.setCurrentWidget(page)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Sync"
    qtbot.waitExposed(page)
    return page


def set_up(qtbot, window: MainWindow, dav: DavServer, password: str | None = None) -> SyncPage:  # type: ignore[no-untyped-def] # noqa: F811
    """Type the server, user and password on the Sync page and save, as a user would."""
    page = open_sync_page(qtbot, window)
    page.url.setText(dav.url)
    page.user.setText(dav.user)
    page.password.setText(password or dav.password)
    click(qtbot, page.save_button)
    return page


def wait_state(qtbot, window: MainWindow, state: str) -> None:  # type: ignore[no-untyped-def]
    indicator = window.status.sync_indicator
    qtbot.waitUntil(lambda: indicator.state == state and not window.sync.syncing,
                    timeout=SYNC_WAIT_MS)


def add_conversation(qtbot, window: MainWindow, title: str) -> str:  # type: ignore[no-untyped-def]
    store = window.controller.conversations.store
    with store.repo() as repo:
        conv = repo.create_conversation(title)
        repo.add_message(conv.id, "user", "Which offices renew their lease this year?")
    with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
        window.controller.refresh_list()
    return conv.id


def enrol(device: Device, ctx: AppContext) -> None:
    """``device`` takes the data key of the app's window (as `autoglm sync enroll` would)."""
    sync.import_key(device.ctx, sync.export_key(ctx, PASSPHRASE), PASSPHRASE, device.store)


def test_without_a_server_nothing_connects_and_the_indicator_stays_hidden(
        qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    tried: list[object] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        tried.append(address)
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    add_conversation(qtbot, window, "Stays on this computer")  # a change waits to go…
    with qtbot.waitSignal(window.taskman.drained, timeout=WAIT_MS):
        window.sync.check_due()  # …the due check and the check after changes find no server
        window.sync._after_change()
    qtbot.waitUntil(lambda: window.sync.status is not None and window.sync.status.pending > 0,
                    timeout=WAIT_MS)
    assert not window.sync.syncing and window.sync.status.state == "off"
    assert not window.status.sync_indicator.isVisible()
    assert tried == []
    page = open_sync_page(qtbot, window)
    assert page.status_label.text() == "Sync is off: this computer connects to no server."
    assert not page.export_button.isEnabled()


def test_the_sync_page_saves_the_settings_and_keeps_the_password_in_the_keyring_only(
        qtbot, window, ctx, dav) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    page = open_sync_page(qtbot, window)
    page.url.setText("ftp://files.example.org/")
    page.password.setText("not kept")
    click(qtbot, page.save_button)
    assert page.error_label.text().startswith("The sync server's address must start with https://")
    assert ctx.settings.get("sync_url") == "" and ctx.secrets.get(SYNC_PASSWORD) is None

    page.url.setText(dav.url)
    page.user.setText(dav.user)
    page.password.setText(dav.password)
    page.interval.setValue(7)
    # An organisation's CA bundle, chosen with the file chooser (here: certifi's, a real one).
    click(qtbot, page.ca_bundle.choose_button)
    chooser = page.ca_bundle.chooser
    assert chooser is not None and chooser.isVisible()
    chooser.selectFile(certifi.where())
    chooser.accept()
    assert page.ca_bundle.text() == certifi.where()
    click(qtbot, page.save_button)
    assert page.error_label.text() == ""
    assert ctx.settings.get("sync_url") == dav.url
    assert ctx.settings.get("sync_ca_bundle") == certifi.where()
    assert ctx.settings.get("sync_user") == dav.user
    assert ctx.settings.get("sync_interval_minutes") == 7
    assert ctx.secrets.get(SYNC_PASSWORD) == dav.password
    assert dav.password not in ctx.paths.settings_file.read_text(encoding="utf-8")
    assert page.password.text() == ""  # never shown back
    wait_state(qtbot, window, "synced")  # saving a server syncs at once
    assert page.status_label.text().startswith("Last synced at ")
    assert "This device's sync key: " in page.key_label.text()

    # Settings opened again shows the saved values, and still not the password.
    window.settings_dialog.reject()
    page = open_sync_page(qtbot, window)
    assert (page.url.text(), page.user.text(), page.password.text()) == (dav.url, dav.user, "")
    assert page.interval.value() == 7

    # OK saves the page with the others; what setup refuses is said after Settings closed.
    page.url.setText("https://dav.example.org/")
    page.ca_bundle.edit.setText(str(ctx.paths.data / "no-such-ca.pem"))
    click(qtbot, window.settings_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert [b.windowTitle() for b in boxes] == ["Sync settings not saved"]
    assert boxes[0].text().endswith("no-such-ca.pem does not exist")
    boxes[0].reject()
    assert ctx.settings.get("sync_url") == dav.url


def test_sync_now_sends_a_new_conversation_that_a_second_device_receives(
        qtbot, window, ctx, dav, other, tmp_path) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    page = set_up(qtbot, window, dav)
    wait_state(qtbot, window, "synced")
    indicator = window.status.sync_indicator
    assert indicator.isVisible() and indicator.text() == "Synced"
    assert indicator.toolTip().startswith("Last sync at ")

    cid = add_conversation(qtbot, window, "Lease renewals")
    qtbot.waitUntil(lambda: indicator.state == "pending", timeout=WAIT_MS)
    assert indicator.text() == "2 change(s) to sync"  # the conversation and its message
    click(qtbot, page.sync_button)
    assert indicator.text() == "Syncing…" and not page.sync_button.isEnabled()
    wait_state(qtbot, window, "synced")
    assert indicator.text() == "Synced" and page.sync_button.isEnabled()

    # "Enrol another device…" saves this device's key, locked with a passphrase typed twice.
    click(qtbot, page.export_button)
    dialog = page.key_dialog
    assert isinstance(dialog, KeyFileDialog) and dialog.isVisible()
    key_file = tmp_path / "laptop.autoglm-key"
    dialog.path.setText(str(key_file))
    dialog.passphrase.setText(PASSPHRASE)
    dialog.repeat.setText(PASSPHRASE + "!")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.problem.text() == "The two passphrases differ." and not ok.isEnabled()
    dialog.repeat.setText(PASSPHRASE)
    assert ok.isEnabled()
    with qtbot.waitSignal(page.key_done, timeout=WAIT_MS):
        click(qtbot, ok)
    assert page.status_label.text().startswith(f"The key is saved in {key_file}.")
    assert PASSPHRASE not in key_file.read_text(encoding="utf-8")

    other.set_up()
    sync.import_key(other.ctx, key_file.read_text(encoding="utf-8"), PASSPHRASE, other.store)
    other.sync()
    got = other.conversations()
    assert got[cid]["title"] == "Lease renewals"
    assert [m[2] for m in got[cid]["messages"].values()] == [
        "Which offices renew their lease this year?"]


def test_a_change_made_here_is_sent_on_its_own_a_moment_later(
        qtbot, new_window, ctx, dav, other, monkeypatch) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from app.gui import sync_status

    monkeypatch.setattr(sync_status, "AFTER_CHANGE_MS", 300)  # ten seconds in the app
    win = new_window()
    set_up(qtbot, win, dav)
    wait_state(qtbot, win, "synced")
    synced: list[object] = []
    win.sync.synced.connect(synced.append)
    cid = add_conversation(qtbot, win, "Sent without asking")
    qtbot.waitUntil(lambda: len(synced) == 1, timeout=SYNC_WAIT_MS)  # nothing clicked
    wait_state(qtbot, win, "synced")
    other.set_up()
    enrol(other, ctx)
    other.sync()
    assert other.conversations()[cid]["title"] == "Sent without asking"


def test_a_key_from_another_device_brings_its_conversations_into_the_list(
        qtbot, window, dav, other, tmp_path) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    first = other
    first.set_up()
    with first.store.repo() as repo:
        repo.create_conversation("Made on the workstation")
    first.sync()
    key_file = tmp_path / "workstation.autoglm-key"
    key_file.write_text(sync.export_key(first.ctx, PASSPHRASE), encoding="utf-8")

    page = set_up(qtbot, window, dav)
    # The server holds another device's data: this one waits for its key, and says so.
    wait_state(qtbot, window, "paused")
    assert "enrol this one" in page.error_label.text()

    click(qtbot, page.import_button)
    dialog = page.key_dialog
    assert isinstance(dialog, KeyFileDialog) and not dialog.repeat.isVisible()
    dialog.path.setText(str(key_file))
    dialog.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(window.taskman.drained, timeout=WAIT_MS):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    assert page.error_label.text() == "Wrong passphrase for this sync key file"

    click(qtbot, page.import_button)
    page.key_dialog.path.setText(str(key_file))
    page.key_dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.sync.merged, timeout=SYNC_WAIT_MS):
        click(qtbot, page.key_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: "Made on the workstation" in window.conversation_list.titles(),
                    timeout=WAIT_MS)
    wait_state(qtbot, window, "synced")


def test_a_wrong_password_pauses_sync_and_says_the_server_refused_it(
        qtbot, window, ctx, dav) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    page = set_up(qtbot, window, dav, password="not the password")
    wait_state(qtbot, window, "paused")
    indicator = window.status.sync_indicator
    assert indicator.text() == "Sync paused"
    assert "refused the user name or password" in indicator.toolTip()
    assert page.error_label.text().startswith("Last error: The sync server ")
    assert "refused the user name or password" in page.error_label.text()
    assert page.status_label.text().startswith("Paused: the server refused the password")
    # Paused means no automatic attempt at all, however often the window checks.
    assert not sync.due(ctx, window.controller.conversations.store)

    # Clicking the indicator opens the Sync page; the right password starts sync again.
    window.settings_dialog.reject()
    click(qtbot, indicator)
    page = window.settings_dialog.findChild(SyncPage)
    assert window.settings_dialog.tabs.currentWidget() is page
    page.password.setText(dav.password)
    click(qtbot, window.settings_dialog.buttons.button(QDialogButtonBox.StandardButton.Apply))
    wait_state(qtbot, window, "synced")
    assert page.error_label.text() == ""


def test_an_unreachable_server_shows_offline_with_the_next_try_and_the_error(
        qtbot, window, dav) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    page = set_up(qtbot, window, dav)
    wait_state(qtbot, window, "synced")
    dav.stop()
    click(qtbot, page.sync_button)
    wait_state(qtbot, window, "offline")
    indicator = window.status.sync_indicator
    assert indicator.text().startswith("Sync offline · retrying at ")
    assert "cannot be reached" in indicator.toolTip()
    assert page.status_label.text().startswith("The server could not be reached; the next try is at ")


def test_the_conflicts_view_shows_renames_on_two_devices_restores_one_and_keeps_the_other(
        qtbot, window, ctx, dav, other) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    set_up(qtbot, window, dav)
    wait_state(qtbot, window, "synced")
    other.set_up()
    enrol(other, ctx)
    cid = add_conversation(qtbot, window, "Original")
    second = add_conversation(qtbot, window, "Second")
    window.sync.sync_now()
    wait_state(qtbot, window, "synced")
    other.sync()

    with other.store.repo() as repo:  # renamed on the other device first…
        repo.rename_conversation(cid, "Renamed on the laptop")
        repo.rename_conversation(second, "Second on the laptop")
    other.sync()
    window.controller.rename(cid, "Renamed here")  # …and here later: these are kept
    window.controller.rename(second, "Second here")
    qtbot.waitUntil(lambda: {"Renamed here", "Second here"} <= set(window.conversation_list.titles()),
                    timeout=WAIT_MS)
    window.sync.sync_now()
    wait_state(qtbot, window, "conflicts")
    indicator = window.status.sync_indicator
    assert indicator.text() == "2 sync conflict(s)"

    click(qtbot, indicator)
    dialog = window.conflicts_dialog
    assert isinstance(dialog, ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT_MS)
    rows = sorted([dialog.table.item(r, c).text() for c in range(4)] for r in range(2))
    assert rows == [["Renamed here", "Title", "Renamed here", "Renamed on the laptop"],
                    ["Second here", "Title", "Second here", "Second on the laptop"]]

    def pick(title: str) -> None:
        dialog.table.selectRow(next(r for r in range(dialog.table.rowCount())
                                    if dialog.table.item(r, 0).text() == title))

    pick("Second here")
    assert dialog.kept_text.toPlainText() == "Second here"
    assert dialog.other_text.toPlainText() == "Second on the laptop"
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT_MS):
        click(qtbot, dialog.keep_button)
    assert dialog.table.rowCount() == 1
    assert dialog.message.text() == "Kept what is shown on the left."

    pick("Renamed here")
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT_MS):
        click(qtbot, dialog.restore_button)
    assert dialog.table.rowCount() == 0
    assert dialog.message.text() == "Restored: Title"
    qtbot.waitUntil(lambda: "Renamed on the laptop" in window.conversation_list.titles(),
                    timeout=WAIT_MS)
    window.sync.sync_now()  # the restored title is a change like any other: it goes out
    wait_state(qtbot, window, "synced")
    other.sync()
    titles = {c: v["title"] for c, v in other.conversations().items()}
    assert titles == {cid: "Renamed on the laptop", second: "Second here"}


def test_a_server_the_policy_fixes_is_shown_locked_and_used(
        qtbot, new_window, ctx, dav, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from tests.policy_helpers import write_policy

    policy = write_policy(tmp_path / "policy.json", {
        "sync_server": dav.url, "locked_settings": {"sync_interval_minutes": 30}})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    win = new_window()
    page = open_sync_page(qtbot, win)
    assert page.url.text() == dav.url and not page.url.isEnabled()
    assert page.labels["sync_url"].text() == "Server address (locked by policy)"
    assert str(policy) in page.url.toolTip()
    assert page.interval.value() == 30 and not page.interval.isEnabled()
    # The policy's server is tried at once; without a user name it refuses, and waits.
    wait_state(qtbot, win, "paused")
    page.user.setText(dav.user)
    page.password.setText(dav.password)
    click(qtbot, page.sync_button)  # saves what was typed, then syncs with the policy's server
    wait_state(qtbot, win, "synced")
    assert ctx.secrets.get(SYNC_PASSWORD) == dav.password
