"""Ingest throughput and search latency at scale: 5,000 generated PDF pages (English) plus
Chinese text files of about the same volume, read through the real ingest, then timed
questions in both languages.

Two kinds of generated text: ``--text zipf`` (the default) draws words from a
vocabulary of a few thousand with Zipf's law, as real prose does, and asks about words
of middling frequency, as a user asks about particular things; ``--text uniform``
draws from 40 words only, so every word of every question is in most passages: the
worst case for a full-text index.

Run: ``python bench/docs_scale.py [--pages 5000] [--queries 200] [--text zipf|uniform]``.
Prints a table and ends with ``RESULT pages_per_s=… query_p50_ms=… query_p95_ms=…``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.context import open_context  # noqa: E402
from app.services.documents import open_documents  # noqa: E402

PAGES_PER_PDF = 100
ENGLISH = (
    "warehouse shipment invoice pallet forklift inventory supplier contract quarter budget "
    "forecast revenue margin freight customs harbour container driver route depot audit "
    "compliance safety training overtime schedule maintenance refrigeration temperature "
    "customer order return damage claim insurance premium region office manager report"
).split()
CHINESE = (
    "仓库 货运 发票 托盘 叉车 库存 供应商 合同 季度 预算 预测 收入 利润 运费 海关 港口 集装箱 "
    "司机 路线 网点 审计 合规 安全 培训 加班 排班 维修 冷藏 温度 客户 订单 退货 损坏 理赔 保险 "
    "地区 办公室 经理 报告 上海 北京 广州 深圳 成都 武汉 西安 南京 杭州 天津"
).split()


class Vocabulary:
    """Words to write with: the 40 domain words alone (uniform), or those among a few
    thousand made-up ones drawn with Zipf's law (zipf)."""

    def __init__(self, kind: str, rng: random.Random) -> None:
        self.kind = kind
        if kind == "uniform":
            self.en, self.zh = ENGLISH, CHINESE
            self.en_weights = self.zh_weights = None
            return
        syllables = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "or")]
        made_up = {"".join(rng.sample(syllables, rng.randint(2, 3))) for _ in range(6000)}
        self.en = ENGLISH + sorted(made_up)[:4000]
        hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 2500, 5)]
        made_up_zh = {rng.choice(hanzi) + rng.choice(hanzi) for _ in range(6000)}
        self.zh = CHINESE + sorted(made_up_zh)[:4000]
        rng.shuffle(self.en)
        rng.shuffle(self.zh)
        self.en_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.en))]
        self.zh_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.zh))]

    def english(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.en, weights=self.en_weights, k=k)

    def chinese(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.zh, weights=self.zh_weights, k=k)

    def questions(self, rng: random.Random, n: int) -> tuple[list[str], list[str]]:
        """Questions of four words (three in Chinese): any words for uniform; for zipf, words
        ranked 200th to 2,000th, the particular things people ask about."""
        if self.kind == "uniform":
            return ([" ".join(rng.sample(self.en, 4)) for _ in range(n)],
                    ["".join(rng.sample(self.zh, 3)) + "的情况如何？" for _ in range(n)])
        en, zh = self.en[200:2000], self.zh[200:2000]
        return ([" ".join(rng.sample(en, 4)) for _ in range(n)],
                ["".join(rng.sample(zh, 3)) + "的情况如何？" for _ in range(n)])


def english_page(vocab: Vocabulary, rng: random.Random, number: int) -> str:
    sentences = []
    for _ in range(14):
        words = vocab.english(rng, rng.randint(8, 16))
        sentences.append(" ".join(words).capitalize() + f" {rng.randint(1, 9999)}.")
    return f"Page {number}. " + " ".join(sentences)


def chinese_page(vocab: Vocabulary, rng: random.Random) -> str:
    return "".join("".join(vocab.chinese(rng, rng.randint(6, 12))) + "。" for _ in range(30))


def generate(folder: Path, pages: int, vocab: Vocabulary, rng: random.Random) -> tuple[int, int]:
    from fpdf import FPDF

    n_pdf = 0
    for start in range(0, pages, PAGES_PER_PDF):
        pdf = FPDF()
        pdf.set_font("helvetica", size=10)
        for number in range(start, min(pages, start + PAGES_PER_PDF)):
            pdf.add_page()
            pdf.multi_cell(0, 5, english_page(vocab, rng, number + 1))
        pdf.output(str(folder / f"report_{n_pdf:03}.pdf"))
        n_pdf += 1
    zh = folder / "zh"
    zh.mkdir()
    n_txt = pages // 50
    for i in range(n_txt):
        text = "\n\n".join(chinese_page(vocab, rng) for _ in range(50))
        (zh / f"纪要_{i:03}.txt").write_text(text, encoding="utf-8")
    return n_pdf, n_txt


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--text", choices=("zipf", "uniform"), default="zipf",
                        help="how words are drawn (see above; default zipf)")
    parser.add_argument("--corpus", type=Path,
                        help="keep the generated files in this folder and reuse them next time")
    args = parser.parse_args()
    rng = random.Random(13)
    vocab = Vocabulary(args.text, random.Random(7))
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus or Path(tmp) / "corpus"
        if not (corpus / "zh").is_dir():
            corpus.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            n_pdf, n_txt = generate(corpus, args.pages, vocab, rng)
            print(f"generated {args.pages} PDF pages in {n_pdf} files and {n_txt} Chinese text "
                  f"files in {time.perf_counter() - started:.0f} s", flush=True)
        docs = open_documents(open_context(Path(tmp) / "data"))
        try:
            pdf_report = docs.add("scale", sorted(corpus.glob("*.pdf")))
            zh_report = docs.add("scale", [corpus / "zh"])
            again = docs.add("scale", [corpus])
            chunks = sum(d.chunks for d in docs.documents("scale"))
            ask = random.Random(29)  # the same questions whether or not the files were made now
            en_q, zh_q = vocab.questions(ask, args.queries // 2)
            short_q = ask.sample(CHINESE, 10)
            timings: dict[str, list[float]] = {"english": [], "chinese": [], "chinese 2-char": []}
            for name, questions in (("english", en_q), ("chinese", zh_q), ("chinese 2-char", short_q)):
                for q in questions:
                    t = time.perf_counter()
                    hits = docs.search("scale", q, 5)
                    timings[name].append((time.perf_counter() - t) * 1000)
                    assert hits, q
        finally:
            docs.close()
    pages_per_s = pdf_report.pages / pdf_report.seconds
    print(f"ingest: {pdf_report.pages} PDF pages in {pdf_report.seconds:.1f} s = "
          f"{pages_per_s:.0f} pages/s; Chinese text {zh_report.seconds:.1f} s; "
          f"{chunks} passages; re-adding the unchanged folder {again.seconds:.2f} s")
    print(f"{'queries':<16}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    every: list[float] = []
    for name, values in timings.items():
        every += values
        print(f"{name:<16}{len(values):>5}{statistics.median(values):>9.1f}"
              f"{percentile(values, 0.95):>9.1f}{max(values):>9.1f}")
    p50, p95 = statistics.median(every), percentile(every, 0.95)
    print(f"RESULT text={args.text} pages_per_s={pages_per_s:.1f} query_p50_ms={p50:.1f} query_p95_ms={p95:.1f} "
          f"pages={pdf_report.pages} passages={chunks} readd_s={again.seconds:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
