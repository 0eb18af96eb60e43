"""Turns a question into an FTS5 expression over the trigram index that ranks passages by
how many of the question's words they hold (BM25), in Chinese and English alike."""

from __future__ import annotations

import re
from collections.abc import Sequence

# The trigram tokenizer indexes every run of three characters, so a word of three or
# more characters is a phrase of trigrams, found anywhere (also inside longer words:
# "elect" finds "election"). A shorter one is looked up as the set of indexed trigrams
# that begin with it (see app.store.search), unless it begins too many to be worth it.
MIN_INDEXED_CHARS = 3
MAX_EXPANSION = 200

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")

# Words that say what kind of question it is rather than what it is about.
ENGLISH_STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in
    into is it its may might must my not of on or our shall should so than that the their them
    then there these they this those to was we were what when where which who whom whose why will
    with would you your about according any much many does document text say says tell me please
    give list name describe explain""".split()
)
CHINESE_STOPWORDS = tuple(
    sorted(
        """什么 哪些 哪个 哪里 哪一 哪 为什么 怎么样 怎么 怎样 如何 多少 几个 几 谁 是否 是不是 吗 呢 吧 啊
        请问 请 根据 文中 文章 一下 告诉 我们 我 你 他们 它 这个 那个 这些 那些 这 那 是 的 了 在 和 与 及
        有 都 也 就 又 对 把 被 从 到 说 有关 关于 哪年 何时 何""".split(),
        key=len,
        reverse=True,
    )
)
_CHINESE_STOP = re.compile("|".join(map(re.escape, CHINESE_STOPWORDS)))
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ied", "es", "ed", "s", "ly")


def stem(word: str) -> str:
    """A light English stem, enough for substring matching: "elected", "election" → "elect"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def question_terms(question: str) -> list[str]:
    """The words of ``question`` worth looking for, in order, without repeats."""
    text = _UNSAFE.sub(" ", question)
    terms: list[str] = []
    for run in _CJK_RUN.findall(text):
        for part in _CHINESE_STOP.split(run):
            if len(part) >= MIN_INDEXED_CHARS:
                terms.extend(part[i : i + MIN_INDEXED_CHARS] for i in range(len(part) - 2))
            # Two-character words are most of Chinese: also look each pair up, so that
            # "温故知新" finds "温故而知新".
            terms.extend(part[i : i + 2] for i in range(len(part) - 1))
            if len(part) == 1:
                terms.append(part)
    for word in _WORD.findall(_CJK_RUN.sub(" ", text)):
        folded = word.lower()
        if folded in ENGLISH_STOPWORDS or (len(folded) < 2 and not folded.isdigit()):
            continue
        terms.append(stem(folded) if folded.isascii() else folded)
    return list(dict.fromkeys(terms))


def quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matched_share(terms: Sequence[str], passage: str) -> float:
    """The share of ``terms`` that ``passage`` holds: how much of the question it speaks to."""
    if not terms:
        return 0.0
    folded = passage.lower()
    return sum(1 for t in terms if t in folded) / len(terms)
