"""The safety filter on a reply as it streams: text is shown as soon as nothing that
follows can make it part of a match, so a number split across tokens is never shown,
not even for a moment, and everything else goes out at once.

What is held back is only the end of the text that could still grow into a match: a
trailing run of digits and the separators numbers are written with (at most
``NUMBER_SPAN`` characters), a trailing run of the characters tokens, e-mail and IP
addresses are made of (``TOKEN_SPAN``), an unfinished PEM block (``PEM_SPAN``), the
beginning of an organisation keyword, and the last ``max_length`` characters where
the organisation has its own patterns.
"""

from __future__ import annotations

import re
from collections import Counter

from app.security.safety.detectors import _PEM, half_width
from app.security.safety.rules import SafetyRules
from app.security.safety.scanner import Scanner, apply

NUMBER_SPAN = 32  # "+86 (0755) 8888-1234", "6222 0212 3456 7890 123", an ID with spaces
TOKEN_SPAN = 2048  # JWTs and keys are long; an e-mail address is at most 254
PEM_SPAN = 16384  # a 4096-bit RSA key in PEM is about 3,300 characters
CONTEXT = 64  # released text kept for look-behinds and "passport no." before a number

_NUMBER_CHARS = "0123456789 -()（）+"
_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+=@~%"
_DIGIT = re.compile("[0-9]")


class StreamFilter:
    """Feed it the pieces of a reply; it returns what may be shown now. ``finish`` returns
    the rest once the reply has ended. ``blocked`` names the category that stopped the
    reply (nothing more is shown after its notice); ``counts`` says what was done."""

    def __init__(self, scanner: Scanner, rules: SafetyRules, directions: tuple[str, ...],
                 language: str) -> None:
        self.scanner = scanner
        self.rules = rules
        self.directions = directions
        self.language = language
        self.counts: Counter[tuple[str, str]] = Counter()
        self.blocked: str | None = None
        self.most_held = 0  # the most characters ever held back at once
        self._held = ""  # not shown yet
        self._shown = ""  # the end of what was shown, as the model wrote it
        # Both through half_width, a piece at a time: translating the whole window again for
        # every token cost more than any detector. It maps one character to one, so the
        # copies line up with the text.
        self._held_plain = ""
        self._shown_plain = ""

    @property
    def held(self) -> int:
        """How many characters are held back now."""
        return len(self._held)

    def feed(self, piece: str) -> str:
        if self.blocked is not None or not piece:
            return ""
        self._held += piece
        self._held_plain += half_width(piece)
        out = self._release(final=False)
        self.most_held = max(self.most_held, len(self._held))
        return out

    def finish(self) -> str:
        """Everything still held, filtered as the end of the text."""
        if self.blocked is not None:
            return ""
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        if not self._held:
            return ""
        window = self._shown + self._held
        plain = self._shown_plain + self._held_plain
        base = len(self._shown)
        cut = len(window) if final else max(base, self._hold_from(plain, base))
        if cut == base:
            return ""  # all of it may still grow into a match: nothing to look at yet
        findings = [f for f in self.scanner.scan(window, plain=plain) if f.end > base]
        for f in findings:
            if f.start < cut < f.end:  # not over yet: hold it back whole
                cut = max(f.start, base)
                break
        if cut == base:
            return ""
        outcome = apply(window[base:cut], [f for f in findings if f.end <= cut], self.rules,
                        self.directions, self.language, offset=base)
        self.counts.update(outcome.counts)
        if outcome.blocked is not None:
            self.blocked = outcome.blocked
            self._held = self._held_plain = ""
            return outcome.text
        kept = max(0, cut - CONTEXT)
        self._shown, self._shown_plain = window[kept:cut], plain[kept:cut]
        self._held, self._held_plain = window[cut:], plain[cut:]
        return outcome.text

    def _hold_from(self, window: str, base: int) -> int:
        """Where the end of ``window`` that may still become part of a match starts."""
        end = len(window)
        hold = min(_run_start(window, _TOKEN_CHARS, max(base, end - TOKEN_SPAN)),
                   _number_start(window, max(base, end - NUMBER_SPAN)))
        opened = window.rfind("-----BEGIN", max(base, end - PEM_SPAN))
        if opened >= 0 and not _PEM.search(window, opened):
            hold = min(hold, opened)
        if self.scanner.org:
            hold = min(hold, max(base, self.scanner.keyword_prefix_at(window)))
            if self.scanner.max_org_span:
                hold = min(hold, max(base, end - self.scanner.max_org_span + 1))
        return hold


def _run_start(text: str, chars: str, lowest: int) -> int:
    """Where the trailing run of ``chars`` in ``text`` starts, but not before ``lowest``."""
    return lowest + len(text[lowest:].rstrip(chars))


def _number_start(text: str, lowest: int) -> int:
    """The start of a trailing number still being written ("138 0013 "), or the end."""
    end = len(text)
    start = _run_start(text, _NUMBER_CHARS, lowest)
    run = text[start:].lstrip(" -)）")
    i = end - len(run)
    if _DIGIT.search(run) or run in ("+", "(", "（"):  # the run's only digits are ASCII ones
        return i
    return end
