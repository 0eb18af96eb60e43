"""Speculative decoding by prompt lookup: draft the tokens that followed the last few
tokens the previous time they occurred (in the prompt or the reply so far), verify the
draft in one batch, keep what the model would have chosen anyway.

Exact: every kept token is the one the sampler chain picks from the logits at its
position, sampled in order (penalties and grammar see the same history, the seeded
draw is consumed once per token), so a reply is the one plain decoding gives. It pays
off when a reply quotes its prompt (document answers, summaries, edits); on free chat
drafts are rarely found and decoding runs as one token per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NGRAM_MAX = 4  # the longest tail looked up
NGRAM_MIN = 3  # shorter tails match too often, in free text, to be worth a batch


class NgramIndex:
    """Where each n-gram of the history last ended, for n in NGRAM_MIN..NGRAM_MAX; kept
    up to date as tokens are appended, so a lookup costs O(1)."""

    def __init__(self, tokens: Sequence[int]) -> None:
        self.history: list[int] = []
        self._last: dict[tuple[int, ...], int] = {}
        for tok in tokens:
            self.append(tok)

    def append(self, tok: int) -> None:
        h = self.history
        h.append(tok)
        end = len(h)
        # Index the n-grams that end just before this token: the tail of the history
        # must find an *earlier* occurrence, never itself.
        for n in range(NGRAM_MIN, NGRAM_MAX + 1):
            if end - 1 >= n:
                self._last[tuple(h[end - 1 - n : end - 1])] = end - 1

    def draft(self, max_tokens: int) -> list[int]:
        """The tokens that followed the latest earlier occurrence of the longest tail."""
        h = self.history
        for n in range(NGRAM_MAX, NGRAM_MIN - 1, -1):
            if len(h) <= n:
                continue
            at = self._last.get(tuple(h[-n:]))
            if at is not None:
                return h[at : at + max_tokens]
        return []


class DraftBatch:
    """A llama_batch of up to ``size`` tokens of sequence 0, every one with its logits."""

    def __init__(self, lib: Any, size: int) -> None:
        self._lib = lib
        self.size = size
        self.batch = lib.llama_batch_init(size, 0, 1)

    def fill(self, tokens: Sequence[int], start_pos: int) -> Any:
        b = self.batch
        for i, tok in enumerate(tokens):
            b.token[i] = tok
            b.pos[i] = start_pos + i
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = 0
            b.logits[i] = 1
        b.n_tokens = len(tokens)
        return b

    def free(self) -> None:
        if self.batch is not None:
            self._lib.llama_batch_free(self.batch)
            self.batch = None


def trim_cache(lib: Any, mem: Any, cached: list[int], keep: int) -> None:
    """Forget the KV of every position from ``keep`` on (rejected drafts)."""
    if keep < len(cached):
        lib.llama_memory_seq_rm(mem, 0, keep, -1)
        del cached[keep:]

