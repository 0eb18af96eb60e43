"""What the safety filter skips to save time (``detectors.GATES``: what a text must hold for
a detector to find anything; the token patterns' searches before their matches are walked)
skips only what would have found nothing: the scanner and the stream filter give exactly
what they give with every detector and every token pattern run on every text."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from app.security.safety import CATEGORIES, SafetyRules, Scanner, StreamFilter, apply
from app.security.safety.detectors import _HALF_WIDTH, DETECTORS, GATES, half_width
from app.security.safety.stream import _NUMBER_CHARS, _TOKEN_CHARS, _number_start, _run_start
from tests.security.test_safety import splits
from tests.security.test_safety_corpus import load_corpus

CORPUS = load_corpus()
CORPUS_TEXTS = [text for text, _labels in CORPUS]
# What the corpus labels as found (numbers, addresses, keys), some in full-width forms, and
# finds that hold no more than their gate asks for (an IPv6 address without a digit, a
# passport number with its digits apart), as the random texts' pieces.
FINDS = [text[start:end] for text, labels in CORPUS for _category, start, end in sorted(labels)]
FINDS += [f.translate({0x21 + i: 0xFF01 + i for i in range(0x5E)}) for f in FINDS[::5]]
FINDS += ["fe::ab", "::ffff", "a:b:c:d:e:f:a:b", "Passport No. 1A2B3C4D5", "护照号码：E1B2C3D45"]
ALPHABET = (list("0123456789０１２３４５６７８９abcXYZｂｃｘＡＹＺ@＠:：.．-_ 　/+=")
            + list("的号码是密钥护照"))


def _random_texts(n: int, seed: int = 7) -> list[str]:
    """Texts mixing what the gates look for and what sits near it: digits, letters (ASCII
    and full-width), "@", ":", ".", "-", "_", spaces, 汉字, and the corpus's own numbers,
    addresses and keys, whole or cut short as a stream would, so that many hold findings."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.5:
                find = rng.choice(FINDS)
                parts.append(find if rng.random() < 0.6 else find[:rng.randint(0, len(find))])
            else:
                parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24))))
        out.append(rng.choice(["", " ", "，"]).join(parts))
    return out


RANDOM_TEXTS = _random_texts(3000)
TEXTS = CORPUS_TEXTS + [f"是{find}。" for find in FINDS] + RANDOM_TEXTS


def test_a_gate_is_shut_only_where_its_detector_finds_nothing() -> None:
    found_behind_open_gate = dict.fromkeys(GATES, 0)
    for text in TEXTS:
        plain = half_width(text)
        for category, gate in GATES.items():
            spans = list(DETECTORS[category](plain))
            if gate.search(plain) is None:
                assert spans == [], (category, text)
            else:
                found_behind_open_gate[category] += bool(spans)
    # Every gated detector finds something in these texts, so the check above has teeth.
    assert all(found_behind_open_gate.values()), found_behind_open_gate


def test_the_gated_scanner_finds_exactly_what_the_ungated_one_finds() -> None:
    gated, ungated = Scanner(), Scanner(gated=False)
    found: Counter[str] = Counter()
    for text in TEXTS:
        expected = ungated.scan(text)
        assert gated.scan(text) == expected, text
        if text in RANDOM_TEXTS:
            found.update(f.category for f in expected)
    # Every category, the API keys too, is found many times in the random texts alone.
    assert all(found[c] >= 20 for c in CATEGORIES if c != "private_key"), found
    assert found["private_key"] >= 5, found


def test_the_stream_filter_shows_holds_and_counts_the_same_with_and_without_gates() -> None:
    # Every category redacted, so that every find changes what is shown.
    rules = SafetyRules(actions={c: {"output": "redact"} for c in CATEGORIES})
    rng = random.Random(11)
    acted_on = 0
    for text in CORPUS_TEXTS + _random_texts(500, seed=13):
        # Token-sized pieces, as a reply streams; the same cuts for both filters.
        cuts = sorted(rng.sample(range(1, len(text)), len(text) // 3)) if len(text) > 3 else []
        runs = []
        for scanner in (Scanner(), Scanner(gated=False)):
            stream = StreamFilter(scanner, rules, ("output",), "en")
            shown = [(stream.feed(text[a:b]), stream.held)
                     for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            shown.append((stream.finish(), 0))
            runs.append((shown, dict(stream.counts), stream.blocked))
        assert runs[0] == runs[1], text
        acted_on += bool(runs[0][1])
    assert acted_on > len(CORPUS_TEXTS) // 2


def test_half_width_skips_only_texts_with_nothing_to_translate() -> None:
    for text in TEXTS + ["ａｂｃ", "　", "！～", "plain ascii", "汉字，"]:
        assert half_width(text) == text.translate(_HALF_WIDTH), text


# -- the stream filter's own bookkeeping --------------------------------------------------

FULL_WIDTH_REPLY = "好的，身份证号１１０１０５１９４９１２３１００２Ｘ，邮箱ａ．ｂ＠ｅｘａｍｐｌｅ．ｃｏｍ。Ｏｋ"


@given(splits(FULL_WIDTH_REPLY))
@settings(max_examples=200, deadline=None)
def test_a_reply_in_full_width_forms_comes_out_as_filtered_whole_however_it_is_split(
        pieces: list[str]) -> None:
    # The stream keeps its text's half-width form a piece at a time; it must read as the whole.
    stream = StreamFilter(Scanner(), SafetyRules(), ("output",), "en")
    shown = "".join([stream.feed(p) for p in pieces] + [stream.finish()])
    whole = apply(FULL_WIDTH_REPLY, Scanner().scan(FULL_WIDTH_REPLY), SafetyRules(), ("output",), "en")
    assert shown == whole.text
    assert "[ID number removed]" in shown and "ａ．ｂ＠ｅｘａｍｐｌｅ．ｃｏｍ" in shown
    assert dict(stream.counts) == whole.counts


def _walk_back(text: str, chars: str, lowest: int) -> int:
    i = len(text)
    while i > lowest and text[i - 1] in chars:
        i -= 1
    return i


@given(st.text(alphabet="01 -()（）+a.汉", max_size=30), st.integers(0, 30))
@settings(max_examples=500, deadline=None)
def test_the_tail_held_back_starts_where_a_walk_back_over_its_characters_stops(
        text: str, lowest: int) -> None:
    lowest = min(lowest, len(text))
    for chars in (_TOKEN_CHARS, _NUMBER_CHARS):
        assert _run_start(text, chars, lowest) == _walk_back(text, chars, lowest)
    i = _walk_back(text, _NUMBER_CHARS, lowest)
    while i < len(text) and text[i] in " -)）":
        i += 1
    number = text[i:]
    expected = i if any(c.isdigit() for c in number) or number in ("+", "(", "（") else len(text)
    assert _number_start(text, lowest) == expected
