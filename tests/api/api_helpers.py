"""Starting real `autoglm serve` processes on loopback for the API tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai

READY = re.compile(r"Server running at (http://\S+)")


class ApiServer:
    """`python -m app serve` in its own data dir, on a free port (``--port 0``)."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        cmd = [sys.executable, "-m", "app", "--data-dir", str(data_dir), "serve", "--port", "0", *args]
        isolated = {
            "AUTOGLM_POLICY_FILE": str(data_dir / "no-policy.json"),
            "XDG_CONFIG_HOME": str(data_dir / "xdg-config"),
            "XDG_DATA_HOME": str(data_dir / "xdg-data"),
            "XDG_CACHE_HOME": str(data_dir / "xdg-cache"),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **isolated, **(env or {})})
        self.url = ""
        self.output: list[str] = []
        self.errors: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            m = READY.search(line)
            if m:
                self.url = m.group(1)
                self._ready.set()
        self._ready.set()  # the process ended

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.errors.append(line)

    def wait_ready(self, timeout: float = 120) -> str:
        self._ready.wait(timeout)
        if not self.url:
            self.stop()
            raise AssertionError("the server did not start:\n" + "".join(self.output + self.errors))
        return self.url

    def health(self) -> dict[str, object]:
        return httpx.get(self.url + "/health", timeout=10).json()  # type: ignore[no-any-return]

    def wait_idle(self, timeout: float = 30) -> None:
        """Until no slot is busy and nobody waits (cancellations have landed)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            h = self.health()
            if h.get("busy_slots") == 0 and h.get("queue") == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"the server stayed busy: {self.health()}")

    def wait_for(self, timeout: float = 30, **want: int) -> dict[str, object]:
        end = time.monotonic() + timeout
        h: dict[str, object] = {}
        while time.monotonic() < end:
            h = self.health()
            if all(h.get(k) == v for k, v in want.items()):
                return h
            time.sleep(0.02)
        raise AssertionError(f"health never showed {want}: {h}")

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30) -> int:
        self.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@dataclass
class Served:
    """A running server, its address and an API key it accepts."""

    server: ApiServer
    url: str
    key: str
    data_dir: Path

    def client(self, key: str | None = None) -> openai.OpenAI:
        # max_retries=0: the tests must see every refusal, not the client's retries.
        return openai.OpenAI(base_url=self.url + "/v1", api_key=key or self.key, max_retries=0,
                             timeout=120)
