"""Sync under faults, each ending with the devices equal and every message ever written
present: a client killed during push, the server stopped mid-sync, connections cut
mid-body, a server answering 503, a full disk while pulling."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.errors import StoreError
from app.services import sync
from app.sync.webdav import ServerUnavailable
from tests.mounts import mount_tmpfs, remount, unmount
from tests.sync.dav_server import DavServer
from tests.sync.devices import Device


def _fill(device: Device, conversations: int, messages: int = 3, tag: str = "") -> set[str]:
    texts = set()
    with device.store.repo() as repo:
        for c in range(conversations):
            conv = repo.create_conversation(f"{tag} conversation {c}")
            for m in range(messages):
                text = f"{tag} message {m} of conversation {c} " + "words " * 40
                repo.add_message(conv.id, "user" if m % 2 == 0 else "assistant", text)
                texts.add(text)
    return texts


def _texts(device: Device) -> list[str]:
    return [t for conv in device.conversations().values() for (_, _, t) in conv["messages"].values()]


def _paired(devices: list[Device]) -> tuple[Device, Device]:
    a, b, _ = devices
    a.set_up()
    a.sync()
    b.set_up()
    b.enrol_from(a)
    b.sync()
    return a, b


def _converged(a: Device, b: Device, expected: set[str]) -> None:
    for _ in range(2):
        a.sync()
        b.sync()
    assert a.conversations() == b.conversations()
    texts = _texts(a)
    assert sorted(texts) == sorted(expected)  # every message, none twice
    assert sync.status(a.ctx, a.store).pending == 0


def _cli_env(device: Device) -> dict[str, str]:
    return {
        **os.environ,
        "AUTOGLM_DATA_DIR": str(device.ctx.paths.data),
        "AUTOGLM_TEST_KEYRING_DIR": str(device.keyring_dir),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backends.FolderKeyring",
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_a_client_killed_during_push_finishes_on_the_next_run(
    devices: list[Device], dav: DavServer, seed: int
) -> None:
    if not dav.can_stop:
        pytest.skip("counting the server's requests needs the test's own server")
    a, b = _paired(devices)
    expected = _fill(a, 30, tag=f"seed{seed}")
    assert dav.faults is not None
    start = dav.faults.seen
    kill_after = random.Random(seed).randint(3, 28)
    proc = subprocess.Popen([sys.executable, "-m", "app", "sync", "now"], env=_cli_env(a),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while dav.faults.seen - start < kill_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, "the push ended before it could be killed"
    assert sync.status(a.ctx, a.store).pending > 0  # what was not confirmed is still queued
    _converged(a, b, expected)


def test_the_server_stopped_and_started_again_mid_sync(devices: list[Device], dav: DavServer) -> None:
    if not dav.can_stop:
        pytest.skip("stopping the server needs the test's own server")
    a, b = _paired(devices)
    expected = _fill(a, 40)
    assert dav.faults is not None
    start = dav.faults.seen
    failure: list[BaseException] = []

    def run() -> None:
        try:
            a.sync()
        except BaseException as exc:  # noqa: BLE001 - what the test looks at
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while dav.faults.seen - start < 15 and worker.is_alive():
        time.sleep(0.001)
    dav.stop()
    worker.join(60)
    assert failure and isinstance(failure[0], ServerUnavailable | StoreError), failure
    assert sync.status(a.ctx, a.store).state == "offline"
    dav.start()
    _converged(a, b, expected)


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 that cuts every connection after ``budget`` bytes have
    passed in the chosen direction (None: never)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.budget: int | None = None
        self.direction = "up"  # "up": client → server, "down": server → client
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"passed": 0}
            for src, dst, way in ((client, server, "up"), (server, client, "down")):
                threading.Thread(target=self._pump, args=(src, dst, way, state, client, server), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, way: str, state: dict[str, int],
              client: socket.socket, server: socket.socket) -> None:
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if self.budget is not None and way == self.direction:
                    left = self.budget - state["passed"]
                    if left <= len(data):
                        dst.sendall(data[: max(0, left)])
                        self.cuts += 1
                        break
                    state["passed"] += len(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


@pytest.mark.parametrize("direction", ["up", "down"])
def test_connections_cut_mid_body_lose_nothing(devices: list[Device], dav: DavServer, direction: str) -> None:
    if not dav.can_stop:
        pytest.skip("the cutting proxy is put in front of the test's own server")
    a, b = _paired(devices)
    proxy = CuttingProxy(dav.port)
    try:
        proxied = f"http://127.0.0.1:{proxy.port}/"
        for device in (a, b):
            sync.setup(device.ctx, proxied, dav.user, dav.password)
        expected = _fill(a, 12, tag="cut")
        writer = a if direction == "up" else b
        if direction == "down":
            a.sync()
        proxy.direction = direction
        for budget in (300, 2_000, 9_000, 30_000):  # cut inside headers, then inside bodies
            proxy.budget = budget
            with pytest.raises(ServerUnavailable):
                writer.sync()
        assert proxy.cuts >= 4
        proxy.budget = None
        _converged(a, b, expected)
    finally:
        proxy.close()


def test_a_server_answering_503_is_retried_after_what_it_asked(devices: list[Device], dav: DavServer) -> None:
    if not dav.can_stop:
        pytest.skip("making the server answer 503 needs the test's own server")
    a, b = _paired(devices)
    expected = _fill(a, 5)
    assert dav.faults is not None
    dav.faults.count, dav.faults.retry_after = 2, "120"
    with pytest.raises(ServerUnavailable, match="HTTP 503") as caught:
        a.sync()
    assert caught.value.retry_after == 120
    status = sync.status(a.ctx, a.store)
    assert status.state == "offline" and status.pending > 0
    assert status.next_attempt is not None and status.next_attempt >= time.time() + 119
    assert not sync.due(a.ctx, a.store)
    with pytest.raises(ServerUnavailable):
        a.sync()  # the user's own "Sync now" still tries, and the server still says no
    assert sync.backoff_delay(6, None, rand=lambda: 0.0) == 0.5 * 960  # doubling, with jitter
    assert sync.backoff_delay(30, None, rand=lambda: 1.0) == 1.5 * sync.BACKOFF_MAX_S
    _converged(a, b, expected)


def test_a_full_disk_while_pulling_keeps_what_was_there(
    devices: list[Device], dav: DavServer, tmp_path: Path, migrated_database: Path
) -> None:
    small = tmp_path / "small-disk"
    small.mkdir()
    if not sys.platform.startswith("linux") or not mount_tmpfs(small, "3m"):
        pytest.skip("cannot mount a tmpfs here (needs Linux and root)")
    try:
        a = devices[0]
        a.set_up()
        a.sync()
        b = Device(small / "device", migrated_database, dav)
        try:
            b.set_up()
            b.enrol_from(a)
            with b.store.repo() as repo:
                mine = repo.create_conversation("written on the small disk")
                repo.add_message(mine.id, "user", "kept through the full disk")
            expected = _fill(a, 60, messages=4, tag="big " + "x" * 300) | {"kept through the full disk"}
            a.sync()
            with pytest.raises(StoreError, match="full"):
                b.sync()
            assert "kept through the full disk" in _texts(b)
            assert b.store.integrity_check() == ["ok"]
            assert remount(small, "size=64m")
            _converged(a, b, expected)
        finally:
            b.close()
    finally:
        unmount(small)


@pytest.mark.parametrize("quirk", ["weak_etags", "no_etag_on_put"])
def test_servers_with_weak_etags_or_none_on_put_still_converge(
    devices: list[Device], dav: DavServer, quirk: str
) -> None:
    """A weak ETag never matches If-Match, so it is never sent: the device merges with the
    server's copy before writing, and its next pull heals a write that raced it."""
    if not dav.can_stop:
        pytest.skip("the quirks are put in front of the test's own server")
    assert dav.faults is not None
    setattr(dav.faults, quirk, True)
    a, b = _paired(devices)
    expected = _fill(a, 3, tag=quirk)
    a.sync()
    b.sync()
    conv = next(iter(a.conversations()))
    with a.store.repo() as repo:
        repo.add_message(conv, "user", "from A while apart")
    with b.store.repo() as repo:
        repo.add_message(conv, "user", "from B while apart")
        repo.rename_conversation(conv, "renamed on B")
    expected |= {"from A while apart", "from B while apart"}
    b.sync()
    a.sync()
    _converged(a, b, expected)
    assert a.conversations()[conv]["title"] == "renamed on B"
    assert dav.faults.weak_if_match == 0
