"""How well full-text search finds the passage that answers a question: recall@5 and MRR over
the labelled questions in tests/data/docs_retrieval_{en,zh}.txt (US Constitution; 论语,
道德经 and short Chinese texts), each language one document read through the real ingest.

Run: ``python bench/retrieval.py [--show-misses]``. Prints a table and ends with
``RESULT recall_at_5=… mrr=… questions=…``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.context import open_context  # noqa: E402
from app.services.documents import open_documents  # noqa: E402

DATA = ROOT / "tests" / "data"
K = 5


@dataclass(frozen=True)
class Question:
    text: str
    passage: str


def load(path: Path) -> tuple[str, dict[str, tuple[int, int]], list[Question]]:
    """The document's text (passages joined by blank lines), each passage's character
    range in it, and the questions with the passage that answers each."""
    parts: list[str] = []
    ranges: dict[str, tuple[int, int]] = {}
    questions: list[Question] = []
    offset = 0
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif line.startswith("? "):
            questions.append(Question(line[2:].strip(), current))
        elif line.strip() and not line.startswith("#"):
            ranges[current] = (offset, offset + len(line))
            parts.append(line)
            offset += len(line) + 2
    return "\n\n".join(parts), ranges, questions


def evaluate(show_misses: bool) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs = open_documents(open_context(Path(tmp) / "data"))
        try:
            for lang in ("en", "zh"):
                text, ranges, questions = load(DATA / f"docs_retrieval_{lang}.txt")
                doc = Path(tmp) / f"retrieval_{lang}.md"
                doc.write_text(text, encoding="utf-8")
                docs.add(lang, [doc])
                ranks, times = [], []
                for q in questions:
                    start = time.perf_counter()
                    hits = docs.search(lang, q.text, K)
                    times.append(time.perf_counter() - start)
                    a, b = ranges[q.passage]
                    rank = next((h.number for h in hits if h.char_start < b and h.char_end > a), 0)
                    ranks.append(rank)
                    if show_misses and rank != 1:
                        print(f"  {lang} rank {rank or '-'}: {q.text}  [{q.passage}]")
                rows[lang] = {
                    "questions": len(questions),
                    "passages": len(ranges),
                    "recall_at_5": sum(1 for r in ranks if r) / len(ranks),
                    "mrr": sum(1 / r for r in ranks if r) / len(ranks),
                    "median_ms": statistics.median(times) * 1000,
                }
        finally:
            docs.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-misses", action="store_true",
                        help="print each question whose passage is not ranked first")
    args = parser.parse_args()
    rows = evaluate(args.show_misses)
    print(f"{'set':<6}{'questions':>10}{'passages':>10}{'recall@5':>10}{'MRR':>8}{'median ms':>11}")
    for lang, r in rows.items():
        print(f"{lang:<6}{r['questions']:>10.0f}{r['passages']:>10.0f}{r['recall_at_5']:>10.3f}"
              f"{r['mrr']:>8.3f}{r['median_ms']:>11.2f}")
    n = sum(r["questions"] for r in rows.values())
    recall = sum(r["recall_at_5"] * r["questions"] for r in rows.values()) / n
    mrr = sum(r["mrr"] * r["questions"] for r in rows.values()) / n
    print(f"{'all':<6}{n:>10.0f}{'':>10}{recall:>10.3f}{mrr:>8.3f}")
    print(f"RESULT recall_at_5={recall:.3f} mrr={mrr:.3f} questions={n} "
          f"recall_at_5_en={rows['en']['recall_at_5']:.3f} recall_at_5_zh={rows['zh']['recall_at_5']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
