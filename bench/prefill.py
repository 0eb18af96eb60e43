"""Prompt processing (prefill) speed of our engine against llama-bench pp, in one run.

Our engine processes a cold prompt of N tokens through the services-loaded model
and samples its first token; llama-bench's ppN processes N tokens and samples
nothing. On a GPU a prompt takes milliseconds and single runs of either vary
widely (llama-bench's own pp512 repetitions spread by ±28% on an H200), so each
round takes the median of PP_REPS runs of each, and the ratio is the median of
the rounds' ratios. Prints a table and a final ``RESULT`` line.

    python bench/prefill.py [--model PATH] [--unsigned] [--tokens 512] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PP_REPS = 5  # runs of each per round
from bench.llama_tools import add_gpu_options, build_tool, placement_args  # noqa: E402

TEXT = ("The committee reviewed the quarterly figures for every region, compared them with "
        "the forecasts made in spring, and asked each office to explain the largest gaps. ")


class Ours:
    """A cold prompt of ``tokens`` tokens through our engine, first token sampled."""

    def __init__(self, model: str | None, threads: int, tokens: int, gpu_layers: int | None,
                 unsigned: bool, gpu: int | None = None, split: str = "auto") -> None:
        from app.services.chat import sampling_from_settings
        from app.services.context import open_context
        from app.services.models import load_model

        self._tmp = tempfile.TemporaryDirectory()
        self.ctx = open_context(self._tmp.name)
        self.ctx.settings.set("gpu_split", split)
        self.loaded = load_model(self.ctx, model, threads=threads, n_ctx=max(2048, tokens + 64),
                                 gpu_layers=gpu_layers, allow_unsigned=unsigned, gpu=gpu)
        engine = self.loaded.engine
        ids: list[int] = []
        while len(ids) < tokens:
            ids += engine.tokenize(TEXT)
        self.prompt = ids[:tokens]
        self.params = sampling_from_settings(self.ctx.settings, max_tokens=1, seed=1)

    def run(self, _seed: int) -> float | None:
        engine = self.loaded.engine
        engine.reset()  # cold: nothing of the prompt is cached
        g = engine.stream_tokens(self.prompt, self.params)
        g.read_all()
        ttft = g.stats.time_to_first_token_s
        return len(self.prompt) / ttft if ttft > 0 else None


class LlamaBenchPP:
    """llama.cpp's llama-bench ppN from the same vendored source."""

    def __init__(self, path: str, threads: int, tokens: int, gpu_layers: int, cuda: bool,
                 placement: Any) -> None:
        exe = build_tool("llama-bench", ["-DGGML_CUDA=ON"] if cuda else None)
        self.args = [str(exe), "-m", path, "-t", str(threads), "-p", str(tokens), "-n", "0",
                     "-ngl", str(gpu_layers), *placement_args(placement), "-r", str(PP_REPS), "-o", "json"]
        self.machine = ""

    def run(self) -> float:
        """The median of one llama-bench invocation's repetitions (after its warm-up)."""
        out = subprocess.run(self.args, check=True, capture_output=True, text=True).stdout
        row = json.loads(out)[0]
        self.machine = f"{row.get('cpu_info', '')} {row.get('gpu_info', '')}".strip()
        samples = row.get("samples_ts") or [row["avg_ts"]]
        return statistics.median(float(v) for v in samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--unsigned", action="store_true",
                    help="load a model with no signed manifest (a synthetic one)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--gpu-layers", type=int, default=None, help="default: automatic")
    ap.add_argument("--cuda", action="store_true", help="build llama-bench with CUDA too")
    add_gpu_options(ap)
    args = ap.parse_args()

    from app.config import physical_cores
    from app.engine.hardware import detect_backend
    from app.services.models import default_model

    path = args.model or str(default_model())
    threads = args.threads or physical_cores()
    backend = detect_backend()
    ngl = args.gpu_layers if args.gpu_layers is not None else (99 if backend.gpu_offload else 0)

    ours = Ours(args.model, threads, args.tokens, ngl, args.unsigned, args.gpu, args.split)
    placement = ours.loaded.plan.placement  # llama-bench runs where ours was placed
    bench = LlamaBenchPP(path, threads, args.tokens, ngl, args.cuda, placement)
    ours.run(0)  # warm-up: first-use kernels and buffers

    # Interleaved rounds, as bench/decode.py: each round runs both, the ratio is taken
    # within the round, the result is the median ratio.
    b_speeds, o_speeds, ratios = [], [], []
    for i in range(args.runs):
        b = bench.run()
        runs = [v for v in (ours.run(i) for _ in range(PP_REPS)) if v]
        o = statistics.median(runs) if runs else None
        b_speeds.append(b)
        if o:
            o_speeds.append(o)
            ratios.append(o / b)
    plan = ours.loaded.plan
    ours.loaded.close()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    med = statistics.median
    b, o, r = med(b_speeds), med(o_speeds), med(ratios)
    print(f"model {Path(path).name}, {threads} threads, backend {backend.name}, "
          f"gpu layers {plan.n_gpu_layers}, {args.runs} interleaved rounds "
          f"of pp{args.tokens}")
    print(f"machine: {bench.machine}")
    print(f"{'engine':<40} {'tok/s (median)':>15} {'ratio (median)':>15}")
    print(f"{'llama-bench pp' + str(args.tokens):<40} {b:>15.1f} {1.0:>15.3f}")
    print(f"{'Open-AutoGLM (cold prompt, 1st token)':<40} {o:>15.1f} {r:>15.3f}")
    print(f"peak resident memory of this process: {rss_mib:.0f} MiB")
    where = plan.placement.describe(backend.devices) if plan.n_gpu_layers else "CPU"
    print(f"placement: {where} ({plan.reason})")
    print(f"RESULT prefill_ratio={r:.3f} ours_tps={o:.1f} llama_bench_tps={b:.1f} "
          f"split={plan.placement.split_mode} main_gpu={plan.placement.main_gpu} "
          f"prompt_tokens={args.tokens} backend={backend.name} peak_rss_mib={rss_mib:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
