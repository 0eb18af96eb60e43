"""HTTP API throughput and latency of `autoglm serve` against llama.cpp's own
llama-server, same model, threads, slots and per-slot context, in one run.

Both servers run side by side (an idle server costs nothing); for each
concurrency the two are measured in short interleaved rounds (ABBA order), and
the ratio is the median of the per-round ratios, so the machine's other load
hits them alike. A client sends chat completions (fixed length: ignore_eos)
from N concurrent connections; throughput is generated tokens per second of
wall time, latency is per request. Prints a table and a final ``RESULT`` line.

    python bench/api.py [--model PATH] [--threads N] [--slots 16] [--tokens 64]
                        [--requests 2] [--rounds 6] [--stream] [--cuda --gpu-layers 99]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.llama_tools import build_tool  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TOPICS = ["a lighthouse keeper", "a lost map", "a mountain village", "a clockmaker", "a desert train",
          "a river pilot", "an old library", "a night market"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    args: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    log: Path | None = None

    def start(self, timeout: float = 180.0) -> None:
        import httpx

        self.log = Path(tempfile.mkstemp(prefix="autoglm-bench-server-", suffix=".log")[1])
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(self.args, env={**os.environ, **self.env},
                                         stdout=subprocess.DEVNULL, stderr=err)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                said = self.log.read_text(errors="replace").strip().splitlines()[-15:]
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}: {' '.join(self.args)}\n"
                                 + "\n".join(said))
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not become healthy in {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.log is not None:
            self.log.unlink(missing_ok=True)


@dataclass
class Run:
    tokens: int
    wall_s: float
    latencies: list[float]

    @property
    def tps(self) -> float:
        return self.tokens / self.wall_s

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def body(i: int, tokens: int, stream: bool) -> dict[str, object]:
    return {
        "model": "bench",
        "messages": [{"role": "system", "content": "You are a helpful assistant."},
                     {"role": "user", "content": f"Write a long story about {TOPICS[i % len(TOPICS)]}."}],
        "max_tokens": tokens, "temperature": 0.7, "top_k": 40, "top_p": 0.95, "min_p": 0.05,
        "repeat_penalty": 1.0, "seed": i, "ignore_eos": True, "stream": stream,
        **({"stream_options": {"include_usage": True}} if stream else {}),
    }


async def one(client: object, url: str, i: int, tokens: int, stream: bool) -> tuple[int, float]:
    t0 = time.perf_counter()
    if not stream:
        r = await client.post(url, json=body(i, tokens, False))  # type: ignore[attr-defined]
        r.raise_for_status()
        return int(r.json()["usage"]["completion_tokens"]), time.perf_counter() - t0
    n = 0
    async with client.stream("POST", url, json=body(i, tokens, True)) as r:  # type: ignore[attr-defined]
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line.startswith("data: {") and '"usage"' in line:
                usage = json.loads(line[6:]).get("usage")
                if usage:
                    n = int(usage["completion_tokens"])
    return n, time.perf_counter() - t0


async def load(port: int, concurrency: int, n_requests: int, tokens: int, stream: bool) -> Run:
    import httpx

    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    # Streams get a connection each: llama-server closes a streamed connection without
    # saying so, and a reused one fails.
    limits = httpx.Limits(max_connections=concurrency,
                          max_keepalive_connections=0 if stream else concurrency)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        await one(client, url, 0, 4, stream)  # connection and warm-up
        counter = iter(range(n_requests))
        results: list[tuple[int, float]] = []

        async def worker() -> None:
            for i in counter:
                results.append(await one(client, url, i, tokens, stream))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return Run(sum(r[0] for r in results), wall, [r[1] for r in results])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--slots", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=512, help="context per slot")
    ap.add_argument("--tokens", type=int, default=64, help="tokens per reply")
    ap.add_argument("--requests", type=int, default=2, help="requests per client per round (at least 8)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--stream", action="store_true", help="stream replies over SSE")
    ap.add_argument("--gpu-layers", type=int, default=0, help="layers on the GPU, both servers (99: all)")
    ap.add_argument("--cuda", action="store_true", help="build llama-server with CUDA too")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop both servers on the way out

    from app.config import physical_cores
    from app.services.models import default_model

    path = args.model or str(default_model())
    threads = args.threads or physical_cores()
    levels = [int(c) for c in args.concurrency.split(",")]
    exe = build_tool("llama-server", ["-DGGML_CUDA=ON"] if args.cuda else None)
    data = tempfile.mkdtemp(prefix="autoglm-bench-api-")
    from tests.keyring_backends import use_folder_keyring

    # Throwaway data with a folder keyring, inherited by the server: its audit records
    # are written as they are for a user with a keyring, and nothing waits on a passphrase.
    use_folder_keyring(Path(data) / "keyring")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    p_ours, p_ref = free_port(), free_port()
    ours = Server("autoglm serve", [
        str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable,
        "-m", "app", "--data-dir", data, "serve", "--model", path, "--port", str(p_ours),
        "--slots", str(args.slots), "--ctx", str(args.ctx), "--threads", str(threads),
        "--gpu-layers", str(args.gpu_layers), "--queue-depth", "1024"], p_ours)
    ref = Server("llama-server", [
        str(exe), "-m", path, "--port", str(p_ref), "-np", str(args.slots),
        "-c", str(args.ctx * args.slots), "-t", str(threads), "-tb", str(threads), "-b", "512",
        "-ub", "512", "-ngl", str(args.gpu_layers), "--no-webui"], p_ref,
        env={"LD_LIBRARY_PATH": str(exe.parent)})
    table: dict[int, dict[str, list[Run]]] = {}
    try:
        ours.start()
        ref.start()
        for c in levels:
            table[c] = {"ours": [], "ref": []}
            n = max(c * args.requests, 8)
            for r in range(args.rounds):
                order = [("ours", ours), ("ref", ref)]
                for key, srv in order if r % 2 == 0 else order[::-1]:  # ABBA: drift hits both alike
                    table[c][key].append(asyncio.run(load(srv.port, c, n, args.tokens, args.stream)))
                print(f"c{c} round {r + 1}: autoglm serve {table[c]['ours'][-1].tps:.1f} tok/s, "
                      f"llama-server {table[c]['ref'][-1].tps:.1f} tok/s", file=sys.stderr, flush=True)
    finally:
        ours.stop()
        ref.stop()

    mode = "streaming (SSE)" if args.stream else "non-streaming"
    where = f"{args.gpu_layers} layers on the GPU" if args.gpu_layers else "CPU"
    print(f"model {Path(path).name}, {where}, {threads} threads, {args.slots} slots × {args.ctx} ctx, "
          f"{args.tokens} tokens per reply, {mode}, {args.rounds} interleaved rounds")
    print("tok/s and latency from each server's best round; ratio: median of per-round ratios")
    print(f"{'concurrency':>11} {'server':<14} {'tok/s':>8} {'p50 s':>8} {'p95 s':>8} {'ratio':>7}")
    ratios = {}
    for c, runs in table.items():
        best = {k: max(v, key=lambda r: r.tps) for k, v in runs.items()}
        per_round = [o.tps / r.tps for o, r in zip(runs["ours"], runs["ref"], strict=True)]
        ratios[c] = statistics.median(per_round)
        for key, label in (("ref", "llama-server"), ("ours", "autoglm serve")):
            r = best[key]
            ratio = f"{ratios[c]:.3f}" if key == "ours" else "1.000"
            print(f"{c:>11} {label:<14} {r.tps:>8.1f} {r.pct(0.5):>8.2f} {r.pct(0.95):>8.2f} {ratio:>7}")
    print("RESULT " + " ".join(f"api_ratio_c{c}={ratios[c]:.3f}" for c in levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
