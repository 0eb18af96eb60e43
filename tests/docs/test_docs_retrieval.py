"""Search quality does not slip: the labelled questions of bench/retrieval.py (half Chinese)
still find the passage that answers them."""

from __future__ import annotations

import sys

from app.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import retrieval  # noqa: E402


def test_the_labelled_questions_find_their_passages_in_the_top_five() -> None:
    rows = retrieval.evaluate(show_misses=False)
    assert rows["en"]["questions"] >= 100 and rows["zh"]["questions"] >= 100
    for lang in ("en", "zh"):
        assert rows[lang]["recall_at_5"] >= 0.95, (lang, rows[lang])
        assert rows[lang]["mrr"] >= 0.9, (lang, rows[lang])
