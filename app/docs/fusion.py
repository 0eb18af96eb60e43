"""Reciprocal rank fusion: one ranking from several (full-text and by meaning), each item
scored by the sum of 1 / (k + rank) over the rankings that hold it."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The constant of Cormack, Clarke and Büttcher (2009): large enough that the top few
# ranks of one list do not drown what several lists agree on.
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[K]], k: int = RRF_K) -> list[tuple[K, float]]:
    """The items of ``rankings`` (each best first, ranks from 1) by fused score, best first;
    a tie goes to the item that reached its best rank first in the earlier ranking."""
    scores: dict[K, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
