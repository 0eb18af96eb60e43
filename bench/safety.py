"""Measures the safety filter: precision and recall per category on the labelled corpus
(tests/data/safety_corpus.txt), how fast it scans, what it costs per streamed token, and
how much of a reply it holds back while it streams.

Run: ``python bench/safety.py``. Prints a table and ends with ``RESULT key=value …``:
``<category>_p``/``_r`` precision and recall, ``scan_kchars_s`` thousands of characters
scanned per second, ``stream_us_per_token`` the filter's cost per token of a streamed
reply, ``held_max_chars``/``held_mean_chars`` what it held back at most and on average
(``_plain``: over the texts with nothing to find; ``_ungated``: the same stream, right after,
with every detector and token pattern run on every window, for what skipping them saves).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.security.safety import CATEGORIES, CHECKSUM_CATEGORIES, SafetyRules, Scanner, StreamFilter  # noqa: E402


def _corpus_tools():  # type: ignore[no-untyped-def]
    """The corpus loader and scorer the precision/recall test uses, so both measure alike."""
    path = ROOT / "tests" / "security" / "test_safety_corpus.py"
    spec = importlib.util.spec_from_file_location("safety_corpus_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_corpus, module.score


def tokens_of(text: str) -> list[str]:
    """Pieces the size a small model's tokens have: a few characters, digits one by one."""
    out, i = [], 0
    while i < len(text):
        step = 1 if text[i].isdigit() or not text[i].isascii() else min(4, len(text) - i)
        out.append(text[i:i + step])
        i += step
    return out


def stream_cost(scanner: Scanner, text: str) -> tuple[float, list[int]]:
    """µs per token of ``text`` fed a token at a time, and what was held back after each."""
    pieces = tokens_of(text)
    flt = StreamFilter(scanner, SafetyRules(), ("output",), "en")
    held: list[int] = []
    started = time.perf_counter()
    for piece in pieces:
        flt.feed(piece)
        held.append(flt.held)
    flt.finish()
    return (time.perf_counter() - started) / len(pieces) * 1e6, held


def main() -> int:
    load_corpus, score = _corpus_tools()
    corpus = load_corpus()
    scanner = Scanner()
    scanner.scan("warm up 13800138000 a@b.cn AKIAIOSFODNN7EXAMPLE")
    started = time.perf_counter()
    scores = score(scanner, corpus)
    scan_s = time.perf_counter() - started
    chars = sum(len(t) for t, _ in corpus)

    print(f"Safety filter on {len(corpus)} labelled texts ({chars} characters)\n")
    print(f"{'category':<12} {'labelled':>8} {'found':>6} {'wrong':>6} {'missed':>6} "
          f"{'precision':>9} {'recall':>7}  bar (recall / precision)")
    result = []
    for c in CATEGORIES:
        p, r, tp, fp, fn = scores[c]
        bar = "0.99 / 0.97" if c in CHECKSUM_CATEGORIES else "0.95 / 0.90"
        print(f"{c:<12} {tp + fn:>8} {tp:>6} {fp:>6} {fn:>6} {p:>9.3f} {r:>7.3f}  {bar}")
        result += [f"{c}_p={p:.3f}", f"{c}_r={r:.3f}"]

    # Streaming: the corpus's texts as one long reply, fed a token at a time; then only the
    # texts with nothing to find, for what ordinary prose costs. Each right after with
    # nothing skipped, for what the gates and the token patterns' searches save.
    print()
    for name, texts in (("all texts", [t for t, _ in corpus]),
                        ("nothing to find", [t for t, labels in corpus if not labels])):
        text = "\n".join(texts)
        per_token_us, held = stream_cost(scanner, text)
        ungated_us, _ = stream_cost(Scanner(gated=False), text)
        p95 = sorted(held)[int(len(held) * 0.95)]
        print(f"stream, {name}: {len(held)} tokens, {per_token_us:.0f} µs per token "
              f"({ungated_us:.0f} with nothing skipped); held back {statistics.mean(held):.1f} "
              f"characters on average, {p95} at the 95th percentile, {max(held)} at most")
        key = "" if name == "all texts" else "_plain"
        result += [f"stream_us_per_token{key}={per_token_us:.0f}",
                   f"held_mean_chars{key}={statistics.mean(held):.1f}", f"held_max_chars{key}={max(held)}",
                   f"stream_us_per_token{key}_ungated={ungated_us:.0f}"]
    print(f"scan: {chars / scan_s / 1000:.0f} k characters/s")
    result.append(f"scan_kchars_s={chars / scan_s / 1000:.0f}")
    print("RESULT " + " ".join(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
