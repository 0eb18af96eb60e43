"""Decode speed of our engine against llama-cpp-python and llama-bench, in one run.

Same model, same thread count, one process each in turn. Prints a table, the
ratios, and a final ``RESULT`` line.

    python bench/decode.py [--model PATH] [--unsigned] [--threads N] [--runs 5] [--tokens 128]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.llama_tools import add_gpu_options, build_tool, placement_args  # noqa: E402

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a map."
REPS = 2  # timed runs per round, after one warm-up, for every engine alike (llama-bench -r)


def timed(run: Callable[[int], float | None], seed: int) -> float | None:
    """What llama-bench does with ``-r REPS``: a warm-up run, then the mean of REPS runs."""
    run(seed)
    speeds = [v for v in (run(seed + i) for i in range(REPS)) if v]
    return statistics.mean(speeds) if speeds else None


class Ours:
    """Our engine through the services layer, with the default sampler settings."""

    def __init__(self, model: str | None, threads: int, tokens: int, gpu_layers: int | None,
                 unsigned: bool = False, gpu: int | None = None, split: str = "auto") -> None:
        from app.services.chat import sampling_from_settings
        from app.services.context import open_context
        from app.services.models import load_model

        self._tmp = tempfile.TemporaryDirectory()
        from tests.keyring_backends import use_folder_keyring

        use_folder_keyring(Path(self._tmp.name) / "keyring")  # throwaway data: never a real keyring
        self.ctx = open_context(self._tmp.name)
        self.ctx.settings.set("gpu_split", split)
        self.loaded = load_model(self.ctx, model, threads=threads, n_ctx=2048, gpu_layers=gpu_layers,
                                 allow_unsigned=unsigned, gpu=gpu)
        self.tokens = tokens
        self.sampling = sampling_from_settings
        self.prompt_tokens = 0
        self.run(0)  # warm-up

    def run(self, seed: int, compiled_step: bool = True) -> float | None:
        """One reply; ``compiled_step=False`` samples through llama.cpp's own chain alone."""
        import app.engine.sampler as sampler
        from app.services.chat import ask

        sampler.COMPILED_STEP = compiled_step
        self.loaded.engine.reset()  # every run starts cold, as the others do
        gen = ask(self.loaded, PROMPT, self.sampling(self.ctx.settings, max_tokens=self.tokens, seed=seed),
                  system="You are a helpful assistant.")
        for _piece in gen:  # the reply as the user gets it: screened by the safety filter
            pass
        self.prompt_tokens = gen.stats.prompt_tokens
        return gen.stats.decode_tokens_per_s if gen.stats.generated_tokens > 16 else None


class LlamaCppPython:
    """llama-cpp-python's own high-level streaming, same model and threads."""

    def __init__(self, path: str, threads: int, tokens: int, gpu_layers: int, placement: Any) -> None:
        import llama_cpp

        from app.engine.types import SPLIT_MODES

        self.llm = llama_cpp.Llama(path, n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                                   n_gpu_layers=gpu_layers, verbose=False,
                                   split_mode=SPLIT_MODES.index(placement.split_mode),
                                   main_gpu=placement.main_gpu,
                                   tensor_split=list(placement.tensor_split) or None)
        self.tokens = tokens
        self.llm.create_completion("Hello", max_tokens=8)

    def run(self, seed: int) -> float | None:
        self.llm.reset()
        n = 0
        t_first = 0.0
        for _chunk in self.llm.create_completion(PROMPT, max_tokens=self.tokens, stream=True, seed=seed):
            n += 1
            if n == 1:
                t_first = time.perf_counter()
        return (n - 1) / (time.perf_counter() - t_first) if n > 16 else None


class LlamaBench:
    """llama.cpp's llama-bench tg, built from the same vendored source."""

    def __init__(self, path: str, threads: int, tokens: int, gpu_layers: int, cuda: bool,
                 placement: Any) -> None:
        self.exe = build_tool("llama-bench", ["-DGGML_CUDA=ON"] if cuda else None)
        self.args = [str(self.exe), "-m", path, "-t", str(threads), "-p", "0", "-n", str(tokens),
                     "-ngl", str(gpu_layers), *placement_args(placement), "-o", "json"]
        self.machine = ""

    def run(self, seed: int, depth: int = 0) -> float | None:
        """tg at an empty cache, or after ``depth`` tokens already in it."""
        out = subprocess.run([*self.args, "-r", str(REPS), "-d", str(depth)], check=True,
                             capture_output=True, text=True).stdout
        row = json.loads(out)[0]
        self.machine = f"{row.get('cpu_info', '')} {row.get('gpu_info', '')}".strip()
        return float(row["avg_ts"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--unsigned", action="store_true",
                    help="load a model with no signed manifest (a synthetic one)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--tokens", type=int, default=128)
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
    placement = ours.loaded.plan.placement  # the others run where ours was placed
    bench = LlamaBench(path, threads, args.tokens, ngl, args.cuda, placement)
    lcp = LlamaCppPython(path, threads, args.tokens, ngl, placement)

    def plain(seed: int) -> float | None:
        # The same engine sampling through llama.cpp's llama_sampler_sample alone, to
        # show what the compiled sampling step (app/engine/_sampling.c) gains.
        return ours.run(seed, compiled_step=False)

    # Interleaved rounds: each round runs all three back to back, so drift in the
    # machine's load hits them alike; ratios are taken within a round.
    # A chat reply decodes after its prompt (template, system and user text), and each
    # token then attends to that much more cache; tg at the same depth measures the
    # same work, so the loop's own overhead shows in that ratio.
    depth = ours.prompt_tokens
    speeds: dict[str, list[float]] = {"bench": [], "bench_depth": [], "lcp": [], "ours": [],
                                      "plain": []}
    ratios: dict[str, list[float]] = {"lcp": [], "ours": [], "ours_depth": [], "plain": [],
                                      "step": []}
    for i in range(args.runs):
        seed = i * (REPS + 1)
        b = bench.run(i)
        row = {"bench": b, "bench_depth": bench.run(i, depth), "lcp": timed(lcp.run, seed),
               "ours": timed(ours.run, seed), "plain": timed(plain, seed)}
        for k, v in row.items():
            if v:
                speeds[k].append(v)
        for k in ("lcp", "ours", "plain"):
            if b and row[k]:
                ratios[k].append(row[k] / b)
        if row["bench_depth"] and row["ours"]:
            ratios["ours_depth"].append(row["ours"] / row["bench_depth"])
        if row["ours"] and row["plain"]:
            ratios["step"].append(row["ours"] / row["plain"])
        print(f"round {i + 1}: " + " ".join(f"{k}={v:.1f}" if v else f"{k}=-" for k, v in row.items()),
              flush=True)
    ours.loaded.close()

    med = statistics.median
    b, bd = med(speeds["bench"]), med(speeds["bench_depth"])
    lp, o, pl = med(speeds["lcp"]), med(speeds["ours"]), med(speeds["plain"])
    r_lcp, r_ours, r_depth = med(ratios["lcp"]), med(ratios["ours"]), med(ratios["ours_depth"])
    r_plain, r_step = med(ratios["plain"]), med(ratios["step"])
    print(f"model {Path(path).name}, {threads} threads, backend {backend.name}, gpu layers {ngl}, "
          f"{args.runs} interleaved rounds of tg{args.tokens}; our prompt is {depth} tokens")
    print(f"machine: {bench.machine}")
    where = placement.describe(backend.devices) if ours.loaded.plan.n_gpu_layers else "CPU"
    print(f"placement: {where} ({ours.loaded.plan.reason}); "
          f"sampling from the graph's cut: {ours.loaded.engine.backend_sampling}")
    print(f"{'engine':<40} {'tok/s (median)':>15} {'ratio (median)':>15}")
    print(f"{'llama-bench tg' + str(args.tokens):<40} {b:>15.1f} {1.0:>15.3f}")
    print(f"{'llama-bench tg' + str(args.tokens) + ' @ d' + str(depth):<40} {bd:>15.1f} {bd / b:>15.3f}")
    print(f"{'llama-cpp-python create_completion':<40} {lp:>15.1f} {r_lcp:>15.3f}")
    print(f"{'Open-AutoGLM, llama.cpp sampling only':<40} {pl:>15.1f} {r_plain:>15.3f}")
    print(f"{'Open-AutoGLM (services, streaming)':<40} {o:>15.1f} {r_ours:>15.3f}")
    print(f"Open-AutoGLM against llama-bench at the same depth: {r_depth:.3f}")
    print(f"the compiled sampling step against llama.cpp's sampling alone: {r_step:.3f}")
    print(f"RESULT decode_ratio={r_ours:.3f} decode_ratio_same_depth={r_depth:.3f} "
          f"llama_cpp_python_ratio={r_lcp:.3f} compiled_step_gain={r_step:.3f} ours_tps={o:.1f} llama_bench_tps={b:.1f} "
          f"prompt_tokens={depth} backend={backend.name} split={placement.split_mode} "
          f"main_gpu={placement.main_gpu} graph_cut={int(ours.loaded.engine.backend_sampling)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
