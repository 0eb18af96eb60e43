"""The detectors' gates (``detectors.GATES``: what a text must hold for a detector to find
anything) skip only detectors that would have found nothing: the scanner and the stream
filter give exactly what they give with every detector run on every text."""

from __future__ import annotations

import random

from app.security.safety import SafetyRules, Scanner, StreamFilter
from app.security.safety.detectors import DETECTORS, GATES, half_width
from tests.security.test_safety_corpus import load_corpus

CORPUS = [text for text, _labels in load_corpus()]


def _random_texts(n: int, seed: int = 7) -> list[str]:
    """Texts mixing what the gates look for and what sits near it: digits (ASCII and
    full-width), letters, "@", ":", ".", "-", "_", spaces, 汉字, and pieces of the
    corpus's own numbers, addresses and keys, so that many of them hold findings."""
    rng = random.Random(seed)
    pieces = [p for text in CORPUS for p in text.split() if any(c.isdigit() or c in "@:-" for c in p)]
    alphabet = list("0123456789０１２３４５６７８９abcdefXYZ@:.-_ /+=") + list("的号码是密钥护照")
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.5:
                piece = rng.choice(pieces)
                cut = rng.randint(0, len(piece))  # whole, or cut short, as a stream would
                parts.append(piece if rng.random() < 0.6 else piece[:cut])
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))))
        out.append(rng.choice(["", " ", "，"]).join(parts))
    return out


TEXTS = CORPUS + _random_texts(3000)


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
    with_findings = 0
    for text in TEXTS:
        expected = ungated.scan(text)
        assert gated.scan(text) == expected, text
        with_findings += bool(expected)
    assert with_findings > len(TEXTS) // 4


def test_the_stream_filter_shows_and_counts_the_same_with_and_without_gates() -> None:
    rng = random.Random(11)
    acted_on = 0
    for text in CORPUS + _random_texts(500, seed=13):
        # Token-sized pieces, as a reply streams; the same cuts for both filters.
        cuts = sorted(rng.sample(range(1, len(text)), len(text) // 3)) if len(text) > 3 else []
        runs = []
        for scanner in (Scanner(), Scanner(gated=False)):
            stream = StreamFilter(scanner, SafetyRules(), ("output",), "en")
            shown = [stream.feed(text[a:b]) for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            shown.append(stream.finish())
            runs.append((shown, dict(stream.counts), stream.blocked))
        assert runs[0] == runs[1], text
        acted_on += bool(runs[0][1])
    assert acted_on > len(CORPUS) // 2
