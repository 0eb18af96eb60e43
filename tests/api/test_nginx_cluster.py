"""Scale-out: three `autoglm serve` instances behind a real nginx running
packaging/nginx/autoglm.conf, all on loopback. At least 300 requests from 16
concurrent clients all succeed although one instance is killed part-way:
nginx retries what failed on the others. Prints how requests were spread."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from api_helpers import ApiServer

from app.config import REPO_ROOT

CONF = REPO_ROOT / "packaging" / "nginx" / "autoglm.conf"
REQUESTS = 320
CLIENTS = 16
KILL_AFTER = 100


def ensure_nginx() -> str:
    """nginx from the Debian package, installed now if missing; never a silent skip."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail("nginx is not installed and there is no apt-get to install it: "
                    "install the nginx package to run the scale-out test")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    # RUNLEVEL=1: install the package without starting the system's own nginx on port 80.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    for step in (["update"], ["install", "-y", "--no-install-recommends", "nginx"]):
        done = subprocess.run([*sudo, apt, *step], capture_output=True, text=True, env=env, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"could not install nginx (apt-get {' '.join(step)} failed): "
                        f"{(done.stderr or done.stdout)[-800:]}")
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        pytest.fail("apt-get installed nginx but no nginx executable was found")
    return found


def cluster_conf(listen: int, upstreams: list[int], weights: list[int], log: Path) -> str:
    """packaging/nginx/autoglm.conf with this run's ports, weights and log file."""
    text = CONF.read_text()
    lines = [f"    server 127.0.0.1:{p} weight={w} max_fails=3 fail_timeout=10s;"
             for p, w in zip(upstreams, weights, strict=True)]
    text, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ .*;\n(?:    server 127\.0\.0\.1:\d+ .*;\n)*",
                      "\n".join(lines) + "\n", text)
    assert n == 1, "the upstream block of autoglm.conf changed shape"
    text = text.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{listen};")
    return text.replace("/var/log/nginx/autoglm.access.log", str(log))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_three_instances_behind_nginx_survive_losing_one(tmp_path: Path) -> None:
    nginx = ensure_nginx()
    servers = [ApiServer(tmp_path / f"instance{i}", "--threads", "1", "--slots", "4", "--ctx", "512")
               for i in range(3)]
    proc = None
    try:
        ports = [int(s.wait_ready().rsplit(":", 1)[1]) for s in servers]
        listen = free_port()
        log = tmp_path / "access.log"
        (tmp_path / "autoglm.conf").write_text(cluster_conf(listen, ports, [2, 1, 1], log))
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp_path / d).mkdir()
        (tmp_path / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/autoglm.conf;
}}
""")
        proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                                 "-c", str(tmp_path / "nginx.conf")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{listen}"
        end = time.monotonic() + 20
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > end:
                pytest.fail("nginx did not start: " + (tmp_path / "error.log").read_text()[-800:])
            time.sleep(0.1)

        done = 0
        lock = threading.Lock()
        killed = threading.Event()
        failures: list[str] = []

        def one(i: int) -> None:
            nonlocal done
            client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=120)
            try:
                reply = client.chat.completions.create(
                    model="any", max_tokens=8, seed=i,
                    messages=[{"role": "user", "content": f"Say one word about the number {i}."}])
                assert reply.choices[0].finish_reason in {"stop", "length"}
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                with lock:
                    failures.append(f"request {i}: {exc!r}")
            with lock:
                done += 1
                if done == KILL_AFTER:
                    servers[1].proc.send_signal(signal.SIGKILL)  # abruptly, mid-traffic
                    killed.set()

        t0 = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(one, range(REQUESTS)))
        wall = time.monotonic() - t0
        assert killed.is_set()

        entries = [line for line in log.read_text().splitlines() if "/v1/chat/completions" in line]
        served_by: Counter[str] = Counter()
        retried = 0
        for line in entries:
            m = re.search(r"upstream=(\S+(?:, \S+)*) upstream_status", line)
            assert m, line
            tried = m.group(1).split(", ")
            retried += len(tried) > 1
            served_by[tried[-1]] += 1
        print(f"\n{REQUESTS} requests from {CLIENTS} clients in {wall:.1f} s; instance on port "
              f"{ports[1]} killed after {KILL_AFTER}; {retried} requests retried by nginx")
        for i, p in enumerate(ports):
            addr = f"127.0.0.1:{p}"
            note = " (weight 2)" if i == 0 else " (killed)" if i == 1 else ""
            print(f"  instance {i} {addr}{note}: {served_by[addr]} requests")

        assert not failures, f"{len(failures)} of {REQUESTS} failed: {failures[:5]}"
        assert len(entries) == REQUESTS and all(" 200 " in line for line in entries)
        assert all(served_by[f"127.0.0.1:{p}"] > 0 for p in ports)
        assert retried >= 1  # the kill was felt, and absorbed
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for s in servers:
            s.stop()
