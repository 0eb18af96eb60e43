"""Settings → Local API server: the real page starts and stops the real server in the
app, shows its address, and makes and revokes the keys it accepts, over real HTTP."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from gui_helpers import WAIT_MS, send_and_wait

from app.gui.main_window import MainWindow
from app.gui.qt import QAbstractButton, QApplication, Qt
from app.gui.server_controller import CLOSE_WAIT_S
from app.gui.server_page import ServerPage

pytestmark = pytest.mark.slow

# One slot of a small context on one thread: these tests are about the page, not speed.
SMALL_SERVER = {"slots": 1, "n_ctx": 512, "threads": 1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_server_page(qtbot, window: MainWindow) -> ServerPage:  # type: ignore[no-untyped-def]
    window.api_server.serve_options.update(SMALL_SERVER)
    window.settings_action.trigger()
    dialog = window.settings_dialog
    page = dialog.findChild(ServerPage)
    assert page is not None
    dialog.tabs.setCurrentWidget(page)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Local API server"
    qtbot.waitExposed(page)
    return page


def click(qtbot, button: QAbstractButton) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def start(qtbot, window: MainWindow, page: ServerPage) -> str:  # type: ignore[no-untyped-def]
    click(qtbot, page.start_button)
    assert page.status_label.text() == "Starting… (loading the model)"
    assert not page.port.isEnabled() and not page.start_button.isEnabled()
    qtbot.waitUntil(lambda: window.api_server.state != "starting", timeout=WAIT_MS)
    assert window.api_server.state == "running", page.status_label.text()
    return window.api_server.address


def complete(url: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(url + "/v1/completions", headers=headers, timeout=120,
                      json={"model": "any", "prompt": "Hello", "max_tokens": 3, "temperature": 0})


def test_the_page_starts_the_server_shows_its_address_and_stops_it(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    page = open_server_page(qtbot, window)
    assert page.status_label.text() == "Stopped" and page.start_button.text() == "Start"
    assert page.port.value() == 8080 and not page.allow_network.isChecked()
    assert not page.copy_button.isEnabled()
    port = free_port()
    page.port.setValue(port)

    address = start(qtbot, window, page)
    assert address == f"http://127.0.0.1:{port}"
    assert page.status_label.text() == f"Running at {address}"
    assert page.start_button.text() == "Stop" and page.start_button.isEnabled()
    assert httpx.get(address + "/health", timeout=10).json()["status"] == "ready"
    reply = complete(address)
    assert reply.status_code == 200 and reply.json()["usage"]["completion_tokens"] == 3
    click(qtbot, page.copy_button)
    assert QApplication.clipboard().text() == address
    assert window.ctx.settings.get("api_port") == port  # started with it: remembered

    # The server belongs to the app, not to the dialog: closing Settings leaves it running,
    # and the page shows it when Settings opens again.
    window.settings_dialog.reject()
    assert window.settings_dialog is None
    assert httpx.get(address + "/health", timeout=10).status_code == 200
    page = open_server_page(qtbot, window)
    assert page.status_label.text() == f"Running at {address}"
    assert page.start_button.text() == "Stop" and not page.port.isEnabled()

    click(qtbot, page.start_button)
    qtbot.waitUntil(lambda: window.api_server.state == "stopped", timeout=WAIT_MS)
    assert page.status_label.text() == "Stopped" and page.start_button.text() == "Start"
    assert page.port.isEnabled() and not page.copy_button.isEnabled()
    with pytest.raises(httpx.ConnectError):
        httpx.get(address + "/health", timeout=5)


def test_keys_made_on_the_page_guard_a_server_open_to_other_computers(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    page = open_server_page(qtbot, window)
    page.port.setValue(free_port())
    page.allow_network.setChecked(True)
    click(qtbot, page.start_button)
    assert window.api_server.state == "stopped"
    assert page.status_label.text() == ("Letting other computers in needs an API key: "
                                        "create one below first.")
    assert "#d1242f" in page.status_label.styleSheet()

    click(qtbot, page.create_key_button)
    name_dialog = page.name_dialog
    assert name_dialog is not None and name_dialog.isVisible()
    name_dialog.setTextValue("notebooks")
    with qtbot.waitSignal(page.keys_changed, timeout=WAIT_MS):
        name_dialog.accept()
    shown = page.secret_dialog
    assert shown is not None and shown.isVisible()
    secret = shown.secret.text()
    assert secret.startswith("agl-") and "will not be shown again" in shown.message.text()
    click(qtbot, shown.copy_button)
    assert QApplication.clipboard().text() == secret
    shown.reject()
    assert page.secret_dialog is None
    row = page.row_texts(0)
    assert page.key_table.rowCount() == 1
    assert row["name"] == "notebooks" and row["state"] == "Active"
    assert secret.startswith(row["key"].rstrip("…")) and row["created"][:2] == "20"
    assert secret not in "".join(row.values())  # the table never shows the key itself
    assert page.status_label.text() == "Stopped"

    address = start(qtbot, window, page)
    port = address.rsplit(":", 1)[1]
    assert address == f"http://0.0.0.0:{port}"
    assert page.status_label.text().startswith(f"Running at {address} Other computers")
    local = f"http://127.0.0.1:{port}"
    assert complete(local).status_code == 401
    assert complete(local, secret[:-4] + "abcd").status_code == 401
    reply = complete(local, secret)
    assert reply.status_code == 200 and reply.json()["usage"]["completion_tokens"] == 3

    assert not page.revoke_key_button.isEnabled()  # nothing chosen yet
    page.key_table.selectRow(0)
    click(qtbot, page.revoke_key_button)
    box, confirm = page.revoke_box, page.revoke_confirm_button
    assert box is not None and confirm is not None and "“notebooks”" in box.text()
    with qtbot.waitSignal(page.keys_changed, timeout=WAIT_MS):
        click(qtbot, confirm)
    assert page.row_texts(0)["state"] == "Revoked" and not page.revoke_key_button.isEnabled()
    refused = complete(local, secret)  # the running server sees the revocation at once
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]

    # Quitting the app stops the server, within a few seconds.
    began = time.monotonic()
    window._quitting = True
    window.close()
    assert time.monotonic() - began < CLOSE_WAIT_S + 2
    assert window.api_server.state == "stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(local + "/health", timeout=5)


def test_a_port_in_use_is_reported_and_the_app_stays_usable(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    page = open_server_page(qtbot, window)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        page.port.setValue(port)
        click(qtbot, page.start_button)
        assert window.api_server.state == "starting"
        qtbot.waitUntil(lambda: window.api_server.state == "stopped", timeout=WAIT_MS)
    text = page.status_label.text()
    assert text == (f"Could not start: port {port} is already in use on 127.0.0.1: "
                    "choose another port or stop the program using it")
    assert "#d1242f" in page.status_label.styleSheet()
    assert page.start_button.isEnabled() and page.start_button.text() == "Start"
    assert page.port.isEnabled()
    window.settings_dialog.reject()
    assert send_and_wait(qtbot, window, "Hello").text


def test_quitting_while_the_server_starts_ends_it_too(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    page = open_server_page(qtbot, window)
    port = free_port()
    page.port.setValue(port)
    click(qtbot, page.start_button)
    assert window.api_server.state == "starting"
    began = time.monotonic()
    window._quitting = True
    window.close()
    assert time.monotonic() - began < CLOSE_WAIT_S + 2
    assert window.api_server.state == "stopped"

    def refused() -> bool:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        except httpx.ConnectError:
            return True
        return False

    qtbot.waitUntil(refused, timeout=WAIT_MS)


def test_the_server_uses_the_weights_the_app_has_loaded(qtbot, make_window, ctx) -> None:  # type: ignore[no-untyped-def]
    from app.gui.main_window import default_loader

    window = make_window(loader=default_loader(ctx), owns_model=True)  # the app's own loading
    first = window.model
    page = open_server_page(qtbot, window)
    page.port.setValue(free_port())
    address = start(qtbot, window, page)
    served = window.api_server._server.state.model
    weights = first.engine.weights
    assert served.engine.weights is weights  # one copy of the model, not two
    assert served.plan.n_gpu_layers == first.plan.n_gpu_layers

    # The app loads its model anew (as after choosing another) while the server runs:
    # the server keeps the weights it serves with, and answers.
    with qtbot.waitSignal(window.model_ready, timeout=WAIT_MS):
        window.reload_model()
    assert window.model is not first
    assert window.model.engine.weights is not weights
    assert weights.alive
    assert complete(address).status_code == 200

    window.settings_dialog.reject()
    window.api_server.stop()
    qtbot.waitUntil(lambda: window.api_server.state == "stopped", timeout=WAIT_MS)
    assert not weights.alive  # the last holder let go
