"""One pass of every detector over a text: findings without overlaps, and the text with
them acted upon as the rules say."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from app.security.safety.detectors import (
    DETECTORS,
    DETECTORS_UNGATED,
    GATES,
    Finding,
    Span,
    half_width,
)
from app.security.safety.labels import removed_label, stopped_label
from app.security.safety.rules import CATEGORIES, OrgRule, SafetyRules


@dataclass(frozen=True)
class Outcome:
    """A text after the filter: what to show, what was found and done, whether it stopped."""

    text: str
    counts: dict[tuple[str, str], int]  # (category, action) → how many
    blocked: str | None = None  # the category that blocked it


class Scanner:
    """Every built-in detector plus the organisation's own rules."""

    def __init__(self, org: tuple[OrgRule, ...] = (), *, gated: bool = True) -> None:
        """``gated=False`` runs every detector on every text, skipping none on its gate
        (``detectors.GATES``) and no token pattern on its search; only to prove that
        skipping them changes nothing."""
        self.org = org
        self._detectors, self._gates = (DETECTORS, GATES) if gated else (DETECTORS_UNGATED, {})
        self._org = [(r.name, _org_pattern(r)) for r in org]
        self.max_org_span = max((r.max_length for r in org), default=0)
        self._keywords = [k.casefold() for r in org for k in r.keywords]
        self._priority = {c: i for i, c in enumerate(CATEGORIES + tuple(r.name for r in org))}

    def scan(self, text: str, *, plain: str | None = None) -> list[Finding]:
        """Findings in order of position; where two overlap the longer wins (an e-mail
        address over the phone number in it), then the better-proven category. ``plain``:
        ``half_width(text)``, where the caller has it already."""
        plain = half_width(text) if plain is None else plain
        gates = self._gates
        candidates: list[tuple[str, Span]] = [
            (category, span) for category, find in self._detectors.items()
            if category not in gates or gates[category].search(plain) for span in find(plain)]
        for name, pattern in self._org:
            candidates.extend((name, m.span()) for m in pattern.finditer(plain) if m.end() > m.start())
        candidates.sort(key=lambda c: (-(c[1][1] - c[1][0]), self._priority[c[0]], c[1][0]))
        taken: list[Finding] = []
        for category, (start, end) in candidates:
            if all(end <= f.start or start >= f.end for f in taken):
                taken.append(Finding(category, start, end, text[start:end]))
        return sorted(taken, key=lambda f: f.start)

    def keyword_prefix_at(self, text: str) -> int:
        """Where the longest end of ``text`` that could begin an organisation keyword starts."""
        folded = text[-max((len(k) for k in self._keywords), default=0):].casefold()
        for i in range(len(folded)):
            tail = folded[i:]
            if any(k.startswith(tail) and k != tail for k in self._keywords):
                return len(text) - len(tail)
        return len(text)


def _org_pattern(rule: OrgRule) -> re.Pattern[str]:
    parts = [re.escape(k) for k in sorted(rule.keywords, key=len, reverse=True)]
    if rule.pattern:
        parts.append(f"(?:{rule.pattern})")
    return re.compile("|".join(parts), re.IGNORECASE if rule.keywords and not rule.pattern else 0)


def apply(text: str, findings: list[Finding], rules: SafetyRules, directions: tuple[str, ...],
          language: str, *, offset: int = 0) -> Outcome:
    """``text`` (which starts at ``offset`` of the text the findings were found in) with
    each finding redacted, kept, or cut off there with a notice, as ``rules`` say."""
    out: list[str] = []
    counts: Counter[tuple[str, str]] = Counter()
    pos = 0
    custom = {r.name: r.label for r in rules.org}
    for f in findings:
        action = rules.action(f.category, *directions)
        if action == "allow":
            continue
        counts[(f.category, action)] += 1
        start, end = max(f.start - offset, 0), f.end - offset
        if action == "warn":
            continue
        out.append(text[pos:start])
        if action == "block":
            out.append(stopped_label(f.category, language))
            return Outcome("".join(out), dict(counts), blocked=f.category)
        out.append(removed_label(f.category, language, custom.get(f.category, "")))
        pos = end
    out.append(text[pos:])
    return Outcome("".join(out), dict(counts))
