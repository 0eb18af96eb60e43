"""Speculative decoding with a draft model: a smaller model with the same vocabulary
writes the next few tokens greedily, and the chat model verifies them in one batch
(the loop in app.engine.llama that prompt-lookup drafts go through too).

Exact for the same reason prompt lookup is: a drafted token is kept only where the
chat model's own sampler, walking the batch's logits in order, picks it anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.engine.types import SamplingParams
from app.errors import EngineError

# Token ids whose text is compared when a draft model is attached, besides the sizes:
# the first ones (special and byte tokens) and a spread over the rest.
VOCAB_SAMPLE = 64


class Drafter(Protocol):
    """Where drafts come from (prompt lookup, or a draft model)."""

    def append(self, tok: int) -> None: ...

    def draft(self, max_tokens: int) -> list[int]: ...


class DraftEngine(Protocol):
    """What a draft model's engine offers (LlamaEngine has it)."""

    n_vocab: int
    n_ctx: int

    def greedy_continuation(self, tokens: Sequence[int], n: int,
                            like: SamplingParams = ...) -> list[int]: ...

    def token_text(self, token: int) -> bytes: ...


class DraftModel:
    """Drafts by a draft model: its greedy continuation of the conversation so far, with
    the reply's own penalties and grammar (so that it guesses what the reply will pick).
    Its own KV cache follows the conversation, so each draft costs the tokens accepted
    since the last one and the draft's own tokens."""

    def __init__(self, engine: DraftEngine, tokens: Sequence[int], params: SamplingParams) -> None:
        self.engine = engine
        self.history = list(tokens)
        self.params = params

    def append(self, tok: int) -> None:
        self.history.append(tok)

    def draft(self, max_tokens: int) -> list[int]:
        if max_tokens <= 0 or len(self.history) + max_tokens >= self.engine.n_ctx:
            return []
        return self.engine.greedy_continuation(self.history, max_tokens, self.params)


def check_same_vocabulary(chat: DraftEngine, draft: DraftEngine, draft_name: str) -> None:
    """Refuse a draft model whose tokens are not the chat model's: its drafts would be
    other words, never accepted."""
    if chat.n_vocab != draft.n_vocab:
        raise EngineError(
            f"the draft model {draft_name} has {draft.n_vocab} tokens, the chat model "
            f"{chat.n_vocab}: a draft model must share the chat model's vocabulary")
    n = chat.n_vocab
    ids = sorted({*range(min(VOCAB_SAMPLE, n)), *range(0, n, max(1, n // VOCAB_SAMPLE)), n - 1})
    for tok in ids:
        if chat.token_text(tok) != draft.token_text(tok):
            raise EngineError(
                f"the draft model {draft_name} spells token {tok} otherwise than the chat "
                "model: a draft model must share the chat model's vocabulary")
