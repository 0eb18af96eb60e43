"""llama.cpp's C sampler chain for one generation: grammar, penalties,
top-k/top-p/min-p, temperature and the seeded random draw, all in C."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.engine.types import SamplingParams
from app.errors import EngineError

LLAMA_DEFAULT_SEED = 0xFFFFFFFF  # a new random seed each time

# Cut the candidates to top (k + repeat_last_n) before the penalty sampler; exact, and
# a switch only so that a test can prove the output is the same without it.
PENALTY_PRECUT = True


def build_sampler(lib: Any, vocab: Any, n_vocab: int, params: SamplingParams,
                  prompt: Sequence[int] = ()) -> Any:
    """A new sampler chain; the caller frees it with ``llama_sampler_free``."""
    sp = lib.llama_sampler_chain_default_params()
    sp.no_perf = True
    chain = lib.llama_sampler_chain_init(sp)
    add = lib.llama_sampler_chain_add
    if params.grammar:
        g = lib.llama_sampler_init_grammar(vocab, params.grammar.encode("utf-8"), b"root")
        if not g:
            lib.llama_sampler_free(chain)
            raise EngineError("the output grammar is not valid GBNF")
        add(chain, g)
    last_n = params.repeat_last_n
    penalize = last_n != 0 and (params.repeat_penalty != 1.0 or params.frequency_penalty != 0.0
                                or params.presence_penalty != 0.0)
    lowers_only = params.frequency_penalty >= 0.0 and params.presence_penalty >= 0.0
    keep = 1 if params.temperature <= 0 else params.top_k  # what the rest of the chain keeps
    if PENALTY_PRECUT and penalize and lowers_only and keep > 0 and last_n > 0:
        # The penalty sampler visits every candidate, the costliest step over a full
        # vocabulary. Penalties only lower logits and touch at most last_n tokens, so the
        # penalised top-k (top-1 for greedy) always lies within the raw top (k + last_n):
        # cut there first.
        add(chain, lib.llama_sampler_init_top_k(keep + last_n))
    if penalize:
        add(chain, lib.llama_sampler_init_penalties(
            n_vocab, last_n, params.repeat_penalty, params.frequency_penalty,
            params.presence_penalty))
    if params.temperature <= 0:
        add(chain, lib.llama_sampler_init_greedy())
    else:
        if params.top_k > 0:
            add(chain, lib.llama_sampler_init_top_k(params.top_k))
        if params.top_p < 1.0:
            add(chain, lib.llama_sampler_init_top_p(params.top_p, 1))
        if params.min_p > 0.0:
            add(chain, lib.llama_sampler_init_min_p(params.min_p, 1))
        add(chain, lib.llama_sampler_init_temp(params.temperature))
        add(chain, lib.llama_sampler_init_dist(params.seed if params.seed >= 0 else LLAMA_DEFAULT_SEED))
    # Penalties look at recent tokens; let them see the end of the prompt, as llama-server does.
    if penalize and not params.grammar:
        for tok in prompt[-max(0, last_n):]:
            lib.llama_sampler_accept(chain, tok)
    return chain
