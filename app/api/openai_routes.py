"""The OpenAI-compatible endpoints: models, chat completions, completions and
embeddings, streamed over server-sent events or answered whole.

Generation runs on the engine's scheduler thread; a handler only waits. The
engine wakes a request's handler at most once per decode step, and each wake
sends everything produced since the last one, so the event loop does a few
microseconds of work per token however many clients are streaming.
"""

from __future__ import annotations

import array
import asyncio
import base64
import json
import secrets
import sys
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from starlette.responses import Response, StreamingResponse

from app.api.auth import authenticate
from app.api.errors import ApiError, app_error_response
from app.api.request_note import note_request
from app.api.schemas import (
    ChatCompletionRequest,
    ChatMessageIn,
    CompletionRequest,
    EmbeddingRequest,
)
from app.api.state import ApiState
from app.api.wire import ChatChoice, CompletionLogprobs, chat_logprobs
from app.engine.types import ChatMessage, SamplingParams
from app.errors import AppError
from app.services import serving
from app.services.safety import Safety, ScreenedRequest
from app.services.serving import InvalidRequest, ToolPlan, take_logprobs

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
FINISH = {"stop": "stop", "length": "length", "content_filter": "content_filter"}


def _state(request: Request) -> ApiState:
    return request.app.state.api  # type: ignore[no-any-return]


def authorize(request: Request, authorization: str | None = Header(None)) -> None:
    authenticate(_state(request), request.url.path, authorization)


router = APIRouter(prefix="/v1", dependencies=[Depends(authorize)])


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status,
                    media_type="application/json")


# -- models ---------------------------------------------------------------------------------

def _model_card(state: ApiState) -> dict[str, Any]:
    m = state.model
    return {"id": state.model_id, "object": "model", "created": int(state.started_at),
            "owned_by": "open-autoglm", "served": True,
            "signature": None if m is None else ("verified" if m.signed else "unsigned"),
            "signer": None if m is None else m.signer}


def _model_cards(state: ApiState) -> list[dict[str, Any]]:
    """The served model first, then every other model this machine could load, each with
    its signature state: "verified" (checked when loaded), "unchecked" (a manifest is
    beside it, checked when it loads), "unsigned" (loads only where unsigned models are
    allowed)."""
    from app.services.models import list_models as installed

    cards = [_model_card(state)]
    served = state.model.path.resolve() if state.model is not None else None
    for entry in installed(state.ctx):
        if entry.status == "broken" or entry.path.resolve() == served:
            continue
        if served is None and entry.path.stem == state.model_id:
            continue
        cards.append({"id": entry.path.stem, "object": "model",
                      "created": int(entry.path.stat().st_mtime), "owned_by": "open-autoglm",
                      "served": False, "signature": entry.status, "signer": entry.signer})
    return cards


@router.get("/models")
async def list_models(request: Request) -> Response:
    """The model this server serves, then the others this machine has, with their
    signature state."""
    cards = await asyncio.to_thread(_model_cards, _state(request))
    return _json({"object": "list", "data": cards})


@router.get("/models/{model_id:path}")
async def get_model(model_id: str, request: Request) -> Response:
    state = _state(request)
    card = next((c for c in await asyncio.to_thread(_model_cards, state) if c["id"] == model_id),
                None)
    if card is None:
        raise ApiError(404, f"The model '{model_id}' does not exist; this server serves "
                       f"'{state.model_id}'.", "model_not_found", param="model")
    return _json(card)


# -- waking the event loop from the engine's thread -----------------------------------------

class _Wakeups:
    """Hands the engine's news to the event loop: one call into the loop per engine
    step, however many requests it touched (each call costs a syscall)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ready: deque[asyncio.Event] = deque()
        self.scheduled = False

    def __call__(self, event: asyncio.Event) -> None:  # the engine's thread
        self.ready.append(event)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:  # the event loop
        self.scheduled = False
        ready = self.ready
        while ready:
            ready.popleft().set()


_loop_wakeups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Wakeups] = (
    weakref.WeakKeyDictionary())


def _wakeups() -> _Wakeups:
    loop = asyncio.get_running_loop()
    w = _loop_wakeups.get(loop)
    if w is None:
        w = _loop_wakeups[loop] = _Wakeups(loop)
    return w


class _Waiter:
    """What a request's handler awaits; called from the engine's thread."""

    __slots__ = ("event", "wakeups")

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.wakeups = _wakeups()

    def __call__(self) -> None:
        self.wakeups(self.event)

    async def wait(self) -> None:
        await self.event.wait()
        self.event.clear()


async def _disconnected(receive: Callable[[], Any]) -> None:
    """Returns when the client goes away (the body has been read by then)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


# -- shared parts of chat and completions ---------------------------------------------------

def _params(state: ApiState, body: ChatCompletionRequest | CompletionRequest,
            max_tokens: int | None, grammar: str | None) -> SamplingParams:
    limit = state.max_tokens_limit
    if max_tokens is not None and max_tokens > limit:
        raise InvalidRequest(f"max_tokens is too large: {max_tokens}. This server allows at most "
                             f"{limit} tokens per reply.", "max_tokens")
    slots = state.model.engine.n_slots if state.model is not None else 1
    if body.n > slots:
        raise InvalidRequest(f"n={body.n} asks for {body.n} choices decoded side by side, and this "
                             f"server decodes at most {slots} sequences at once (--slots)", "n")
    default_max = min(int(state.ctx.settings.get("max_tokens")), limit)
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    if stop is not None and len(stop) > 4:
        raise InvalidRequest("at most 4 stop sequences", "stop")
    return serving.sampling_for_request(
        state.ctx, temperature=body.temperature, top_p=body.top_p, top_k=body.top_k,
        min_p=body.min_p, repeat_penalty=body.repeat_penalty, seed=body.seed,
        max_tokens=max_tokens if max_tokens is not None else default_max, stop=stop,
        frequency_penalty=body.frequency_penalty, presence_penalty=body.presence_penalty,
        grammar=grammar,
    )


def _seeded(params: SamplingParams, i: int) -> SamplingParams:
    from dataclasses import replace

    return params if i == 0 or params.seed < 0 else replace(params, seed=params.seed + i)


def _submit_all(make: Callable[[int], ScreenedRequest], n: int) -> list[ScreenedRequest]:
    reqs: list[ScreenedRequest] = []
    try:
        for i in range(n):
            reqs.append(make(i))
    except BaseException:
        for r in reqs:
            r.cancel()
        raise
    return reqs


def _usage(reqs: list[ScreenedRequest]) -> dict[str, int]:
    prompt = sum(r.stats.prompt_tokens for r in reqs[:1])  # the n choices share one prompt
    completion = sum(r.stats.generated_tokens for r in reqs)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


def _record(state: ApiState, reqs: list[ScreenedRequest]) -> None:
    note_request(**{k: v for k, v in _usage(reqs).items() if k != "total_tokens"})
    for r in reqs:
        state.metrics.observe_generation(r.stats.prompt_tokens, r.stats.generated_tokens,
                                         r.stats.time_to_first_token_s, r.cancelled)


async def _gather(request: Request, reqs: list[ScreenedRequest], waiter: _Waiter) -> bool:
    """Wait for every request to finish; False (and all cancelled) if the client left first."""
    gone = asyncio.ensure_future(_disconnected(request.receive))
    try:
        while not all(r.done for r in reqs):
            woke = asyncio.ensure_future(waiter.wait())
            await asyncio.wait({woke, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                woke.cancel()
                return False
        return True
    finally:
        gone.cancel()
        for r in reqs:
            if not r.done:
                r.cancel()


def _error_event(err: AppError) -> str:
    return "data: " + json.dumps({"error": {"message": err.message, "type": "server_error",
                                            "param": None, "code": err.code}}) + "\n\n"


Piece = Callable[[int, str, list[Any]], str]


async def _stream(state: ApiState, reqs: list[ScreenedRequest], waiter: _Waiter, start: str,
                  piece: Piece, finish: Callable[[int, str], str],
                  usage: Callable[[], str] | None, logprobs: bool) -> AsyncIterator[str]:
    """Server-sent events: what each step produced, one write per wake-up. ``piece``
    gets a choice's new text and, with ``logprobs``, its tokens' log-probabilities."""
    try:
        if start:
            yield start
        live = list(range(len(reqs)))
        while live:
            await waiter.wait()
            out = []
            for i in list(live):
                r = reqs[i]
                done = r.done  # read before take(): all text of a finished request is in
                text = r.take()
                lps = take_logprobs(r) if logprobs else []
                if text or lps:
                    out.append(piece(i, text, lps))
                if done:
                    live.remove(i)
                    out.append(_error_event(r.error) if r.error else finish(i, r.finish_reason))
            if out:
                yield "".join(out)
        if usage is not None:
            yield usage()
        yield "data: [DONE]\n\n"
    finally:
        for r in reqs:
            if not r.done:
                r.cancel()  # the client went away: free the slot at the next step
        _record(state, reqs)


def _sse(state: ApiState, reqs: list[ScreenedRequest], waiter: _Waiter, start: str,
         piece: Piece, finish: Callable[[int, str], str],
         usage: Callable[[], str] | None, logprobs: bool = False) -> StreamingResponse:
    return StreamingResponse(_stream(state, reqs, waiter, start, piece, finish, usage, logprobs),
                             media_type="text/event-stream", headers=SSE_HEADERS)


async def _wait_whole(request: Request, state: ApiState, reqs: list[ScreenedRequest],
                      waiter: _Waiter) -> Response | None:
    """Wait for every reply of a non-streamed request; a response instead of the
    answer when the client has gone (499) or a reply failed."""
    try:
        if not await _gather(request, reqs, waiter):
            return Response(status_code=499)  # nobody is listening any more
    finally:
        _record(state, reqs)
    failed = next((r.error for r in reqs if r.error), None)
    if failed is not None:
        return app_error_response(failed)
    return None


# -- what the safety filter did, as an extension field ---------------------------------------

def _safety(reqs: list[ScreenedRequest]) -> dict[str, Any]:
    """``{"safety": [{"choice", "category", "action", "direction", "count"}…]}`` when the
    filter found something in the prompt or a reply; nothing otherwise."""
    found = [{"choice": i, **e.as_dict()} for i, r in enumerate(reqs) for e in r.safety]
    return {"safety": found} if found else {}


def _safety_field(req: ScreenedRequest) -> str:
    """The same for one streamed choice, on its last chunk: ``,"safety":[…]`` or nothing."""
    found = [e.as_dict() for e in req.safety]
    return f',"safety":{json.dumps(found)}' if found else ""


# -- chat completions -----------------------------------------------------------------------

def _content(m: ChatMessageIn, i: int) -> str:
    content = m.content
    if isinstance(content, list):
        parts = []
        for part in content:
            if part.type != "text" or part.text is None:
                raise InvalidRequest(f"only text content is supported, not {part.type!r}",
                                     f"messages.{i}.content")
            parts.append(part.text)
        content = "".join(parts)
    return content or ""


def _messages(items: list[ChatMessageIn]) -> list[ChatMessage]:
    out = []
    for i, m in enumerate(items):
        role = "system" if m.role == "developer" else m.role
        out.append(ChatMessage(role, _content(m, i)))  # type: ignore[arg-type]
    return out


def _tool_messages(items: list[ChatMessageIn]) -> list[dict[str, Any]]:
    """The messages in OpenAI's shape, for a conversation with tool calls or results."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(items):
        role = "system" if m.role == "developer" else m.role
        item: dict[str, Any] = {"role": role, "content": _content(m, i)}
        if m.role == "tool":
            if not m.tool_call_id:
                raise InvalidRequest("a tool message needs the tool_call_id of the call it "
                                     "answers", f"messages.{i}.tool_call_id")
            item["tool_call_id"] = m.tool_call_id
            if m.name:
                item["name"] = m.name
        if m.tool_calls:
            if m.role != "assistant":
                raise InvalidRequest("only assistant messages carry tool_calls",
                                     f"messages.{i}.tool_calls")
            item["tool_calls"] = [c.model_dump(include={"id", "type", "function"})
                                  for c in m.tool_calls]
        out.append(item)
    return out


def _top_logprobs(body: ChatCompletionRequest) -> int | None:
    if body.top_logprobs is not None and not body.logprobs:
        raise InvalidRequest("top_logprobs needs logprobs: true", "top_logprobs")
    return (body.top_logprobs or 0) if body.logprobs else None


def _chunk(head: dict[str, Any], i: int, delta: dict[str, Any], logprobs: Any,
           finish: str | None, extra: dict[str, Any] | None = None) -> str:
    body = {**head, "choices": [{"index": i, "delta": delta, "logprobs": logprobs,
                                 "finish_reason": finish}], **(extra or {})}
    return "data: " + json.dumps(body, ensure_ascii=False) + "\n\n"


@router.post("/chat/completions")
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
    """A chat reply, streamed as chat.completion.chunk events or whole; with tools, the
    calls the model makes."""
    state = _state(request)
    model = state.require_model()
    tools = serving.plan_tools(model, [t.model_dump(exclude_none=True) for t in body.tools or []],
                               body.tool_choice, body.parallel_tool_calls)
    grammar = serving.grammar_for_response_format(body.response_format)
    if tools is not None and grammar is not None:
        raise InvalidRequest("a reply cannot be held to both a response_format and tool calls",
                             "response_format")
    n_top = _top_logprobs(body)
    with_tools = bool(body.tools) or any(m.role == "tool" or m.tool_calls for m in body.messages)
    if with_tools and body.collection is not None:
        raise InvalidRequest("a collection answer cannot use tools", "collection")
    params = _params(state, body, body.max_completion_tokens or body.max_tokens, grammar)
    safety = Safety.for_context(state.ctx)
    waiter = _Waiter()
    citations: list[dict[str, Any]] | None = None
    if with_tools:
        tool_msgs, screened = serving.screen_tool_messages(safety, _tool_messages(body.messages))
        reqs = _submit_all(lambda i: serving.chat(
            model, tool_msgs, _seeded(params, i), stream=body.stream, ignore_eos=body.ignore_eos,
            on_output=waiter, safety=safety, screened=screened, logprobs=n_top, tools=tools),
            body.n)
    else:
        messages = _messages(body.messages)
        if body.collection is not None:
            messages, citations = _from_collection(state, model, body.collection, messages, params,
                                                   body.whole_documents)
            if not citations:
                return _nothing_found(state, body)
        messages, screened = serving.screen_messages(safety, messages)
        reqs = _submit_all(lambda i: serving.chat(
            model, messages, _seeded(params, i), stream=body.stream, ignore_eos=body.ignore_eos,
            on_output=waiter, safety=safety, screened=screened, logprobs=n_top), body.n)
    rid, created, name = f"chatcmpl-{secrets.token_hex(12)}", int(time.time()), state.model_id
    fingerprint = state.system_fingerprint()
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    if body.stream:
        head = (f'data: {{"id":"{rid}","object":"chat.completion.chunk","created":{created},'
                f'"model":{json.dumps(name)},"system_fingerprint":"{fingerprint}","choices":[')
        cited = "" if citations is None else f',"citations":{json.dumps(citations, ensure_ascii=False)}'
        start = "".join(f'{head}{{"index":{i},"delta":{{"role":"assistant","content":""}},'
                        f'"logprobs":null,"finish_reason":null}}]{cited}}}\n\n'
                        for i in range(len(reqs)))

        def usage() -> str:
            return f'{head}],"usage":{json.dumps(_usage(reqs))}}}\n\n'

        if tools is None and n_top is None:  # the common case, written with format strings
            def piece(i: int, text: str, _lps: list[Any]) -> str:
                return (f'{head}{{"index":{i},"delta":{{"content":{json.dumps(text, ensure_ascii=False)}}},'
                        '"logprobs":null,"finish_reason":null}]}\n\n')

            def finish(i: int, reason: str) -> str:
                return (f'{head}{{"index":{i},"delta":{{}},"logprobs":null,'
                        f'"finish_reason":"{FINISH.get(reason, "stop")}"}}]{_safety_field(reqs[i])}}}\n\n')

            return _sse(state, reqs, waiter, start, piece, finish,
                        usage if include_usage else None)
        return _sse(state, reqs, waiter, start, *_chat_pieces(
            {"id": rid, "object": "chat.completion.chunk", "created": created, "model": name,
             "system_fingerprint": fingerprint}, reqs, tools, n_top is not None),
            usage if include_usage else None, n_top is not None)
    refused = await _wait_whole(request, state, reqs, waiter)
    if refused is not None:
        return refused
    choices = []
    for i, r in enumerate(reqs):
        message, reason = ChatChoice(tools).message(r.take(), FINISH.get(r.finish_reason, "stop"))
        lps = chat_logprobs(take_logprobs(r)) if n_top is not None else None
        choices.append({"index": i, "message": message, "logprobs": lps, "finish_reason": reason})
    extra = {} if citations is None else {"citations": _cited(choices[0]["message"]["content"],
                                                              citations)}
    return _json({"id": rid, "object": "chat.completion", "created": created, "model": name,
                  "system_fingerprint": fingerprint, "choices": choices, "usage": _usage(reqs),
                  **_safety(reqs), **extra})


def _chat_pieces(head: dict[str, Any], reqs: list[ScreenedRequest], tools: ToolPlan | None,
                 logprobs: bool) -> tuple[Piece, Callable[[int, str], str]]:
    """The streamed chunks of chat choices that carry log-probabilities or tool calls."""
    choices = [ChatChoice(tools) for _ in reqs]
    held: list[list[Any]] = [[] for _ in reqs]  # log-probabilities not yet sent

    def piece(i: int, text: str, lps: list[Any]) -> str:
        held[i].extend(lps)
        delta = choices[i].feed(text) if text else None
        if delta is None:
            return ""
        lp = chat_logprobs(held[i]) if logprobs else None
        held[i] = []
        return _chunk(head, i, delta, lp, None)

    def finish(i: int, reason: str) -> str:
        delta, why = choices[i].end(FINISH.get(reason, "stop"))
        out = ""
        if delta is not None or held[i]:
            out = _chunk(head, i, delta or {}, chat_logprobs(held[i]) if logprobs else None, None)
            held[i] = []
        found = [e.as_dict() for e in reqs[i].safety]
        return out + _chunk(head, i, {}, None, why, {"safety": found} if found else None)

    return piece, finish


def _from_collection(state: ApiState, model: Any, collection: str, messages: list[ChatMessage],
                     params: SamplingParams, whole: bool = False
                     ) -> tuple[list[ChatMessage], list[dict[str, Any]]]:
    """The prompt that answers the last user message from a collection's passages (or, with
    ``whole``, its documents whole when they fit), and the passages (numbered as cited,
    each with its ``mode``); no passages when none is relevant."""
    from app.services.doc_answers import SlotCounter, prepare, prepare_whole
    from app.services.documents import open_documents

    question = next((m.content for m in reversed(messages) if m.role == "user"), "")
    if not question.strip():
        raise InvalidRequest("a collection answers the last user message, and there is none",
                             "messages")
    if state.documents is None:
        state.documents = open_documents(state.ctx)
    counter = SlotCounter(model.engine)
    if whole:
        prompt, passages, _, note = prepare_whole(state.documents, counter, collection, question,
                                                  params.max_tokens)
        mode = {"mode": "passages", "note": note} if note else {"mode": "whole"}
        return prompt, [{**p.as_json(), **mode} for p in passages]
    prompt, passages, _ = prepare(state.documents, counter, collection, question,
                                  params.max_tokens)
    return prompt, [{**p.as_json(), "mode": "passages"} for p in passages]


def _cited(text: str, citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The passages given, each marked with how the answer uses it: "cited" ([n]), "matched"
    (restated without a citation), or null."""
    from app.docs.prompt import sources_of

    how = dict(sources_of(text, [c["text"] for c in citations]))
    return [{**c, "how": how.get(c["number"])} for c in citations]


def _nothing_found(state: ApiState, body: ChatCompletionRequest) -> Response:
    """The collection holds nothing relevant: say so, without asking the model."""
    from app.services.doc_answers import NOTHING_FOUND

    text = NOTHING_FOUND.format(name=body.collection)
    rid, created, name = f"chatcmpl-{secrets.token_hex(12)}", int(time.time()), state.model_id
    if not body.stream:
        choice = {"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                  "logprobs": None, "finish_reason": "stop"}
        return _json({"id": rid, "object": "chat.completion", "created": created, "model": name,
                      "system_fingerprint": state.system_fingerprint(), "choices": [choice],
                      "citations": [],
                      "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
    head = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": name,
            "system_fingerprint": state.system_fingerprint()}
    deltas = [({"role": "assistant", "content": text}, None), ({}, "stop")]
    events = "".join(
        "data: " + json.dumps({**head, "choices": [{"index": 0, "delta": d, "logprobs": None,
                                                    "finish_reason": f}], "citations": []},
                              ensure_ascii=False) + "\n\n" for d, f in deltas)
    return Response(events + "data: [DONE]\n\n", media_type="text/event-stream",
                    headers=SSE_HEADERS)


# -- completions ----------------------------------------------------------------------------

@router.post("/completions")
async def completions(body: CompletionRequest, request: Request) -> Response:
    """A raw text completion of one or several prompts."""
    state = _state(request)
    model = state.require_model()
    raw = body.prompt
    if isinstance(raw, str):
        prompts: list[str | list[int]] = [raw]
    elif raw and all(isinstance(p, int) for p in raw):
        prompts = [list(raw)]  # type: ignore[arg-type]
    else:
        prompts = list(raw)  # type: ignore[arg-type]
    if not prompts:
        raise InvalidRequest("the prompt is empty", "prompt")
    if body.echo and not all(isinstance(p, str) for p in prompts):
        raise InvalidRequest("echo needs text prompts", "echo")
    if body.echo and body.logprobs is not None:
        raise InvalidRequest("logprobs of an echoed prompt are not reported: send one or the "
                             "other", "logprobs")
    grammar = serving.grammar_for_response_format(body.response_format)
    params = _params(state, body, body.max_tokens, grammar)
    n = body.n
    safety = Safety.for_context(state.ctx)
    texts, screened = safety.screen_inputs(p for p in prompts if isinstance(p, str))
    screened_texts = iter(texts)
    prompts = [next(screened_texts) if isinstance(p, str) else p for p in prompts]
    waiter = _Waiter()
    reqs = _submit_all(lambda i: serving.complete(model, prompts[i // n], _seeded(params, i % n),
                                                  stream=body.stream, ignore_eos=body.ignore_eos,
                                                  on_output=waiter, safety=safety,
                                                  screened=screened, logprobs=body.logprobs),
                       len(prompts) * n)
    echo = [str(prompts[i // n]) if body.echo else "" for i in range(len(reqs))]
    rid, created, name = f"cmpl-{secrets.token_hex(12)}", int(time.time()), state.model_id
    fingerprint = state.system_fingerprint()
    logprobs = [CompletionLogprobs() for _ in reqs] if body.logprobs is not None else None
    if body.stream:
        head = (f'data: {{"id":"{rid}","object":"text_completion","created":{created},'
                f'"model":{json.dumps(name)},"system_fingerprint":"{fingerprint}","choices":[')

        def piece(i: int, text: str, lps: list[Any]) -> str:
            lp = "null" if logprobs is None else json.dumps(logprobs[i](lps), ensure_ascii=False)
            return (f'{head}{{"index":{i},"text":{json.dumps(text, ensure_ascii=False)},'
                    f'"logprobs":{lp},"finish_reason":null}}]}}\n\n')

        def finish(i: int, reason: str) -> str:
            return (f'{head}{{"index":{i},"text":"","logprobs":null,'
                    f'"finish_reason":"{FINISH.get(reason, "stop")}"}}]{_safety_field(reqs[i])}}}\n\n')

        start = "".join(piece(i, e, []) for i, e in enumerate(echo) if e)
        def usage() -> str:
            return f'{head}],"usage":{json.dumps(_completion_usage(reqs, n))}}}\n\n'

        return _sse(state, reqs, waiter, start, piece, finish,
                    usage if body.stream_options and body.stream_options.include_usage else None,
                    logprobs is not None)
    refused = await _wait_whole(request, state, reqs, waiter)
    if refused is not None:
        return refused
    choices = [{"index": i, "text": echo[i] + r.take(),
                "logprobs": None if logprobs is None else logprobs[i](take_logprobs(r)),
                "finish_reason": FINISH.get(r.finish_reason, "stop")} for i, r in enumerate(reqs)]
    return _json({"id": rid, "object": "text_completion", "created": created, "model": name,
                  "system_fingerprint": fingerprint, "choices": choices,
                  "usage": _completion_usage(reqs, n), **_safety(reqs)})


def _completion_usage(reqs: list[ScreenedRequest], n: int) -> dict[str, int]:
    """Usage over several prompts, each answered ``n`` times."""
    prompt = sum(r.stats.prompt_tokens for r in reqs[::n])
    completion = sum(r.stats.generated_tokens for r in reqs)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


# -- embeddings -----------------------------------------------------------------------------

@router.post("/embeddings")
async def embeddings(body: EmbeddingRequest, request: Request) -> Response:
    """Mean-pooled, unit-length embeddings of one or several texts."""
    state = _state(request)
    model = state.require_model()
    raw = body.input
    if isinstance(raw, str):
        texts = [raw]
    elif raw and all(isinstance(t, str) for t in raw):
        texts = list(raw)  # type: ignore[arg-type]
    else:
        raise InvalidRequest("send the input as text (a string or a list of strings)", "input")
    if not texts or len(texts) > 2048:
        raise InvalidRequest("input must hold between 1 and 2048 texts", "input")
    vectors, n_tokens = await asyncio.to_thread(serving.embed, model, texts)
    if body.dimensions is not None and vectors and body.dimensions != len(vectors[0]):
        raise InvalidRequest(f"this model's embeddings have {len(vectors[0])} dimensions",
                             "dimensions")
    data = []
    for i, vec in enumerate(vectors):
        emb: Any = vec
        if body.encoding_format == "base64":
            packed = array.array("f", vec)
            if sys.byteorder != "little":
                packed.byteswap()
            emb = base64.b64encode(packed.tobytes()).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": emb})
    return _json({"object": "list", "data": data, "model": state.model_id,
                  "usage": {"prompt_tokens": n_tokens, "total_tokens": n_tokens}})
