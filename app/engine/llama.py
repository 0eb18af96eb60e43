"""The llama.cpp engine: one loaded model and one context, streaming tokens.

The decode loop is the product's hot path. It runs in C (_sampling.c's steps():
sample through llama.cpp's sampler chain, decode the token, again), several
tokens per call with the GIL released; Python only turns the tokens into text,
a dictionary lookup each, while the device works on the next one.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from app.engine import native
from app.engine.draft import Drafter, DraftModel, check_same_vocabulary
from app.engine.lookup import DraftBatch, NgramIndex, trim_cache
from app.engine.sampler import (
    STEPS_DECODE_FAILED,
    STEPS_END,
    STEPS_MORE,
    STEPS_SAMPLE_FAILED,
    GraphCut,
    Sampler,
    fits_graph_cut,
)
from app.engine.types import ChatMessage, LoadPlan, Placement, ReplyStats, SamplingParams
from app.engine.weights import Weights, free_context, take_weights
from app.errors import ContextOverflow, EngineError, ModelLoadFailed

log = logging.getLogger(__name__)

GREEDY = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=1)

# The most tokens one call of the decode loop samples (it also stops after
# sampler.STEP_BUDGET_US); the first call of a reply samples one.
MAX_STEPS_PER_CALL = 64


@dataclass(frozen=True)
class EngineConfig:
    n_ctx: int = 4096
    n_gpu_layers: int = 0
    n_threads: int = 2
    n_batch: int = 512
    use_mmap: bool = True
    rope_scaling: bool = False  # YaRN beyond the trained context, explicit only
    kv_cache: str = "f16"  # the K and V cache's precision: f16, q8_0 or q4_0
    # Sample in the model's graph (llama.cpp's backend sampling): "auto" where the output
    # layer is on a GPU, "on" anywhere (tests prove it on the CPU), "off" never.
    backend_sampling: str = "auto"
    # Keep the sliding-window layers' cache (Gemma 2 and 3, gpt-oss…) as long as the whole
    # context (llama.cpp's default) rather than the window: only for comparisons.
    swa_full: bool = False
    placement: Placement = field(default_factory=Placement)  # which GPU(s), where there are several


class Generation:
    """An iterator of text pieces; ``stats`` is complete once it is exhausted."""

    def __init__(self, pieces: Iterator[str], stats: ReplyStats) -> None:
        self._pieces = pieces
        self.stats = stats
        self.text_parts: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for piece in self._pieces:
            self.text_parts.append(piece)
            yield piece

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def read_all(self) -> str:
        for _ in self:
            pass
        return self.text

    def close(self) -> None:
        """Stop early and free the engine now (not whenever the generator is collected)."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()


class LlamaEngine:
    """One model, one context; one generation at a time (guarded by a lock)."""

    def __init__(self, load_path: str, config: EngineConfig, *, plan: LoadPlan | None = None,
                 name: str = "", weights: Weights | None = None) -> None:
        """Load the model, or use ``weights`` already loaded (another reference to them)."""
        if config.kv_cache not in KV_GGML_TYPES:
            raise EngineError(f"unknown KV cache precision {config.kv_cache!r} (f16, q8_0 or q4_0)")
        if config.backend_sampling not in ("auto", "on", "off"):
            raise EngineError(f"unknown backend sampling mode {config.backend_sampling!r} (auto, on or off)")
        self.config = config
        self.plan = plan
        self.name = name
        self._lib = native.llama()
        lib = self._lib
        self._lock = threading.Lock()  # not RLock: a dropped generator may be finalised on another thread
        self.weights = take_weights(load_path, weights, config.n_gpu_layers, config.use_mmap, name,
                                    config.placement)
        self._model = self.weights.handle
        self.vocab = self.weights.vocab
        self.n_vocab = self.vocab.n_vocab
        self.chat_template = self.vocab.chat_template
        self.n_ctx_train = self.weights.n_ctx_train
        # Sliding-window attention (Gemma 2 and 3…): those layers keep only the window's
        # cache unless swa_full, so a long context takes a fraction of the memory; the
        # prefix of an earlier prompt can then be reused only while the window's cells are
        # still there (see _prefill), and drafts, which roll the cache back, are not used.
        self.n_swa = int(lib.llama_model_n_swa(self._model))
        self.swa_window = self.n_swa > 0 and not config.swa_full
        self.n_layers = self.weights.n_layers
        cparams = lib.llama_context_default_params()
        n_ctx = config.n_ctx
        if n_ctx > self.n_ctx_train and not config.rope_scaling:
            log.info("context %d exceeds the trained %d; capped", n_ctx, self.n_ctx_train)
            n_ctx = self.n_ctx_train
        cparams.n_ctx = n_ctx
        cparams.n_batch = min(config.n_batch, n_ctx)
        cparams.n_ubatch = min(config.n_batch, n_ctx)
        cparams.n_threads = config.n_threads
        cparams.n_threads_batch = config.n_threads
        cparams.no_perf = True
        set_kv_cache(lib, cparams, config.kv_cache)
        cparams.swa_full = config.swa_full
        if config.rope_scaling and n_ctx > self.n_ctx_train:
            cparams.rope_scaling_type = lib.LLAMA_ROPE_SCALING_TYPE_YARN
            cparams.yarn_orig_ctx = self.n_ctx_train
        self._ctx = lib.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            self.weights.release()
            raise ModelLoadFailed(
                f"llama.cpp could not create a context of {n_ctx} tokens for {name or load_path} "
                "(not enough memory?)"
            )
        self.n_ctx = lib.llama_n_ctx(self._ctx)
        self.n_batch = lib.llama_n_batch(self._ctx)
        self._mem = lib.llama_get_memory(self._ctx)
        self._threadpool = native.Threadpool(config.n_threads)
        self._threadpool.attach(self._ctx)
        self._cached: list[int] = []  # tokens whose KV is in the cache for sequence 0
        # The output layer is on the GPU when more layers than the repeating ones are offloaded.
        output_on_gpu = bool(lib.llama_supports_gpu_offload()) and (
            config.n_gpu_layers < 0 or config.n_gpu_layers > self.n_layers)
        self.backend_sampling = (config.backend_sampling == "on" or (
            config.backend_sampling == "auto" and output_on_gpu)) and GraphCut.available(lib)
        self._graph_cut = GraphCut(lib, self._ctx) if self.backend_sampling else None
        # A smaller model with the same vocabulary whose greedy continuation is drafted
        # and verified when a reply asks for drafts (SamplingParams.draft); owned here.
        self.draft: LlamaEngine | None = None
        # False where drafts were asked for but cannot be had (the draft model set would
        # not load): replies then decode without any.
        self.drafting = True

    # -- tokens (the model's own tokenizer) ---------------------------------------------------

    def tokenize(self, text: str, *, add_special: bool = False, parse_special: bool = True) -> list[int]:
        return self.vocab.tokenize(text, add_special=add_special, parse_special=parse_special)

    def count_tokens(self, text: str) -> int:
        return len(self.vocab.tokenize(text, parse_special=False))

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self.vocab.detokenize(tokens)

    def token_text(self, token: int) -> bytes:
        return self.vocab.piece(token)[0]

    def render_chat(self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True) -> str:
        return self.chat_template.render(messages, add_generation_prompt=add_generation_prompt)

    def chat_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        return self.vocab.chat_tokens(messages)

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(self.chat_tokens(messages))

    # -- generation ---------------------------------------------------------------------------

    def stream_chat(self, messages: Sequence[ChatMessage], params: SamplingParams,
                    cancel: threading.Event | None = None) -> Generation:
        tokens = self.chat_tokens(messages)
        stops = tuple(params.stop) + self.chat_template.stop_texts
        return self.stream_tokens(tokens, params, cancel, extra_stops=stops)

    def stream_completion(self, prompt: str, params: SamplingParams,
                          cancel: threading.Event | None = None) -> Generation:
        tokens = self.vocab.prompt_tokens(prompt)
        return self.stream_tokens(tokens, params, cancel, extra_stops=tuple(params.stop))

    def stream_tokens(self, tokens: list[int], params: SamplingParams,
                      cancel: threading.Event | None = None,
                      extra_stops: tuple[str, ...] = ()) -> Generation:
        if not tokens:
            raise EngineError("the prompt is empty")
        if len(tokens) >= self.n_ctx:
            raise ContextOverflow(
                f"the prompt is {len(tokens)} tokens but the context window is {self.n_ctx}"
            )
        stats = ReplyStats(prompt_tokens=len(tokens))
        stops = tuple(s for s in extra_stops if s)
        return Generation(self._run(tokens, params, cancel, stops, stats), stats)

    def _run(self, tokens: list[int], params: SamplingParams, cancel: threading.Event | None,
             stops: tuple[str, ...], stats: ReplyStats) -> Iterator[str]:
        with self._lock:
            if self._ctx is None:
                raise EngineError("the model has been unloaded")
            yield from self._run_locked(tokens, params, cancel, stops, stats)

    def _run_locked(self, tokens: list[int], params: SamplingParams,
                    cancel: threading.Event | None, stops: tuple[str, ...],
                    stats: ReplyStats) -> Iterator[str]:
        t0 = time.perf_counter()
        graph_cut = self._use_graph_cut(params)
        if not self._prefill(tokens, stats, cancel):
            stats.finish_reason = "cancelled"
            stats.total_s = time.perf_counter() - t0
            return
        if self._drafts(params):
            yield from self._run_drafting(tokens, params, cancel, stops, stats, t0)
            return
        sampler = self._sampler(params, tokens, graph_cut)
        ctx, pieces, piece_of = self._ctx, self.vocab._pieces, self.vocab.piece
        steps = sampler.steps
        utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        held = ""  # text withheld because it may be the start of a stop string
        max_new = min(params.max_tokens, self.n_ctx - len(tokens))
        n_gen = 0
        t_first = 0.0
        finish = "length"
        cached = self._cached
        n_step = 1  # the first token alone, so that it shows at once; then runs of them
        try:
            while n_gen < max_new and finish == "length":
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                # Each run ends with its last token's decode already started: on a GPU,
                # llama_decode returns once the work is queued, so the text below is
                # handled while the device works. (Tokens sampled past a stop string or
                # a cancel stay in the cache too, and in ``cached``, which says so.)
                run = steps(ctx, n_step, max_new - n_gen)
                cached.extend(run.tokens[:run.decoded])
                if not t_first and run.tokens:
                    t_first = time.perf_counter()
                # The run's text goes out as one piece: whatever reads the stream (the
                # safety filter, the window, a client) then works once per run, not once
                # per token, and is done before the device is.
                shown: list[str] = []
                for tok in run.tokens:
                    if cancel is not None and cancel.is_set():
                        finish = "cancelled"
                        break
                    n_gen += 1
                    hit = pieces.get(tok)
                    text = utf8.decode((hit if hit is not None else piece_of(tok))[0])
                    if not text:
                        continue
                    if stops:
                        held += text
                        emit, held, found = _split_at_stop(held, stops)
                        if emit:
                            shown.append(emit)
                        if found:
                            finish = "stop"
                            break
                    else:
                        shown.append(text)
                if shown:
                    yield shown[0] if len(shown) == 1 else "".join(shown)
                if run.status == STEPS_END and finish == "length":
                    finish = "stop"
                elif run.status == STEPS_DECODE_FAILED:
                    raise EngineError(f"llama.cpp failed to decode (context full?) (code {run.code})")
                elif run.status == STEPS_SAMPLE_FAILED:
                    raise EngineError(f"the sampler picked no token (code {run.code})")
                n_step = MAX_STEPS_PER_CALL
            tail = held + utf8.decode(b"", final=True)
            if tail and finish != "stop":
                yield tail
        finally:
            sampler.free()
            t_end = time.perf_counter()
            stats.generated_tokens = n_gen
            stats.finish_reason = finish
            stats.total_s = t_end - t0
            if n_gen:
                stats.time_to_first_token_s = t_first - t0
                if n_gen > 1:
                    stats.decode_tokens_per_s = (n_gen - 1) / max(1e-9, t_end - t_first)

    def _run_drafting(self, tokens: list[int], params: SamplingParams,
                      cancel: threading.Event | None, stops: tuple[str, ...],
                      stats: ReplyStats, t0: float) -> Iterator[str]:
        """The decode loop with prompt-lookup drafts (app.engine.lookup): each batch is the
        last token and the draft that may follow it; the sampler walks the batch's logits
        in order and keeps drafts while they are what it picks."""
        lib = self._lib
        sampler = self._sampler(params, tokens)
        ctx, mem, pieces, piece_of = self._ctx, self._mem, self.vocab._pieces, self.vocab.piece
        sample = sampler.sample
        batch = DraftBatch(lib, params.draft + 1)
        index: Drafter = (DraftModel(self.draft, tokens, params) if self.draft is not None
                          else NgramIndex(tokens))
        utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        held = ""
        max_new = min(params.max_tokens, self.n_ctx - len(tokens))
        n_gen = 0
        t_first = 0.0
        finish = "length"
        cached = self._cached
        try:
            tok = sample(ctx, -1)
            size = params.draft
            done = False
            while not done:
                # ``tok`` is sampled and not yet shown; show it, then verify its draft.
                hit = pieces.get(tok)
                piece, eog = hit if hit is not None else piece_of(tok)
                if eog:
                    finish = "stop"
                    break
                n_gen += 1
                if n_gen == 1:
                    t_first = time.perf_counter()
                text = utf8.decode(piece)
                if text:
                    if stops:
                        held += text
                        emit, held, found = _split_at_stop(held, stops)
                        if emit:
                            yield emit
                        if found:
                            finish = "stop"
                            break
                    else:
                        yield text
                if n_gen >= max_new:
                    break
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                index.append(tok)
                room = min(size, max_new - n_gen - 1, self.n_ctx - len(cached) - 2)
                draft = index.draft(room) if room > 0 else []
                pos = len(cached)
                if lib.llama_decode(ctx, batch.fill([tok, *draft], pos)) != 0:
                    raise EngineError("llama.cpp failed to decode (context full?)")
                cached.append(tok)
                cached.extend(draft)
                stats.drafted_tokens += len(draft)
                kept = 0
                for i, guess in enumerate(draft):
                    nxt = sample(ctx, i)
                    if nxt != guess:
                        tok = nxt
                        break
                    hit = pieces.get(nxt)
                    piece, eog = hit if hit is not None else piece_of(nxt)
                    if eog:
                        finish, done = "stop", True
                        break
                    kept += 1
                    n_gen += 1
                    text = utf8.decode(piece)
                    if text:
                        if stops:
                            held += text
                            emit, held, found = _split_at_stop(held, stops)
                            if emit:
                                yield emit
                            if found:
                                finish, done = "stop", True
                                break
                        else:
                            yield text
                    index.append(nxt)
                    if n_gen >= max_new:
                        done = True
                        break
                else:
                    tok = sample(ctx, len(draft))
                stats.accepted_tokens += kept
                if draft:  # draft longer while guesses hold, shorter when they miss
                    size = min(params.draft, size * 2) if kept == len(draft) else max(1, kept)
                trim_cache(lib, mem, cached, pos + 1 + kept)
            tail = held + utf8.decode(b"", final=True)
            if tail and finish != "stop":
                yield tail
        finally:
            sampler.free()
            batch.free()
            t_end = time.perf_counter()
            stats.generated_tokens = n_gen
            stats.finish_reason = finish
            stats.total_s = t_end - t0
            if n_gen:
                stats.time_to_first_token_s = t_first - t0
                if n_gen > 1:
                    stats.decode_tokens_per_s = (n_gen - 1) / max(1e-9, t_end - t_first)

    def greedy_continuation(self, tokens: Sequence[int], n: int,
                            like: SamplingParams = GREEDY) -> list[int]:
        """The ``n`` tokens this model would write after ``tokens``, greedily with the
        penalties and grammar of ``like`` (what a draft model drafts for a reply with
        those settings), reusing the cached prefix."""
        params = replace(like, temperature=0.0, draft=0, max_tokens=n)
        with self._lock:
            if self._ctx is None:
                raise EngineError("the draft model has been unloaded")
            tokens = list(tokens)
            cut = self._use_graph_cut(params)
            self._prefill(tokens, ReplyStats(prompt_tokens=len(tokens)), None)
            sampler = self._sampler(params, tokens, cut)
            out: list[int] = []
            try:
                while len(out) < n:
                    run = sampler.steps(self._ctx, n - len(out), n - len(out))
                    self._cached.extend(run.tokens[:run.decoded])
                    out += run.tokens
                    if run.status != STEPS_MORE:
                        break
            finally:
                sampler.free()
            return out

    def attach_draft(self, draft: LlamaEngine) -> None:
        """Draft with ``draft`` (closed with this engine); refused, with the reason, when
        its vocabulary is not this model's."""
        check_same_vocabulary(self, draft, draft.name or "given")
        if self.draft is not None:
            self.draft.close()
        self.draft = draft

    def _prefill(self, tokens: list[int], stats: ReplyStats, cancel: threading.Event | None) -> bool:
        """Bring the KV cache to ``tokens``, reusing the longest cached prefix.

        Returns False when cancelled part-way; what was processed stays cached.
        """
        lib = self._lib
        cached = self._cached
        common = _common_prefix(cached, tokens)
        if common == len(tokens):
            common -= 1  # the last prompt token must be decoded again to get its logits
        if common and self.swa_window:
            # The next token attends to the window before it: reuse the prefix only if the
            # cache still holds that far back (what llama-server checks too).
            pos_min = lib.llama_memory_seq_pos_min(self._mem, 0)
            if pos_min < 0 or pos_min > max(0, common - self.n_swa):
                common = 0
        if not lib.llama_memory_seq_rm(self._mem, 0, common, -1):
            lib.llama_memory_clear(self._mem, True)
            common = 0
        del cached[common:]
        stats.cached_tokens = common
        pos = common
        n_batch = self.n_batch
        while pos < len(tokens):
            if cancel is not None and cancel.is_set():
                return False
            chunk = tokens[pos : pos + n_batch]
            arr = (ctypes.c_int32 * len(chunk))(*chunk)
            rc = lib.llama_decode(self._ctx, lib.llama_batch_get_one(arr, len(chunk)))
            if rc != 0:
                lib.llama_memory_clear(self._mem, True)
                cached.clear()
                raise EngineError(f"llama.cpp failed to process the prompt (code {rc})")
            cached.extend(chunk)
            pos += len(chunk)
        return True

    def _use_graph_cut(self, params: SamplingParams) -> bool:
        """Attach or detach the graph's cut for a reply with ``params``, before its
        prompt is decoded; whether the reply samples from it."""
        cut = self._graph_cut
        if cut is None:
            return False
        if fits_graph_cut(params) and not self._drafts(params):
            return cut.attach()
        # This reply needs every logit, or several outputs in one batch (drafts), which
        # llama.cpp's backend sampling does not take.
        cut.detach()
        return False

    def _drafts(self, params: SamplingParams) -> bool:
        return params.draft > 0 and self.drafting and not self.swa_window

    def _sampler(self, params: SamplingParams, prompt: list[int], graph_cut: bool = False) -> Sampler:
        return Sampler(self._lib, self.vocab.handle, self.n_vocab, params, prompt,
                       graph_cut=graph_cut)

    # -- lifetime -----------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._lib.llama_memory_clear(self._mem, True)
            self._cached.clear()

    def close(self) -> None:
        """Free the context, and the model unless another engine still uses its weights."""
        with self._lock:
            if self._model is None:
                return
            if self._graph_cut is not None:
                self._graph_cut.free()
                self._graph_cut = None
            free_context(self._lib, self._ctx, self._threadpool)
            self._ctx = self._model = None
            self.weights.release()
            draft, self.draft = self.draft, None
        if draft is not None:
            draft.close()

    def __enter__(self) -> LlamaEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ggml's type ids (ggml.h) for the KV cache's precisions.
KV_GGML_TYPES = {"f16": 1, "q8_0": 8, "q4_0": 2}


def set_kv_cache(lib: object, cparams: object, kv_cache: str) -> None:
    """Make the context keep K and V at ``kv_cache`` precision. A quantized V cache needs
    flash attention, so it is switched on for them (llama.cpp refuses one without it)."""
    ggml_type = KV_GGML_TYPES[kv_cache]
    cparams.type_k = cparams.type_v = ggml_type  # type: ignore[attr-defined]
    if kv_cache != "f16":
        cparams.flash_attn_type = lib.LLAMA_FLASH_ATTN_TYPE_ENABLED  # type: ignore[attr-defined]


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many tokens ``a`` and ``b`` share from the start."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _split_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, str, bool]:
    """Split ``text`` into (safe to emit, to hold back, stop found)."""
    first = -1
    for s in stops:
        i = text.find(s)
        if i != -1 and (first == -1 or i < first):
            first = i
    if first != -1:
        return text[:first], "", True
    hold = 0
    for s in stops:
        for k in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:k]):
                hold = max(hold, k)
                break
    if hold:
        return text[:-hold], text[-hold:], False
    return text, "", False
