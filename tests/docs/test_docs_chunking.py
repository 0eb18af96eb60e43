"""Cutting text into passages, for any text: nothing is lost, passages stay within the budget,
they come in order, and their offsets are the text's own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.docs.chunking import chunk_spans, estimate_tokens
from app.docs.extract import decode_text, html_text, rows_as_text

PIECES = st.sampled_from([
    "The Senate shall be composed of two Senators. ", "Who? ", "Yes! ", "学而时习之，不亦说乎？",
    "君子有三畏。", "有朋自远方来", "\n\n", "\n", " ", "4,200 pallets", "e.g. this", "…",
    "“引号里的话。”", "word" * 40, "长" * 300,
])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=60), st.integers(20, 120))
def test_passages_cover_the_text_in_order_within_the_budget(pieces: list[str], budget: int) -> None:
    text = "".join(pieces)
    spans = chunk_spans(text, budget=budget, overlap=budget // 4)
    covered = [False] * len(text)
    previous = (-1, -1)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert (start, end) > previous  # in order; overlapping only forwards
        assert not text[start].isspace() and not text[end - 1].isspace()
        # Over the budget only as far as a budget-sized piece of one long sentence goes.
        assert estimate_tokens(text[start:end]) <= budget + 64
        for i in range(start, end):
            covered[i] = True
        previous = (start, end)
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_text_in_the_encodings_analysts_meet_is_read() -> None:
    zh = "季度报告：库存周转二十六天。"
    assert decode_text(zh.encode("gb18030")) == zh
    assert decode_text(zh.encode("utf-16")) == zh
    assert decode_text(b"\xef\xbb\xbf" + zh.encode()) == zh


def test_html_loses_its_markup_scripts_and_styles_but_keeps_its_words() -> None:
    text = html_text("<html><head><title>T &amp; C</title><style>x{}</style></head><body>"
                     "<h1>Heading</h1><p>One&nbsp;&lt;two&gt;</p><script>evil()</script>"
                     "<ul><li>a</li><li>b</li></ul></body></html>")
    assert text.startswith("T & C\n\nHeading\n\nOne\xa0<two>")
    assert "evil" not in text and "x{}" not in text


def test_rows_keep_their_header() -> None:
    rows = iter([["Item", "Amount"], ["Lease", "18500"], ["", ""], ["Repair", ""]])
    assert rows_as_text(rows) == "Item | Amount\nItem: Lease; Amount: 18500\nItem: Repair"
