"""How well search finds the passage that answers a question: recall@5 and MRR over the
labelled questions in tests/data/docs_retrieval_{en,zh}.txt (US Constitution; 论语, 道德经 and
short Chinese texts), each language one document read through the real ingest; full-text
search alone, and hybrid (full-text and by meaning, fused by reciprocal rank) where an
embedding model is given.

Run: ``python bench/retrieval.py [--show-misses] [--embedding-model GGUF | --no-hybrid]``
(without --embedding-model, the default model stands in: it is not an embedding model).
Prints a table and ends with ``RESULT recall_at_5=… mrr=… questions=…`` (and the hybrid
figures as ``hybrid_recall_at_5=… hybrid_mrr=…``).
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


def evaluate(show_misses: bool, embedder: object | None = None) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs = open_documents(open_context(Path(tmp) / "data"))
        docs.meaning.use(embedder)  # type: ignore[arg-type]
        try:
            for lang in ("en", "zh"):
                text, ranges, questions = load(DATA / f"docs_retrieval_{lang}.txt")
                doc = Path(tmp) / f"retrieval_{lang}.md"
                doc.write_text(text, encoding="utf-8")
                started = time.perf_counter()
                docs.add(lang, [doc])
                ingest_s = time.perf_counter() - started
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
                    "ingest_s": ingest_s,
                }
        finally:
            docs.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-misses", action="store_true",
                        help="print each question whose passage is not ranked first")
    parser.add_argument("--embedding-model", metavar="GGUF",
                        help="the model for the hybrid run (default: the default model)")
    parser.add_argument("--no-hybrid", action="store_true", help="full-text search only")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads of the embedding model (0: the threads setting's default)")
    args = parser.parse_args()
    from tests.keyring_backends import use_folder_keyring

    keys = tempfile.TemporaryDirectory()
    use_folder_keyring(Path(keys.name))  # throwaway keys: never the user's keyring
    runs = {"fts": evaluate(args.show_misses)}
    embedding_name = ""
    if not args.no_hybrid:
        from app.services.doc_meaning import load_embedding_model
        from app.services.models import default_model

        with tempfile.TemporaryDirectory() as tmp:
            model = load_embedding_model(open_context(Path(tmp) / "data"),
                                         args.embedding_model or str(default_model()),
                                         threads=args.threads or None)
        embedding_name = model.name
        try:
            runs["hybrid"] = evaluate(args.show_misses, model.engine)
        finally:
            model.close()
    print(f"{'ranking':<8}{'set':<6}{'questions':>10}{'passages':>10}{'recall@5':>10}{'MRR':>8}"
          f"{'median ms':>11}{'ingest s':>10}")
    totals: dict[str, tuple[float, float, int]] = {}
    for run, rows in runs.items():
        for lang, r in rows.items():
            print(f"{run:<8}{lang:<6}{r['questions']:>10.0f}{r['passages']:>10.0f}"
                  f"{r['recall_at_5']:>10.3f}{r['mrr']:>8.3f}{r['median_ms']:>11.2f}"
                  f"{r['ingest_s']:>10.2f}")
        n = int(sum(r["questions"] for r in rows.values()))
        recall = sum(r["recall_at_5"] * r["questions"] for r in rows.values()) / n
        mrr = sum(r["mrr"] * r["questions"] for r in rows.values()) / n
        print(f"{run:<8}{'all':<6}{n:>10}{'':>10}{recall:>10.3f}{mrr:>8.3f}")
        totals[run] = (recall, mrr, n)
    if embedding_name:
        print(f"hybrid: embedding model {embedding_name}, {model.plan.n_threads} thread(s)")
    recall, mrr, n = totals["fts"]
    rows = runs["fts"]
    line = (f"RESULT recall_at_5={recall:.3f} mrr={mrr:.3f} questions={n} "
            f"recall_at_5_en={rows['en']['recall_at_5']:.3f} "
            f"recall_at_5_zh={rows['zh']['recall_at_5']:.3f}")
    if "hybrid" in totals:
        h_recall, h_mrr, _ = totals["hybrid"]
        line += (f" hybrid_recall_at_5={h_recall:.3f} hybrid_mrr={h_mrr:.3f} "
                 f"embedding_model={embedding_name}")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
