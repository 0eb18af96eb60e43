"""Continuous batching: many generations as sequences of one shared llama.cpp
context, all advanced by one batched ``llama_decode`` per step, as llama-server does.

A scheduler thread owns the context. Each step it puts one token for every
generating slot, then as much of the waiting prompts as the batch holds, into
one ``llama_batch``; decodes it; and samples each slot's next token through
that slot's own C sampler chain at the slot's index in the batch. Requests
wait in a FIFO queue of bounded depth for a free slot; a cancelled request
leaves its slot at the start of the next step. Per token the Python work is
the C sample call, a dictionary lookup for the token's text and the
stop-string check; the results of a step reach each consumer in one wake-up.
"""

from __future__ import annotations

import codecs
import ctypes
import itertools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.engine import native
from app.engine.chat_template import AnyMessage
from app.engine.llama import _common_prefix, _split_at_stop
from app.engine.sampler import Sampler
from app.engine.types import ChatMessage, Placement, ReplyStats, SamplingParams
from app.engine.weights import Weights, free_context, take_weights
from app.errors import AppError, ContextOverflow, EngineError, ModelLoadFailed, ServerBusy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenLogprob:
    """A sampled token's log-probability under the model and its most likely alternatives:
    the log-softmax of the raw logits, before penalties, temperature or grammar, as OpenAI
    reports them."""

    token: bytes
    logprob: float
    top: tuple[tuple[bytes, float], ...]


@dataclass(frozen=True)
class BatchConfig:
    slots: int = 4  # sequences decoded together
    n_ctx_slot: int = 4096  # context of each slot; the KV cache holds slots × this
    n_batch: int = 512  # most tokens in one llama_decode (prompt chunks + one per generating slot)
    n_threads: int = 2
    n_gpu_layers: int = 0
    use_mmap: bool = True
    queue_depth: int = 64  # requests that may wait for a slot before ServerBusy
    kv_unified: bool = False  # one KV pool for all slots instead of one stream per slot
    placement: Placement = field(default_factory=Placement)  # which GPU(s), where there are several


class BatchRequest:
    """One generation: made by ``BatchEngine.submit``, read by one consumer.

    The scheduler thread appends text and calls ``on_output`` (from its own
    thread) once per step in which something happened, or only at the end when
    not streaming; a consumer then calls ``take()``. Threaded callers pass no
    ``on_output`` and simply iterate.
    """

    _ids = itertools.count(1)

    def __init__(self, engine: BatchEngine, tokens: list[int], params: SamplingParams,
                 stops: tuple[str, ...], ignore_eos: bool,
                 on_output: Callable[[], None] | None, stream: bool,
                 logprobs: int | None = None) -> None:
        self.id = next(self._ids)
        self.tokens = tokens
        self.params = params
        self.stops = stops
        self.ignore_eos = ignore_eos
        self.stats = ReplyStats(prompt_tokens=len(tokens))
        self.error: AppError | None = None
        self.done = False
        self.submitted_at = time.perf_counter()
        self.started_at = 0.0
        self._engine = engine
        self._sampler: Sampler | None = None
        self._out: deque[str] = deque()
        # With ``logprobs`` (how many alternatives, 0..20): one TokenLogprob per sampled token.
        self.logprobs = logprobs
        self._logprobs: deque[TokenLogprob] = deque()
        self._cancelled = False
        self._on_output = on_output
        self._stream = stream  # False: call on_output only once, at the end
        self._ready = threading.Event()

    @property
    def finish_reason(self) -> str:
        return self.stats.finish_reason

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop this generation: a queued request leaves the queue now, a running one
        leaves its slot at the start of the next step."""
        if not self.done and not self._cancelled:
            self._cancelled = True
            self._engine._withdraw(self)

    def take(self) -> str:
        """The text produced since the last call; never blocks."""
        out = self._out
        parts = []
        while out:
            parts.append(out.popleft())
        return "".join(parts)

    def take_logprobs(self) -> list[TokenLogprob]:
        """The log-probabilities of the tokens sampled since the last call; never blocks."""
        out = self._logprobs
        return [out.popleft() for _ in range(len(out))]

    def wait(self, timeout: float | None = None) -> bool:
        """Block until there is news (text or the end); False on timeout."""
        ok = self._ready.wait(timeout)
        self._ready.clear()
        return ok

    def __iter__(self) -> Iterator[str]:
        """Blocking iteration for threaded callers; raises the request's error at the end."""
        while True:
            self.wait()
            text = self.take()
            if text:
                yield text
            if self.done and not self._out:
                break
        if self.error is not None:
            raise self.error

    def read_all(self) -> str:
        return "".join(self)

    def _publish(self) -> None:
        if self._on_output is None:
            self._ready.set()
        elif self._stream or self.done:
            self._on_output()


class _Slot:
    """One sequence of the shared context and the request it is serving."""

    __slots__ = ("seq", "cached", "req", "pending", "last", "n_gen", "max_new", "utf8", "held")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.cached: list[int] = []  # tokens whose KV this sequence holds, in order
        self.req: BatchRequest | None = None
        self.pending: list[int] = []  # prompt tokens still to decode
        self.last = 0  # the sampled token to decode in the next step
        self.n_gen = 0
        self.max_new = 0
        self.utf8: Any = None
        self.held = ""  # text withheld because it may start a stop string


class BatchEngine:
    """One model, one context of ``slots`` sequences, one scheduler thread."""

    def __init__(self, load_path: str, config: BatchConfig, *, name: str = "",
                 weights: Weights | None = None) -> None:
        """Load the model, or use ``weights`` already loaded (another reference to them)."""
        self.config = config
        self.name = name
        lib = self._lib = native.llama()
        self.weights = take_weights(load_path, weights, config.n_gpu_layers, config.use_mmap, name,
                                    config.placement)
        self._model = self.weights.handle
        self.vocab = self.weights.vocab
        self.n_ctx_train = self.weights.n_ctx_train
        n_slots = max(1, config.slots)
        per_slot = min(config.n_ctx_slot, self.n_ctx_train) if self.n_ctx_train > 0 else config.n_ctx_slot
        n_batch = max(config.n_batch, n_slots)
        cparams = lib.llama_context_default_params()
        cparams.n_ctx = per_slot * n_slots
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_seq_max = n_slots
        cparams.n_threads = config.n_threads
        cparams.n_threads_batch = config.n_threads
        cparams.kv_unified = config.kv_unified
        cparams.no_perf = True
        self._ctx = lib.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            self.weights.release()
            raise ModelLoadFailed(
                f"llama.cpp could not create a context of {n_slots} × {per_slot} tokens for "
                f"{name or load_path} (not enough memory? try fewer --slots or a smaller --ctx)"
            )
        self.n_ctx_slot = min(per_slot, lib.llama_n_ctx_seq(self._ctx))
        self.n_batch = lib.llama_n_batch(self._ctx)
        self._mem = lib.llama_get_memory(self._ctx)
        self._threadpool = native.Threadpool(config.n_threads)
        self._threadpool.attach(self._ctx)
        self._build_batch(max(self.n_batch, n_slots))
        self._slots = [_Slot(i) for i in range(n_slots)]
        self._active: list[_Slot] = []  # slots serving a request, in order of admission
        self._queue: deque[BatchRequest] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._accepting = True
        self.failure: str | None = None
        self._embedder: Any = None
        self._embed_lock = threading.Lock()
        # counters for /metrics; written by the scheduler thread only
        self.tokens_generated = 0
        self.prompt_tokens_decoded = 0
        self.prompt_tokens_cached = 0
        self.steps = 0
        self.decode_s = 0.0  # time inside llama_decode
        self.sample_s = 0.0  # time sampling and handing out text
        self._service_s = 2.0  # moving average of a request's time in a slot
        self._thread = threading.Thread(target=self._run, name="batch-scheduler", daemon=True)
        self._thread.start()

    # -- the shared llama_batch ---------------------------------------------------------------

    def _build_batch(self, cap: int) -> None:
        """One llama_batch over arrays we own, so a step fills it with slice assignments."""
        lib = self._lib
        i32p = ctypes.POINTER(ctypes.c_int32)
        self._tok = (ctypes.c_int32 * cap)()
        self._pos = (ctypes.c_int32 * cap)()
        self._nseq = (ctypes.c_int32 * cap)(*([1] * cap))
        self._seq = (ctypes.c_int32 * cap)()
        base = ctypes.addressof(self._seq)
        self._seq_ptrs = (i32p * cap)(*[ctypes.cast(base + 4 * i, i32p) for i in range(cap)])
        self._logits = (ctypes.c_int8 * cap)()
        b = self._batch = lib.llama_batch()
        b.n_tokens = 0
        b.token = ctypes.cast(self._tok, i32p)
        b.embd = None
        b.pos = ctypes.cast(self._pos, i32p)
        b.n_seq_id = ctypes.cast(self._nseq, i32p)
        b.seq_id = ctypes.cast(self._seq_ptrs, ctypes.POINTER(i32p))
        b.logits = ctypes.cast(self._logits, ctypes.POINTER(ctypes.c_int8))

    # -- requests -----------------------------------------------------------------------------

    def submit(self, tokens: list[int], params: SamplingParams, *, stops: Sequence[str] = (),
               ignore_eos: bool = False, on_output: Callable[[], None] | None = None,
               stream: bool = True, logprobs: int | None = None) -> BatchRequest:
        """Queue a generation; raises ServerBusy when the queue is full."""
        if not tokens:
            raise EngineError("the prompt is empty")
        if len(tokens) >= self.n_ctx_slot:
            raise ContextOverflow(
                f"the prompt is {len(tokens)} tokens but each slot's context window is "
                f"{self.n_ctx_slot}"
            )
        if self.failure:
            raise EngineError(f"the engine has stopped: {self.failure}")
        req = BatchRequest(self, tokens, params, tuple(s for s in stops if s), ignore_eos,
                           on_output, stream, logprobs)
        req._sampler = Sampler(self._lib, self.vocab.handle, self.vocab.n_vocab, params, tokens)
        with self._cond:
            busy = None
            if not self._accepting:
                busy = ServerBusy("the server is shutting down", self.retry_after_s())
            elif len(self._queue) + len(self._active) >= len(self._slots) + self.config.queue_depth:
                busy = ServerBusy(
                    f"all {len(self._slots)} slots are busy and {len(self._queue)} requests are "
                    "waiting; try again later", self.retry_after_s())
            if busy is not None:
                req._sampler.free()
                req._sampler = None
                raise busy
            self._queue.append(req)
            self._cond.notify()
        return req

    def submit_chat(self, messages: Sequence[AnyMessage], params: SamplingParams, *,
                    tools: Sequence[Mapping[str, Any]] | None = None,
                    parallel_tool_calls: bool = True, **kw: Any) -> BatchRequest:
        """Queue a chat reply; with ``tools`` (and messages that may carry tool calls and
        results, in OpenAI's shape) the template offers the tools to the model."""
        template = self.vocab.chat_template
        if tools is None and all(isinstance(m, ChatMessage) for m in messages):
            tokens = self.vocab.chat_tokens(messages)  # type: ignore[arg-type]
        else:
            text = template.render(messages, tools=tools, parallel_tool_calls=parallel_tool_calls)
            bos = template.bos_token
            add_bos = self.vocab.add_bos and not (bos and text.startswith(bos))
            tokens = self.vocab.tokenize(text, add_special=add_bos, parse_special=True)
        stops = tuple(params.stop) + template.stop_texts
        return self.submit(tokens, params, stops=stops, **kw)

    def submit_completion(self, prompt: str, params: SamplingParams, **kw: Any) -> BatchRequest:
        return self.submit(self.vocab.prompt_tokens(prompt), params, stops=params.stop, **kw)

    def _withdraw(self, req: BatchRequest) -> None:
        """A cancelled request still in the queue leaves it now."""
        with self._cond:
            try:
                self._queue.remove(req)
            except ValueError:
                return  # already in a slot: the scheduler drops it at its next step
        req.stats.finish_reason = "cancelled"
        self._close_request(req)

    # -- state, for health checks and metrics -------------------------------------------------

    @property
    def n_slots(self) -> int:
        return len(self._slots)

    @property
    def queue_depth(self) -> int:
        return len(self._queue)

    @property
    def busy_slots(self) -> int:
        return len(self._active)

    def retry_after_s(self) -> int:
        """A fair guess at when a slot frees up for a request arriving now."""
        waves = (len(self._queue) + 1) / max(1, len(self._slots))
        return max(1, math.ceil(self._service_s * waves))

    def stop_accepting(self) -> None:
        """New requests get ServerBusy; those in hand go on (a server draining)."""
        self._accepting = False

    # -- the scheduler ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._closing and not self._queue and not self._active:
                        self._cond.wait()
                    if self._closing:
                        break
                    if self._queue:
                        self._admit()
                self._step()
        except BaseException as exc:  # a bug or a fatal llama.cpp error: fail loudly, not hang
            log.exception("the batch scheduler stopped")
            self.failure = f"{exc.__class__.__name__}: {exc}"
        finally:
            self._abandon_all(EngineError(f"the engine has stopped: {self.failure}")
                              if self.failure else None)

    def _admit(self) -> None:
        """Give waiting requests, first come first served, to idle slots (lock held)."""
        idle = [s for s in self._slots if s.req is None]
        while self._queue and idle:
            req = self._queue.popleft()
            slot = _pick_slot(self._slots, idle, req.tokens)
            idle.remove(slot)
            self._start(slot, req)

    def _start(self, slot: _Slot, req: BatchRequest) -> None:
        tokens = req.tokens
        common = _common_prefix(slot.cached, tokens)
        if common == len(tokens):
            common -= 1  # the last prompt token is decoded again for its logits
        if not self._lib.llama_memory_seq_rm(self._mem, slot.seq, common, -1):
            self._lib.llama_memory_seq_rm(self._mem, slot.seq, -1, -1)
            common = 0
        del slot.cached[common:]
        slot.pending = tokens[common:]
        slot.req = req
        slot.n_gen = 0
        slot.max_new = min(req.params.max_tokens, self.n_ctx_slot - len(tokens))
        slot.utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        slot.held = ""
        req.stats.cached_tokens = common
        req.started_at = time.perf_counter()
        self.prompt_tokens_cached += common
        self._active.append(slot)

    def _step(self) -> None:
        """One llama_decode advancing every active slot, then one sample per ready slot."""
        active = self._active
        for slot in [s for s in active if s.req is not None and s.req._cancelled]:
            self._finish(slot, "cancelled")
        if not active:
            return
        # One token for each generating slot; the rest of the batch goes to prompts, first
        # come first served (``active`` is in order of admission).
        budget = self.n_batch - sum(1 for s in active if not s.pending)
        chunk_of: dict[int, int] = {}
        for slot in active:
            if budget <= 0:
                break
            if slot.pending:
                chunk_of[slot.seq] = k = min(budget, len(slot.pending))
                budget -= k
        # Laid out in order of sequence id: without a unified KV cache llama.cpp splits a
        # batch into runs of consecutive sequence ids, each run a graph computation of its own.
        tok, pos, seq, logits = self._tok, self._pos, self._seq, self._logits
        n = 0
        ready: list[tuple[_Slot, int]] = []  # slots to sample, at their batch index
        for slot in self._slots:
            if slot.req is None:
                continue
            todo = slot.pending
            if not todo:
                cached = slot.cached
                tok[n] = slot.last
                pos[n] = len(cached)
                seq[n] = slot.seq
                logits[n] = 1
                cached.append(slot.last)
                ready.append((slot, n))
                n += 1
                continue
            k = chunk_of.get(slot.seq, 0)
            if not k:
                continue
            chunk = todo[:k]
            start = len(slot.cached)
            tok[n:n + k] = chunk
            pos[n:n + k] = range(start, start + k)
            seq[n:n + k] = [slot.seq] * k
            ctypes.memset(ctypes.addressof(logits) + n, 0, k)
            slot.cached.extend(chunk)
            slot.pending = todo[k:]
            if not slot.pending:
                logits[n + k - 1] = 1
                ready.append((slot, n + k - 1))
            self.prompt_tokens_decoded += k
            n += k
        self._batch.n_tokens = n
        t0 = time.perf_counter()
        rc = self._lib.llama_decode(self._ctx, self._batch)
        t1 = time.perf_counter()
        self.steps += 1
        self.decode_s += t1 - t0
        if rc != 0:
            self._decode_failed(rc)
            return
        self._sample(ready)
        self.sample_s += time.perf_counter() - t1

    def _sample(self, ready: list[tuple[_Slot, int]]) -> None:
        ctx = self._ctx
        pieces, piece = self.vocab._pieces, self.vocab.piece
        now = time.perf_counter()
        news = []  # consumers are told once all slots are sampled, not in between
        for slot, i in ready:
            req = slot.req
            assert req is not None
            assert req._sampler is not None
            t = req._sampler.sample(ctx, i)
            text_bytes, eog = pieces.get(t) or piece(t)
            if eog and not req.ignore_eos:
                self._finish(slot, "stop")
                continue
            if req.logprobs is not None:
                req._logprobs.append(self._logprob(i, t, req.logprobs))
            slot.n_gen += 1
            self.tokens_generated += 1
            if slot.n_gen == 1:
                req.stats.time_to_first_token_s = now - req.submitted_at
            text = slot.utf8.decode(text_bytes)
            if text:
                if req.stops:
                    emit, slot.held, hit = _split_at_stop(slot.held + text, req.stops)
                    if emit:
                        req._out.append(emit)
                    if hit:
                        self._finish(slot, "stop", stopped_by_text=True)
                        continue
                else:
                    req._out.append(text)
            if slot.n_gen >= slot.max_new:
                self._finish(slot, "length")
                continue
            slot.last = t
            news.append(req)
        for req in news:
            req._publish()

    def _logprob(self, i: int, token: int, n_top: int) -> TokenLogprob:
        """``token``'s log-probability at batch index ``i`` and the ``n_top`` likeliest."""
        import numpy as np

        n_vocab = self.vocab.n_vocab
        logits = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(self._ctx, i),
                                       shape=(n_vocab,)).astype(np.float64)
        peak = float(logits.max())
        log_total = peak + math.log(float(np.exp(logits - peak).sum()))
        top: tuple[tuple[bytes, float], ...] = ()
        if n_top > 0:
            best = np.argpartition(logits, -n_top)[-n_top:]
            best = best[np.argsort(-logits[best], kind="stable")]
            top = tuple((self.vocab.piece(int(t))[0], float(logits[t]) - log_total)
                        for t in best)
        return TokenLogprob(self.vocab.piece(token)[0], float(logits[token]) - log_total, top)

    def _finish(self, slot: _Slot, reason: str, *, stopped_by_text: bool = False) -> None:
        req = slot.req
        assert req is not None
        if not stopped_by_text and reason != "cancelled":
            tail = slot.held + slot.utf8.decode(b"", final=True)
            if tail:
                req._out.append(tail)
        now = time.perf_counter()
        st = req.stats
        st.generated_tokens = slot.n_gen
        st.finish_reason = reason
        if slot.n_gen > 1 and now - req.submitted_at > st.time_to_first_token_s:
            st.decode_tokens_per_s = (slot.n_gen - 1) / (now - req.submitted_at - st.time_to_first_token_s)
        if reason != "cancelled":
            self._service_s = 0.8 * self._service_s + 0.2 * (now - req.started_at)
        slot.req = None
        slot.pending = []
        self._active.remove(slot)
        self._close_request(req)

    def _close_request(self, req: BatchRequest) -> None:
        st = req.stats
        st.total_s = time.perf_counter() - req.submitted_at
        if req._sampler is not None:
            req._sampler.free()
            req._sampler = None
        req.done = True
        req._publish()

    def _decode_failed(self, rc: int) -> None:
        # 1: no room in the KV cache; 2: aborted; < 0: fatal. Either way every request in
        # this batch fails; their sequences are cleared so the slots start clean.
        err = EngineError(f"llama.cpp failed to decode the batch (code {rc})")
        log.error("llama_decode returned %d with %d active slots", rc, len(self._active))
        for slot in list(self._active):
            req = slot.req
            if req is not None:
                req.error = err
            self._lib.llama_memory_seq_rm(self._mem, slot.seq, -1, -1)
            slot.cached.clear()
            self._finish(slot, "error")
        if rc < 0 and rc != -1:
            raise err

    def _abandon_all(self, error: AppError | None) -> None:
        with self._cond:
            queued = list(self._queue)
            self._queue.clear()
        for req in queued:
            req.error = error
            req.stats.finish_reason = "cancelled" if error is None else "error"
            self._close_request(req)
        for slot in list(self._active):
            if slot.req is not None:
                slot.req.error = error
            self._finish(slot, "cancelled" if error is None else "error")

    # -- embeddings ---------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> tuple[list[list[float]], int]:
        """Mean-pooled, L2-normalised embeddings of ``texts`` and the tokens they took.

        A second context on the same weights, made on first use, computes them,
        so embeddings never wait for a generation slot.
        """
        from app.engine.embeddings import Embedder

        with self._embed_lock:
            if self._embedder is None:
                self._embedder = Embedder(self._lib, self._model, self.vocab,
                                          n_threads=self.config.n_threads,
                                          n_ctx=min(self.n_ctx_slot, 2048))
            return self._embedder.embed(texts)  # type: ignore[no-any-return]

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel whatever is left and free the context and the model."""
        self._accepting = False
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        with self._embed_lock:
            if self._embedder is not None:
                self._embedder.close()
                self._embedder = None
        if self._model is not None:
            free_context(self._lib, self._ctx, self._threadpool)
            self._ctx = self._model = None
            self.weights.release()

    def __enter__(self) -> BatchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pick_slot(slots: list[_Slot], idle: list[_Slot], tokens: Sequence[int]) -> _Slot:
    """The idle slot holding the longest prefix of ``tokens``; among equals, the one
    beside the most busy slots (a batch costs a graph computation per run of
    consecutive busy sequences), then the lowest."""
    common = {s.seq: _common_prefix(s.cached, tokens) for s in idle}
    best = max(common.values())
    n = len(slots)

    def busy(i: int) -> int:
        return int(0 <= i < n and slots[i].req is not None)

    return max((s for s in idle if common[s.seq] == best),
               key=lambda s: (busy(s.seq - 1) + busy(s.seq + 1), -s.seq))
