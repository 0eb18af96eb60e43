"""Speculative decoding by prompt lookup (or with a draft model) against plain decoding,
same engine, same run: a reply that quotes its prompt (a document answer, a summary, an
edit) and free chat. Greedy decoding, so both runs aim at the same reply. Prints a table
and a final ``RESULT`` line.

    python bench/speculative.py [--model PATH] [--gpu-layers N] [--threads N] [--runs 3]
                                [--draft-model PATH [--unsigned]]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DOCUMENT = (
    "Minutes of the budget committee, 14 March.\n\n"
    "1. The committee reviewed the spending of the first quarter. Travel came to 82,000 "
    "against a plan of 90,000; training to 41,500 against 40,000; equipment to 120,300 "
    "against 118,000.\n"
    "2. It was agreed to keep the travel allowance as it is for the rest of the year, to "
    "raise the training budget by a tenth from April, and to move 10,000 from equipment "
    "to the shared research fund.\n"
    "3. Every office is asked to send its plans for the second half of the year to the "
    "secretary before the end of the month, in the usual template, signed by its head.\n"
    "4. The next meeting is on 11 April at ten o'clock in room 4.12. Apologies to the "
    "secretary by the Monday before.\n"
)
PROMPTS = {
    "quote": f"Here are the minutes of a meeting:\n\n{DOCUMENT}\nCopy point 2 and point 3 "
             "of the minutes word for word.",
    "free": "Write a short story about a lighthouse keeper who finds a message in a bottle.",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--gpu-layers", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=160)
    ap.add_argument("--draft", type=int, default=8)
    ap.add_argument("--draft-model", help="draft with this model instead of by prompt lookup "
                    "(same: the chat model itself, whose drafts are always right: the upper bound)")
    ap.add_argument("--unsigned", action="store_true", help="allow unsigned models (synthetic ones)")
    args = ap.parse_args()

    from app.engine.types import ChatMessage, SamplingParams
    from app.services.context import open_context
    from app.services.models import load_model

    results: dict[str, tuple[float, float, float, int, int]] = {}
    from tests.keyring_backends import use_folder_keyring

    with tempfile.TemporaryDirectory() as data:
        use_folder_keyring(Path(data) / "keyring")  # throwaway data: never a real keyring
        ctx = open_context(data)
        if args.threads:
            ctx.settings.set("threads", args.threads)
        if args.draft_model:
            from app.services.models import resolve_model

            ctx.settings.set("speculative", "model")
            ctx.settings.set("draft_model", str(resolve_model(ctx, args.model))
                             if args.draft_model == "same" else args.draft_model)
        loaded = load_model(ctx, args.model, n_ctx=4096, gpu_layers=args.gpu_layers,
                            allow_unsigned=args.unsigned)
        if loaded.draft_error:
            raise SystemExit(loaded.draft_error)
        engine = loaded.engine
        how = f"draft model {loaded.draft_name}" if args.draft_model else "prompt lookup"
        print(f"model: {Path(loaded.path).name}  backend: {loaded.plan.backend.name if loaded.plan else '?'}  "
              f"{how}: up to {args.draft} tokens")
        column = "draft tok/s" if args.draft_model else "lookup tok/s"
        print(f"{'prompt':8} {'plain tok/s':>12} {column:>13} {'speed-up':>9} {'accepted':>9} {'same text':>10}")
        for name, prompt in PROMPTS.items():
            messages = [ChatMessage("user", prompt)]
            plain, drafted, accepted, drafted_n, same = [], [], [], 0, 0
            for _ in range(args.runs):
                engine.reset()
                g = engine.stream_chat(messages, SamplingParams(temperature=0.0, max_tokens=args.tokens))
                want = g.read_all()
                plain.append(g.stats.decode_tokens_per_s)
                engine.reset()
                d = engine.stream_chat(messages, SamplingParams(temperature=0.0, max_tokens=args.tokens,
                                                                draft=args.draft))
                same += d.read_all() == want
                drafted.append(d.stats.decode_tokens_per_s)
                drafted_n += d.stats.drafted_tokens
                accepted.append(d.stats.accepted_tokens / max(1, d.stats.drafted_tokens))
            p, s = statistics.median(plain), statistics.median(drafted)
            results[name] = (p, s, statistics.median(accepted), same, args.runs)
            print(f"{name:8} {p:12.1f} {s:13.1f} {s / p:9.2f} {statistics.median(accepted):9.2f} "
                  f"{same:>6}/{args.runs}")
    q, f = results["quote"], results["free"]
    print(f"RESULT drafts={'model' if args.draft_model else 'lookup'} speedup_quote={q[1] / q[0]:.2f} speedup_free={f[1] / f[0]:.2f} "
          f"accept_quote={q[2]:.2f} accept_free={f[2]:.2f} same_quote={q[3]}/{q[4]} "
          f"same_free={f[3]}/{f[4]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
