"""Times sync on loopback: a first push of 10,000 messages in 500 conversations, the first
pull of them on a second device, and a sync with nothing to do, against a real WebDAV
server (wsgidav under cheroot, in a process of its own, its files in a temporary folder).

Run: ``python bench/sync.py [--conversations N] [--messages-per-conversation M] [--profile]``.
Prints a table and ends with ``RESULT key=value …``: ``push_s`` (device A's first
``sync now``, every conversation new to the server), ``pull_s`` (device B's first, enrolled
with A's key), ``idle_s`` (B again, nothing to do), ``*_records_s`` messages per second,
``*_requests`` HTTP requests per sync, ``server_bytes`` what the server's files hold, and
``push_vs_bare``: the push's time over a bare loop of as many plain httpx PUTs of bodies
of the same sizes to the same server, timed in the same run (what the app adds to the
server's own cost). ``--profile`` prints where each sync's time goes (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_FIRST_S = 30.0
TARGET_IDLE_S = 1.0


def serve(folder: Path) -> None:
    """The server's own process (``--serve FOLDER``): prints its URL, runs until stdin closes,
    so that the client's work and the server's never share one interpreter's lock."""
    from tests.sync.dav_server import PASSWORD, USER, DavServer

    server = DavServer("", USER, PASSWORD, folder)
    server.start()
    print(server.url, flush=True)
    sys.stdin.read()
    server.stop()


class Server:
    def __init__(self, folder: Path) -> None:
        from tests.sync.dav_server import PASSWORD, USER, DavServer

        folder.mkdir(parents=True)
        self.folder = folder
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        url = self._proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the WebDAV server did not start ({url!r})")
        # What the devices are given: the shape tests/sync/devices.py expects.
        self.dav = DavServer(url, USER, PASSWORD, folder, external=True)

    def stored_bytes(self) -> tuple[int, int]:
        """The files the server keeps, and their bytes."""
        files = [p for p in self.folder.rglob("*") if p.is_file()]
        return len(files), sum(p.stat().st_size for p in files)

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def fill(device: Any, conversations: int, per_conversation: int, seed: int = 12) -> float:
    """Write the conversations through the store's repository (outbox rows and all), fifty
    conversations a transaction."""
    from bench.store import sentence

    rng = random.Random(seed)
    started = time.perf_counter()
    for first in range(0, conversations, 50):
        with device.store.repo() as repo:
            for _ in range(first, min(first + 50, conversations)):
                conv = repo.create_conversation(sentence(rng, rng.randint(2, 6)))
                parent = None
                for m in range(per_conversation):
                    role = "user" if m % 2 == 0 else "assistant"
                    text = sentence(
                        rng, rng.randint(8, 30) if role == "user" else rng.randint(30, 120)
                    )
                    parent = repo.add_message(
                        conv.id, role, text, parent_id=parent, token_count=len(text) // 4
                    ).id
    return time.perf_counter() - started


def timed(what: str, run: Callable[[], Any], profile: bool) -> tuple[Any, float]:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        result = run()
    finally:
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(f"--- profile: {what} ({seconds:.2f} s) ---\n{out.getvalue()}", file=sys.stderr)
    return result, seconds


def bare_puts(server: Server, sizes: list[int]) -> float:
    """As many PUTs as the push made, bodies of the same sizes (random bytes, as sealed ones
    are), one keep-alive connection, creating each with If-None-Match: * as the app does."""
    import httpx

    bodies = [os.urandom(n) for n in sizes]
    dav = server.dav
    with httpx.Client(auth=httpx.BasicAuth(dav.user, dav.password), timeout=30) as http:
        folder = dav.url + f"bare-{uuid.uuid4().hex[:8]}/"
        assert http.request("MKCOL", folder).status_code == 201
        started = time.perf_counter()
        for body in bodies:
            response = http.put(
                folder + uuid.uuid4().hex,
                content=body,
                headers={"If-None-Match": "*", "Content-Type": "application/octet-stream"},
            )
            assert response.status_code in (200, 201, 204), response.status_code
        seconds = time.perf_counter() - started
        http.request("DELETE", folder)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--messages-per-conversation", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile each sync (to stderr)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return 0

    with tempfile.TemporaryDirectory(prefix="autoglm-bench-sync-") as tmp:
        return run(Path(tmp), args)


def run(tmp: Path, args: argparse.Namespace) -> int:
    # Throwaway data: every path the app uses in the temporary folder, a folder keyring
    # there (each device also has its own), no administrator's policy.
    os.environ["AUTOGLM_DATA_DIR"] = str(tmp / "data")
    os.environ["AUTOGLM_POLICY_FILE"] = str(tmp / "no-policy.json")
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(tmp / var.lower())
    from tests.keyring_backends import use_folder_keyring

    use_folder_keyring(tmp / "keyring")

    from app.services import sync
    from app.store.migrate import migrate
    from tests.sync.devices import Device

    template = tmp / "template.sqlite3"
    migrate(template)
    server = Server(tmp / "dav-root")
    a = b = None
    try:
        a = Device(tmp / "device-a", template, server.dav)
        b = Device(tmp / "device-b", template, server.dav)
        n_conv = args.conversations
        n_msg = n_conv * args.messages_per_conversation
        fill_s = fill(a, n_conv, args.messages_per_conversation)
        waiting = sync.status(a.ctx, a.store).pending
        print(
            f"device A: {n_conv:,} conversations, {n_msg:,} messages written in {fill_s:.1f} s "
            f"({waiting:,} outbox rows); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )

        a.set_up()
        push, push_s = timed("first push (A)", a.sync, args.profile)
        left = sync.status(a.ctx, a.store).pending
        extra_push = []
        while left and len(extra_push) < 5:  # what the first run left in the outbox
            extra_push.append(timed("next push (A)", a.sync, args.profile))
            left = sync.status(a.ctx, a.store).pending
        sizes = sorted(p.stat().st_size for p in (server.folder / "open-autoglm" / "c").iterdir())
        bare_s = bare_puts(server, sizes)
        files, stored = server.stored_bytes()

        b.set_up()
        b.enrol_from(a)
        pull, pull_s = timed("first pull (B)", b.sync, args.profile)
        idle, idle_s = timed("nothing to do (B)", b.sync, args.profile)
        idle_a, idle_a_s = timed("nothing to do (A)", a.sync, args.profile)
        with b.store.repo(write=False) as repo:
            got = sum(
                len(repo.get_all_messages(c.id)) for c in repo.list_conversations(limit=n_conv + 1)
            )
    finally:
        for device in (a, b):
            if device is not None:
                device.close()
        server.close()

    all_push_s = push_s + sum(s for _, s in extra_push)
    all_push_requests = push.requests + sum(r.requests for r, _ in extra_push)
    # Every conversation has the same number of messages, and a push sends whole ones.
    per_conversation = args.messages_per_conversation
    rows = [("first push, A", push, push_s, push.pushed * per_conversation)]
    rows += [
        (f"push again, A (outbox left: run {i})", r, s, r.pushed * per_conversation)
        for i, (r, s) in enumerate(extra_push, 2)
    ]
    rows += [
        ("first pull, B", pull, pull_s, got),
        ("nothing to do, B", idle, idle_s, 0),
        ("nothing to do, A", idle_a, idle_a_s, 0),
    ]
    print(
        f"Sync on loopback: {n_conv:,} conversations, {n_msg:,} messages; the server holds "
        f"{files} files, {stored / 2**20:.1f} MiB\n"
    )
    print(
        f"{'sync':<36} {'seconds':>8} {'messages/s':>11} {'requests':>9} {'pushed':>7} {'pulled':>7}"
    )
    for name, report, seconds, messages in rows:
        rate = f"{messages / seconds:,.0f}" if messages else "-"
        print(
            f"{name:<36} {seconds:>8.2f} {rate:>11} {report.requests:>9} {report.pushed:>7} {report.pulled:>7}"
        )
    if extra_push:
        print(
            f"{'push, all runs, A':<36} {all_push_s:>8.2f} {n_msg / all_push_s:>11,.0f} "
            f"{all_push_requests:>9} {sum(r.pushed for r, _ in [(push, 0), *extra_push]):>7}"
        )
    print(f"{'bare httpx PUTs, same sizes':<36} {bare_s:>8.2f} {'-':>11} {len(sizes):>9}")
    print(
        f"\npush / bare PUTs: {all_push_s / bare_s:.2f}; B holds {got:,} of {n_msg:,} messages; "
        f"outbox left on A after the first push: {sum(r.pushed for r, _ in extra_push)} "
        f"conversations more in {len(extra_push)} more run(s)"
    )
    print(
        f"targets: first push and first pull < {TARGET_FIRST_S:.0f} s, nothing to do < {TARGET_IDLE_S:.0f} s"
    )
    print(
        f"RESULT conversations={n_conv} messages={n_msg} push_s={push_s:.2f} "
        f"push_all_s={all_push_s:.2f} push_runs={1 + len(extra_push)} "
        f"push_records_s={n_msg / all_push_s:.0f} push_requests={all_push_requests} "
        f"pull_s={pull_s:.2f} pull_records_s={got / pull_s:.0f} pull_requests={pull.requests} "
        f"idle_s={idle_s:.3f} idle_requests={idle.requests} pulled_messages={got} "
        f"server_files={files} server_bytes={stored} bare_put_s={bare_s:.2f} "
        f"push_vs_bare={all_push_s / bare_s:.2f}"
    )
    ok = (
        got == n_msg
        and all_push_s < TARGET_FIRST_S
        and pull_s < TARGET_FIRST_S
        and idle_s < TARGET_IDLE_S
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
