"""Time to first token of a follow-up turn with the KV cache reused, against the
same prompt processed cold. Prints a table and a final ``RESULT`` line.

    python bench/prefix.py [--model PATH] [--turns 6] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "Describe the water cycle in detail.",
    "How does evaporation differ from boiling?",
    "What role do clouds play in the climate?",
    "Explain how rain forms inside a cloud.",
    "Why are some clouds darker than others?",
    "Summarise everything we discussed so far.",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--turns", type=int, default=6)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gpu-layers", type=int, default=None)
    args = ap.parse_args()

    from app.engine.types import ChatMessage
    from app.services.chat import sampling_from_settings
    from app.services.context import open_context
    from app.services.models import load_model

    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data)
        loaded = load_model(ctx, args.model, n_ctx=4096, gpu_layers=args.gpu_layers)
        engine = loaded.engine
        params = sampling_from_settings(ctx.settings, max_tokens=96, seed=1)
        history = [ChatMessage("system", "You are a helpful assistant.")]
        for q in QUESTIONS[: args.turns - 1]:
            history.append(ChatMessage("user", q))
            reply = engine.stream_chat(history, params).read_all()
            history.append(ChatMessage("assistant", reply))
        history.append(ChatMessage("user", QUESTIONS[args.turns - 1]))
        one = sampling_from_settings(ctx.settings, max_tokens=1, seed=1)
        warm, cold, prompt_tokens, cached = [], [], 0, 0
        for _ in range(args.runs):
            # Warm: the history up to the last turn is cached, as after a real previous turn.
            engine.stream_chat(history[:-1], one).read_all()
            g = engine.stream_chat(history, one)
            g.read_all()
            warm.append(g.stats.time_to_first_token_s)
            cached = g.stats.cached_tokens
            engine.reset()
            g = engine.stream_chat(history, one)
            g.read_all()
            cold.append(g.stats.time_to_first_token_s)
            prompt_tokens = g.stats.prompt_tokens
        loaded.close()
    w, c = statistics.median(warm) * 1000, statistics.median(cold) * 1000
    print(f"model {loaded.name}, backend {loaded.plan.backend.name}, prompt {prompt_tokens} tokens, "
          f"{cached} reused")
    print(f"{'follow-up turn':<28} {'TTFT ms (median)':>18}")
    print(f"{'cold (whole prompt)':<28} {c:>18.1f}")
    print(f"{'KV cache reused':<28} {w:>18.1f}")
    print(f"RESULT prefix_speedup={c / w:.2f} ttft_cold_ms={c:.1f} ttft_warm_ms={w:.1f} "
          f"prompt_tokens={prompt_tokens} reused_tokens={cached}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
