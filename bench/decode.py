"""Decode speed of our engine against llama-cpp-python and llama-bench, in one run.

Same model, same thread count, one process each in turn. Prints a table, the
ratios, and a final ``RESULT`` line.

    python bench/decode.py [--model PATH] [--threads N] [--runs 5] [--tokens 128]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.llama_tools import build_tool  # noqa: E402

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a map."


def bench_ours(model: str | None, threads: int, runs: int, tokens: int, gpu_layers: int | None) -> list[float]:
    from app.services.chat import ask, sampling_from_settings
    from app.services.context import open_context
    from app.services.models import load_model

    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data)
        loaded = load_model(ctx, model, threads=threads, n_ctx=2048, gpu_layers=gpu_layers)
        params = sampling_from_settings(ctx.settings, max_tokens=tokens)
        speeds = []
        ask(loaded, "Hello", params).read_all()  # warm-up
        for i in range(runs):
            loaded.engine.reset()  # every run starts cold, as the others do
            gen = ask(loaded, PROMPT, sampling_from_settings(ctx.settings, max_tokens=tokens, seed=i),
                      system="You are a helpful assistant.")
            gen.read_all()
            if gen.stats.generated_tokens > 16:
                speeds.append(gen.stats.decode_tokens_per_s)
        loaded.close()
        return speeds


def bench_llama_cpp_python(path: str, threads: int, runs: int, tokens: int, gpu_layers: int) -> list[float]:
    import llama_cpp

    llm = llama_cpp.Llama(path, n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                          n_gpu_layers=gpu_layers, verbose=False)
    speeds = []
    llm.create_completion("Hello", max_tokens=8)
    for i in range(runs):
        llm.reset()
        n = 0
        t_first = 0.0
        for _chunk in llm.create_completion(PROMPT, max_tokens=tokens, stream=True, seed=i):
            n += 1
            if n == 1:
                t_first = time.perf_counter()
        if n > 16:
            speeds.append((n - 1) / (time.perf_counter() - t_first))
    return speeds


def bench_llama_bench(path: str, threads: int, runs: int, tokens: int, gpu_layers: int,
                      cuda: bool) -> tuple[list[float], str]:
    exe = build_tool("llama-bench", ["-DGGML_CUDA=ON"] if cuda else None)
    out = subprocess.run(
        [str(exe), "-m", path, "-t", str(threads), "-p", "0", "-n", str(tokens),
         "-r", str(runs), "-ngl", str(gpu_layers), "-o", "json"],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = json.loads(out)
    row = rows[0]
    samples = [float(x) for x in row.get("samples_ts", [row["avg_ts"]])]
    return samples, f"{row.get('cpu_info', '')} {row.get('gpu_info', '')}".strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--gpu-layers", type=int, default=None, help="default: automatic")
    ap.add_argument("--cuda", action="store_true", help="build llama-bench with CUDA too")
    args = ap.parse_args()

    from app.config import physical_cores
    from app.engine.hardware import detect_backend
    from app.services.models import default_model

    path = args.model or str(default_model())
    threads = args.threads or physical_cores()
    backend = detect_backend()
    ngl = args.gpu_layers if args.gpu_layers is not None else (99 if backend.gpu_offload else 0)

    bench_speeds, machine = bench_llama_bench(path, threads, args.runs, args.tokens, ngl, args.cuda)
    lcp = bench_llama_cpp_python(path, threads, args.runs, args.tokens, ngl)
    ours = bench_ours(args.model, threads, args.runs, args.tokens, ngl)

    med = statistics.median
    b, lp, o = med(bench_speeds), med(lcp), med(ours)
    print(f"model {Path(path).name}, {threads} threads, backend {backend.name}, gpu layers {ngl}")
    print(f"machine: {machine}")
    print(f"{'engine':<40} {'tok/s (median)':>15} {'vs llama-bench':>15}")
    print(f"{'llama-bench tg' + str(args.tokens):<40} {b:>15.1f} {1.0:>15.3f}")
    print(f"{'llama-cpp-python create_completion':<40} {lp:>15.1f} {lp / b:>15.3f}")
    print(f"{'Open-AutoGLM (services, streaming)':<40} {o:>15.1f} {o / b:>15.3f}")
    print(f"RESULT decode_ratio={o / b:.3f} llama_cpp_python_ratio={lp / b:.3f} "
          f"ours_tps={o:.1f} llama_bench_tps={b:.1f} backend={backend.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
