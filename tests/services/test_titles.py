"""A title is a short noun phrase in the conversation's language: the model's, made under a
grammar, unless it is a remark about the chat; then the user's first words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.services.titles import (
    TITLE_MAX_CHARS,
    clean_title,
    fallback_title,
    is_chinese,
    is_title,
    title_for,
    writes_chinese,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "titles.json"
HANZI = re.compile(r"[\u4e00-\u9fff]")
# What small models write instead of a title (seen in the desktop app before titles were made
# under a grammar): none of it may start a title.
META_PHRASES = (
    "here", "here's", "sure", "certainly", "of course", "okay", "a title", "the title",
    "title:", "a more fitting", "a short summary", "a rewritten", "this conversation",
    "in this conversation", "i'd", "i'm", "as an ai", "标题", "这段对话",
)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ('"Quarterly Budget Review"', "Quarterly Budget Review"),
        ("Title: Cloud costs in March.\nMore text", "Cloud costs in March"),
        ("\n\n## “Hiring plan”  \n", "Hiring plan"),
        ("「季度预算」", "季度预算"),
        ('A: "The Colour of Light: A Guide to Understanding the Visible Spectrum', "The Colour of Light"),
        ("Budget tips!", "Budget tips"),
        ("", ""),
    ],
)
def test_the_models_title_is_cleaned(raw: str, title: str) -> None:
    assert clean_title(raw) == title


def test_a_long_title_is_shortened_at_a_word() -> None:
    title = clean_title("word " * 40)
    assert len(title) <= TITLE_MAX_CHARS + 1 and title.endswith("word…")


@pytest.mark.parametrize(
    "answer",
    [
        "Here's a rewritten version of the conversation",  # seen in the app (issue 17)
        "Here's a short summary of the conversation",
        "A more fitting title for this conversation",
        "Sure",
        "Certainly here is one",
        "I'm happy to help",
        "Writing tips for the user, with examples and a summary of each of them",  # too long
        "Tips for writing. Also",  # a sentence
        "",
    ],
)
def test_remarks_about_the_conversation_are_not_titles(answer: str) -> None:
    assert not is_title(answer, "Give me three tips for writing")


@pytest.mark.parametrize("title", ["Writing Tips", "Weighted Average in Excel", "SQLite vs PostgreSQL"])
def test_noun_phrases_are_titles(title: str) -> None:
    assert is_title(title, "any question")


def test_a_chinese_conversation_needs_a_chinese_title() -> None:
    assert is_chinese("请帮我总结一下这份季度报告") and not is_chinese("Summarise the Q3 report")
    assert not is_title("Quarterly Report Risks", "请帮我总结一下这份季度报告")
    assert is_title("季度报告风险", "请帮我总结一下这份季度报告")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Summarise the main risks in three bullet points, please.", "Summarise the main risks in three"),
        ("Could you please explain how inflation affects bonds?", "Explain how inflation affects bonds"),
        ("Hi! Please suggest a name for a dashboard.", "Suggest a name for a dashboard"),
        ("   ", "Untitled"),
        ("请帮我总结一下这份季度报告的主要风险和下一步的行动建议", "总结一下这份季度报告的主要风险…"),
        ("你好，能不能解释一下什么是数据仓库？", "解释一下什么是数据仓库"),
        ("如何用Excel计算同比增长率？", "如何用Excel计算同比增长率"),
        ("Hello.", "Hello"),
    ],
)
def test_the_users_first_words_are_the_fallback(text: str, title: str) -> None:
    assert fallback_title(text) == title


def title_length_ok(title: str, chinese: bool) -> bool:
    if chinese:
        return len(HANZI.findall(title)) <= 16
    return len(title.split()) <= 8


@pytest.mark.slow
def test_twenty_first_exchanges_get_titles_not_remarks(loaded_model) -> None:  # type: ignore[no-untyped-def]
    """The default model titles twenty varied first exchanges (tests/data/titles.json): every
    title is short, none is a remark about the chat, and Chinese ones are in Chinese."""
    exchanges = json.loads(DATA.read_text(encoding="utf-8"))["exchanges"]
    assert len(exchanges) == 20
    engine = loaded_model.engine
    made_by_model = 0
    for ex in exchanges:
        chinese = ex["language"] == "zh"
        title = title_for(engine, None, ex["question"], ex["answer"])
        shown = f"{ex['question']!r} -> {title!r}"
        assert title and title_length_ok(title, chinese), shown
        assert not title.lower().startswith(META_PHRASES), shown
        assert not title.endswith((".", "。", ":", "?", "？", '"')), shown
        if chinese:
            assert HANZI.search(title), shown
        elif title != fallback_title(ex["question"]):
            made_by_model += 1
    # The grammar leaves the model room to title most English exchanges itself.
    assert made_by_model >= 7


@pytest.mark.slow
def test_an_english_only_model_leaves_chinese_conversations_the_users_words(loaded_model) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2's tokenizer spells 汉字 in byte pieces: it is not asked for Chinese titles."""
    engine = loaded_model.engine
    assert not writes_chinese(engine)
    question = "给我三个提高团队会议效率的建议"
    assert title_for(engine, None, question, "1. 会前发出议程。") == fallback_title(question)
