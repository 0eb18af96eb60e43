"""The safety filter on a labelled corpus of Chinese and English texts: per-category
precision and recall, held to the bar the checksum-backed categories can meet and to a
lower one for the rest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from app.security.safety import CATEGORIES, CHECKSUM_CATEGORIES, Scanner

CORPUS = Path(__file__).resolve().parent.parent / "data" / "safety_corpus.txt"
MARK = re.compile(r"⟦([a-z_]+)\|(.*?)⟧", re.DOTALL)
BAR = {c: (0.99, 0.97) if c in CHECKSUM_CATEGORIES else (0.95, 0.90) for c in CATEGORIES}


def load_corpus(path: Path = CORPUS) -> list[tuple[str, set[tuple[str, int, int]]]]:
    """(text, {(category, start, end)}) for every line, the marks taken out."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        line = line.replace("\\n", "\n")
        text, labels, pos = [], set(), 0
        length = 0
        for m in MARK.finditer(line):
            before = line[pos:m.start()]
            text.append(before)
            length += len(before)
            labels.add((m.group(1), length, length + len(m.group(2))))
            text.append(m.group(2))
            length += len(m.group(2))
            pos = m.end()
        text.append(line[pos:])
        out.append(("".join(text), labels))
    return out


def score(scanner: Scanner, corpus: list[tuple[str, set[tuple[str, int, int]]]]
          ) -> dict[str, tuple[float, float, int, int, int]]:
    """category → (precision, recall, true positives, false positives, false negatives); a
    finding counts only with the exact span and category of its label."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for text, labels in corpus:
        found = {(f.category, f.start, f.end) for f in scanner.scan(text)}
        for category, *_ in found & labels:
            tp[category] += 1
        for category, *_ in found - labels:
            fp[category] += 1
        for category, *_ in labels - found:
            fn[category] += 1
    out = {}
    for c in CATEGORIES:
        precision = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 1.0
        recall = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 1.0
        out[c] = (precision, recall, tp[c], fp[c], fn[c])
    return out


def test_the_corpus_is_big_and_varied_enough() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 600
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", t)) for t, _ in corpus) >= 250, "Chinese texts"
    assert sum(not re.search(r"[\u4e00-\u9fff]", t) for t, _ in corpus) >= 200, "English texts"
    assert sum(not labels for _, labels in corpus) >= 200, "texts with nothing to find"
    per = Counter(c for _, labels in corpus for c, *_ in labels)
    assert all(per[c] >= 20 for c in CATEGORIES), per


def test_each_category_meets_its_precision_and_recall_bar() -> None:
    scores = score(Scanner(), load_corpus())
    failing = {c: s for c, s in scores.items() if s[0] < BAR[c][1] or s[1] < BAR[c][0]}
    assert not failing, "\n".join(
        f"{c}: precision {p:.3f}, recall {r:.3f} (tp {tp}, fp {fp}, fn {fn}); needs "
        f"{BAR[c][1]} / {BAR[c][0]}" for c, (p, r, tp, fp, fn) in failing.items())


@pytest.mark.parametrize("bad", ["⟦id_number|110105194912310021⟧"])
def test_a_wrongly_labelled_line_is_caught(tmp_path: Path, bad: str) -> None:
    """The measure itself can fail: a wrong checksum labelled as an ID is a miss."""
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text(f"身份证号{bad}。\n", encoding="utf-8")
    precision, recall, *_ = score(Scanner(), load_corpus(corpus_file))["id_number"]
    assert recall == 0.0
