"""A title is one short line: no quotes, no label, no full stop; else the first words."""

from __future__ import annotations

import pytest

from app.services.titles import TITLE_MAX_CHARS, clean_title, fallback_title


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ('"Quarterly Budget Review"', "Quarterly Budget Review"),
        ("Title: Cloud costs in March.\nMore text", "Cloud costs in March"),
        ("\n\n## “Hiring plan”  \n", "Hiring plan"),
        ("「季度预算」", "季度预算"),
        ('A: "The Colour of Light: A Guide to Understanding the Visible Spectrum', "The Colour of Light"),
        ("", ""),
    ],
)
def test_the_models_title_is_cleaned(raw: str, title: str) -> None:
    assert clean_title(raw) == title


def test_a_long_title_is_shortened_at_a_word() -> None:
    title = clean_title("word " * 40)
    assert len(title) <= TITLE_MAX_CHARS + 1 and title.endswith("word…")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Summarise the main risks in three bullet points, please.", "Summarise the main risks in three"),
        ("   ", "Untitled"),
        ("请帮我总结一下这份季度报告的主要风险和下一步的行动建议", "请帮我总结一下这份季度报告的主要…"),
        ("Hello.", "Hello"),
    ],
)
def test_without_a_model_the_first_words_are_the_title(text: str, title: str) -> None:
    assert fallback_title(text) == title
