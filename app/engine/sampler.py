"""One generation's sampler: llama.cpp's C sampler chain (grammar, penalties,
top-k/top-p/min-p, temperature and the seeded random draw) and the step that
runs it once per token, all in C.

On a GPU the first cut can be made in the model's graph (llama.cpp's backend
sampling, with a top-k chain attached to the context: GraphCut): only a few hundred
candidates and their logits come back instead of every logit of the vocabulary,
and the chain runs over them on the CPU exactly as it would over all of them.
llama.cpp can run more of the chain in the graph, but its in-graph top-k leaves
its candidates unsorted, so an in-graph random draw picks other tokens than the
CPU chain for the same seed; the chain therefore stays on the CPU.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from app.engine.types import SamplingParams
from app.errors import EngineError

log = logging.getLogger(__name__)

LLAMA_DEFAULT_SEED = 0xFFFFFFFF  # a new random seed each time

# Both switches exist so that tests can prove the output is the same without them.
# Cut the candidates to the top (k + repeat_last_n) before the penalty sampler; exact.
PENALTY_PRECUT = True
# Make the chain's first cut straight from the logits in C (_sampling.c), instead of
# llama_sampler_sample's copy of the whole vocabulary; exact.
COMPILED_STEP = True
# Run the decode loop in C (_sampling.c's steps()), several tokens per call, instead of
# one token per round of Python; the same tokens.
COMPILED_LOOP = True


@contextlib.contextmanager
def llama_cpp_alone() -> Iterator[None]:
    """Within it, replies sample as llama.cpp alone does (its chain over a copy of every
    logit, one token per round of a Python loop): what the switches above exist for,
    the reference the tests compare with."""
    global COMPILED_STEP, PENALTY_PRECUT, COMPILED_LOOP
    saved = COMPILED_STEP, PENALTY_PRECUT, COMPILED_LOOP
    COMPILED_STEP = PENALTY_PRECUT = COMPILED_LOOP = False
    try:
        yield
    finally:
        COMPILED_STEP, PENALTY_PRECUT, COMPILED_LOOP = saved


# How many candidates the graph's cut sends back: room for a top-k of 192 with the
# penalties' 64 most recent tokens (see first_cut). Replies that need more, or every
# logit (a grammar, top-p without top-k), sample on the CPU.
GRAPH_CUT = 256


# How long one call of the compiled decode loop runs before it hands its tokens back:
# short enough that text streams smoothly (a piece every 25 ms or every token, whichever
# is longer: well under what a reader notices) and a cancel takes effect at once, long
# enough that the work done per piece of text (the safety filter reading the stream,
# the window, a client) is shared by a few tokens, on a CPU too, where a token takes
# about 10 ms of the default model and the device cannot work while Python does.
STEP_BUDGET_US = 25000
# How a run of steps ended (as _sampling.c's steps() says).
STEPS_MORE, STEPS_END, STEPS_DECODE_FAILED, STEPS_SAMPLE_FAILED = 0, 1, 2, 3


class Steps(NamedTuple):
    """What a run of the decode loop did: ``tokens`` sampled, the first ``decoded`` of
    them already decoded into the context, how it ended and llama.cpp's ``code``."""

    tokens: list[int]
    decoded: int
    status: int
    code: int


def _one_step(lib: Any, sample: Callable[[Any, int], int], vocab: Any, ctx: Any,
              n_max: int, n_left: int) -> Steps:
    """The decode loop's step where _sampling is not built: one token per call."""
    tok = sample(ctx, -1)
    if lib.llama_vocab_is_eog(vocab, tok):
        return Steps([], 0, STEPS_END, 0)
    if n_left <= 1:
        return Steps([tok], 0, STEPS_MORE, 0)
    one = (ctypes.c_int32 * 1)(tok)
    rc = lib.llama_decode(ctx, lib.llama_batch_get_one(one, 1))
    return Steps([tok], 0, STEPS_DECODE_FAILED, rc) if rc else Steps([tok], 1, STEPS_MORE, 0)


class Sampler:
    """The sampler chain of one generation; ``sample(ctx, idx)`` picks the next token,
    and ``steps(ctx, n_max, n_left)`` runs the decode loop for up to ``n_max`` of them.

    The caller frees it with ``free()``.
    """

    def __init__(self, lib: Any, vocab: Any, n_vocab: int, params: SamplingParams,
                 prompt: Sequence[int] = (), *, graph_cut: bool = False) -> None:
        """With ``graph_cut``, the context has a GraphCut attached and ``params`` fit it
        (``fits_graph_cut``): the chain runs over the candidates the graph sent back."""
        self._lib = lib
        self.sample: Callable[[Any, int], int]
        self.steps: Callable[[Any, int, int], Steps]
        cut = first_cut(params)
        step = compiled_step(lib)
        if graph_cut:
            mode, precut = "cut", 0
        elif step is not None and COMPILED_STEP and cut and not params.grammar:
            mode, precut = "top", 0  # a grammar must see every candidate before any cut
        else:
            mode, precut = "chain", cut
        self.chain = build_chain(lib, vocab, n_vocab, params, prompt, precut=precut)
        self.compiled = mode != "chain"
        address = ctypes.cast(self.chain, ctypes.c_void_p).value
        if mode == "chain":
            self.sample = functools.partial(lib.llama_sampler_sample, self.chain)
        elif mode == "top":
            self.sample = functools.partial(step, address, n_vocab, cut)
        else:
            from app.engine import _sampling
            self.sample = functools.partial(_sampling.sample_cut, address, cut)
        if step is not None and COMPILED_LOOP:
            from app.engine import _sampling
            code = {"chain": _sampling.MODE_CHAIN, "top": _sampling.MODE_TOP,
                    "cut": _sampling.MODE_CUT}[mode]
            vocab_address = ctypes.cast(vocab, ctypes.c_void_p).value
            compiled = functools.partial(_sampling.steps, code, address, n_vocab, cut)
            self.steps = lambda ctx, n_max, n_left: Steps(*compiled(
                ctx, vocab_address, n_max, n_left, STEP_BUDGET_US))
        else:
            self.steps = functools.partial(_one_step, lib, self.sample, vocab)

    def free(self) -> None:
        if self.chain is not None:
            self._lib.llama_sampler_free(self.chain)
            self.chain = None


def fits_graph_cut(params: SamplingParams) -> bool:
    """Whether a reply with ``params`` can sample from the graph's cut."""
    return COMPILED_STEP and not params.grammar and 0 < first_cut(params) <= GRAPH_CUT


class GraphCut:
    """A top-``GRAPH_CUT`` chain attached to a context's sequence 0, so that each
    ``llama_decode`` cuts the candidates on the model's own device. While attached,
    llama.cpp copies no raw logits back for that sequence; attaching and detaching
    each make it re-plan the graph (milliseconds), so it stays attached from reply to
    reply and is detached only for a reply that needs every logit."""

    def __init__(self, lib: Any, ctx: Any) -> None:
        self._lib, self._ctx = lib, ctx
        self._chain: Any = None  # a chain is initialised for one context once: new each time

    @property
    def attached(self) -> bool:
        return self._chain is not None

    @staticmethod
    def available(lib: Any) -> bool:
        """Whether this llama.cpp and the compiled step can sample from a graph's cut."""
        step = compiled_step(lib)
        return step is not None and hasattr(lib, "llama_set_sampler") and _graph_bound

    def attach(self) -> bool:
        if self._chain is None:
            lib = self._lib
            sp = lib.llama_sampler_chain_default_params()
            sp.no_perf = True
            chain = lib.llama_sampler_chain_init(sp)
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_k(GRAPH_CUT))
            if lib.llama_set_sampler(self._ctx, 0, chain):
                self._chain = chain
            else:
                lib.llama_sampler_free(chain)
        return self._chain is not None

    def detach(self) -> None:
        if self._chain is not None:
            self._lib.llama_set_sampler(self._ctx, 0, None)
            self._lib.llama_sampler_free(self._chain)
            self._chain = None

    free = detach


def first_cut(params: SamplingParams) -> int:
    """How many of the largest logits the chain can be cut to before it runs; 0 for none.

    Top-p without a top-k must see every candidate. Penalties
    only lower logits (when frequency and presence penalties are not negative) and
    touch at most last_n tokens, so whatever the rest of the chain keeps (top-k, or
    top-1 for greedy) always lies within the raw top (k + last_n).
    """
    keep = 1 if params.temperature <= 0 else params.top_k
    if keep <= 0:
        return 0
    last_n = params.repeat_last_n
    if not _penalizes(params):
        return keep
    lowers_only = params.frequency_penalty >= 0.0 and params.presence_penalty >= 0.0
    return keep + last_n if lowers_only and last_n > 0 and PENALTY_PRECUT else 0


def _penalizes(params: SamplingParams) -> bool:
    return params.repeat_last_n != 0 and (
        params.repeat_penalty != 1.0 or params.frequency_penalty != 0.0
        or params.presence_penalty != 0.0)


def build_chain(lib: Any, vocab: Any, n_vocab: int, params: SamplingParams,
                prompt: Sequence[int] = (), *, precut: int = 0) -> Any:
    """A new llama.cpp sampler chain, beginning with a top-``precut`` when it is not 0."""
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
    penalize = _penalizes(params)
    if precut and penalize:
        # The penalty sampler visits every candidate, the costliest step over a full
        # vocabulary: cut first (see first_cut for why this is exact).
        add(chain, lib.llama_sampler_init_top_k(precut))
    if penalize:
        add(chain, lib.llama_sampler_init_penalties(
            n_vocab, params.repeat_last_n, params.repeat_penalty, params.frequency_penalty,
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
        for tok in prompt[-max(0, params.repeat_last_n):]:
            lib.llama_sampler_accept(chain, tok)
    return chain


_graph_bound = False  # the compiled step can read a graph's cut (set by compiled_step)


@functools.cache
def compiled_step(lib: Any) -> Callable[..., int] | None:
    """``_sampling.sample`` bound to this llama.cpp, or None where it cannot be used."""
    step = None
    try:
        from app.engine import _sampling
    except ImportError as exc:
        log.warning("the compiled sampling step is not built (%s); sampling through "
                    "llama.cpp's own copy of every logit instead", exc)
    else:
        if _layout_matches(lib):
            global _graph_bound
            raw = lib.llama_cpp._lib  # the CDLL: plain function pointers

            def address(name: str) -> int | None:
                f = getattr(raw, name, None)
                return None if f is None else ctypes.cast(f, ctypes.c_void_p).value

            graph = [address(name) for name in (
                "llama_get_sampled_logits_ith", "llama_get_sampled_candidates_ith",
                "llama_get_sampled_logits_count_ith")]
            loop = [address(name) for name in (
                "llama_decode", "llama_vocab_is_eog", "llama_sampler_sample")]
            _sampling.bind(*(address(name) for name in (
                "llama_get_logits_ith", "llama_sampler_apply", "llama_sampler_accept")),
                *graph, *loop)
            _graph_bound = all(graph)
            step = _sampling.sample
        else:
            log.warning("llama.cpp's token data layout is not the one _sampling.c was "
                        "written for; sampling through llama_sampler_sample instead")
    return step


def _layout_matches(lib: Any) -> bool:
    """Whether llama.h's structs are laid out as _sampling.c mirrors them."""
    data, array, batch = lib.llama_token_data, lib.llama_token_data_array, lib.llama_batch
    ptr = ctypes.sizeof(ctypes.c_void_p)
    batch_fields = [getattr(batch, name).offset for name in (
        "n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits")]
    return (ctypes.sizeof(data) == 12
            and batch_fields == [0, *(ptr * i for i in range(1, 7))]
            and ctypes.sizeof(batch) == 7 * ptr
            and (data.id.offset, data.logit.offset, data.p.offset) == (0, 4, 8)
            and (array.data.offset, array.size.offset, array.selected.offset, array.sorted.offset)
            == (0, ptr, 2 * ptr, 2 * ptr + 8))
