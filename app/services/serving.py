"""Serving one model to many clients at once: the same signature gate as every
other door, a batching engine, and the requests the HTTP API makes of it.

This is where the safety filter acts on API traffic (prompts screened, replies
filtered as they stream), and where the audit log will, as ``services.chat`` and
``services.conversations`` are for the GUI and the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.types import ChatMessage, SamplingParams
from app.errors import AppError
from app.services.context import AppContext
from app.services.models import LoadedModel, Progress, load_verified, resolve_model
from app.services.safety import API_OUTPUT, Safety, SafetyEvent, ScreenedRequest

if TYPE_CHECKING:
    from app.engine.batch import BatchEngine, TokenLogprob
    from app.engine.types import LoadPlan
    from app.engine.weights import Weights

log = logging.getLogger(__name__)


class InvalidRequest(AppError):
    """A request the API cannot serve as asked; ``param`` names the field at fault."""

    code = "invalid_request"

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


ServedModel = LoadedModel["BatchEngine"]


def load_served_model(ctx: AppContext, name: str | None = None, *, slots: int = 4,
                      n_ctx: int | None = None, threads: int | None = None,
                      gpu_layers: int | None = None, allow_unsigned: bool = False,
                      queue_depth: int = 64, n_batch: int = 512, kv_unified: bool = False,
                      progress: Progress | None = None,
                      share: LoadedModel[Any] | None = None, gpu: int | None = None) -> ServedModel:
    """The model for ``slots`` concurrent sequences of ``n_ctx`` tokens each, through the
    same signature gate as every other door.

    ``share``: a model this process has loaded already (the desktop app's). When it is
    the same file, with the GPU layers asked for, the server's contexts use its weights
    instead of a second copy in memory and on the GPU.
    """
    from app.engine.batch import BatchConfig, BatchEngine

    weights = _shareable_weights(ctx, name, share, gpu_layers)

    def build(load_path: str, file_name: str, plan: LoadPlan, per_slot: int) -> BatchEngine:
        config = BatchConfig(
            slots=slots, n_ctx_slot=per_slot, n_batch=n_batch, n_threads=plan.n_threads,
            n_gpu_layers=plan.n_gpu_layers if weights is None else weights.n_gpu_layers,
            queue_depth=queue_depth, kv_unified=kv_unified, placement=plan.placement,
        )
        return BatchEngine(load_path, config, name=file_name, weights=weights)

    model = load_verified(ctx, name, build, n_ctx=n_ctx, sequences=slots,
                          allow_unsigned=allow_unsigned, gpu_layers=gpu_layers, threads=threads,
                          progress=progress, gpu=gpu)
    if weights is not None and model.engine.weights is weights:
        model.plan = replace(model.plan, n_gpu_layers=weights.n_gpu_layers,
                             placement=weights.placement,
                             reason="the weights the desktop app has loaded")
        log.info("the API server shares the loaded weights of %s", model.name)
    return model


def _shareable_weights(ctx: AppContext, name: str | None, share: LoadedModel[Any] | None,
                       gpu_layers: int | None) -> Weights | None:
    weights = getattr(share.engine, "weights", None) if share is not None else None
    if weights is None or not weights.alive:
        return None
    if gpu_layers is not None and gpu_layers != weights.n_gpu_layers:
        return None
    try:
        same = resolve_model(ctx, name).resolve() == share.path.resolve()  # type: ignore[union-attr]
    except AppError:
        return None  # load_verified reports it
    return weights if same else None


def sampling_for_request(ctx: AppContext, **overrides: Any) -> SamplingParams:
    """The user's sampling settings with what a request asked for (None keeps a setting)."""
    from app.services.chat import sampling_from_settings

    try:
        return sampling_from_settings(ctx.settings, **overrides)
    except AppError as exc:  # a bound from the settings declarations: the client's fault
        raise InvalidRequest(str(exc)) from None


def screen_messages(safety: Safety, messages: Sequence[ChatMessage]
                    ) -> tuple[list[ChatMessage], list[SafetyEvent]]:
    """The messages of a request as the safety filter lets them reach the model (every
    role: a client could put anything in an "assistant" turn). Raises SafetyBlocked."""
    texts, events = safety.screen_inputs(m.content for m in messages)
    return [replace(m, content=t) for m, t in zip(messages, texts, strict=True)], events


def screen_tool_messages(safety: Safety, messages: Sequence[Mapping[str, Any]]
                         ) -> tuple[list[dict[str, Any]], list[SafetyEvent]]:
    """``screen_messages`` for messages in OpenAI's shape (tool calls and results
    included): their text, and each call's arguments, as the filter lets them through."""
    texts: list[str] = []
    for m in messages:
        texts.append(str(m.get("content") or ""))
        texts.extend(str(c["function"].get("arguments") or "") for c in m.get("tool_calls") or [])
    screened, events = safety.screen_inputs(texts)
    it = iter(screened)
    out = []
    for m in messages:
        item = {**m, "content": next(it)}
        if m.get("tool_calls"):
            item["tool_calls"] = [{**c, "function": {**c["function"], "arguments": next(it)}}
                                  for c in m["tool_calls"]]
        out.append(item)
    return out, events


@dataclass(frozen=True)
class ToolPlan:
    """How a request's tools reach the model: those it is offered, the grammar its reply
    is held to, and whether the reply must be a call (tool_choice required or named)."""

    tools: list[dict[str, Any]]
    grammar: str | None
    forced: bool
    parallel: bool
    tags: tuple[str, str] | None


def _check_function_calling_allowed() -> None:
    """The API's tools are the client's own functions, run by the client: the policy's
    list of the app's tools does not apply to them, only its switch for function calling."""
    from app.security.policy import ToolForbidden, load_policy

    policy = load_policy()
    if not policy.tools.api_function_calling:
        raise ToolForbidden(f"function calling is not allowed by the administrator's policy "
                            f"({policy.source})")


def plan_tools(model: ServedModel, tools: Sequence[Mapping[str, Any]] | None,
               tool_choice: str | Mapping[str, Any] | None,
               parallel_tool_calls: bool | None) -> ToolPlan | None:
    """What OpenAI's ``tools``, ``tool_choice`` and ``parallel_tool_calls`` mean for this
    model; None when the reply is plain text (no tools, or tool_choice "none")."""
    from app.tools.calls import ToolsError, call_grammar, functions_of

    if tool_choice is not None and not tools:
        raise InvalidRequest("tool_choice needs tools", "tool_choice")
    if not tools:
        return None
    _check_function_calling_allowed()
    try:
        functions = functions_of(tools)
    except ToolsError as exc:
        raise InvalidRequest(str(exc), "tools") from None
    choice = tool_choice if tool_choice is not None else "auto"
    if choice == "none":
        return None
    named: str | None = None
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        named = fn.get("name") if isinstance(fn, Mapping) else None
        if choice.get("type") != "function" or not isinstance(named, str):
            raise InvalidRequest('a named tool_choice is {"type": "function", "function": '
                                 '{"name": ...}}', "tool_choice")
        if all(f.name != named for f in functions):
            raise InvalidRequest(f"tool_choice names {named!r}, which is not among the tools",
                                 "tool_choice")
    elif choice not in ("auto", "required"):
        raise InvalidRequest(f"tool_choice {choice!r} is not one of none, auto, required or a "
                             "named function", "tool_choice")
    parallel = parallel_tool_calls is not False and named is None
    template = model.engine.vocab.chat_template
    tags = template.tool_call_tags
    allowed = [f for f in functions if named is None or f.name == named]
    try:
        grammar = call_grammar(allowed, parallel=parallel, optional=choice == "auto", tags=tags)
    except ToolsError as exc:
        raise InvalidRequest(str(exc), "tools") from None
    return ToolPlan([dict(t) for t in tools], grammar, choice != "auto", parallel, tags)


def chat(model: ServedModel, messages: Sequence[ChatMessage | Mapping[str, Any]],
         params: SamplingParams, *, stream: bool = True, ignore_eos: bool = False,
         on_output: Callable[[], None] | None = None, safety: Safety | None = None,
         screened: list[SafetyEvent] | None = None, logprobs: int | None = None,
         tools: ToolPlan | None = None) -> ScreenedRequest:
    """Queue a chat reply (of messages already screened: ``screen_messages``); its text
    passes the safety filter for replies that leave the app. ``on_output`` is called
    from the engine's thread. ``logprobs``: report each token's log-probability and this
    many alternatives. ``tools``: offer them (``plan_tools``)."""
    kw: dict[str, Any] = {}
    if tools is not None:
        kw = {"tools": tools.tools, "parallel_tool_calls": tools.parallel}
        if tools.grammar:
            params = replace(params, grammar=tools.grammar)
    req = model.engine.submit_chat(messages, params, stream=stream, ignore_eos=ignore_eos,
                                   on_output=on_output, logprobs=logprobs, **kw)
    safety = safety or Safety()
    return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)


def complete(model: ServedModel, prompt: str | list[int], params: SamplingParams, *,
             stream: bool = True, ignore_eos: bool = False,
             on_output: Callable[[], None] | None = None, safety: Safety | None = None,
             screened: list[SafetyEvent] | None = None,
             logprobs: int | None = None) -> ScreenedRequest:
    """Queue a raw completion of ``prompt`` (text, or the model's token ids)."""
    engine = model.engine
    safety = safety or Safety()
    if isinstance(prompt, str):
        req = engine.submit_completion(prompt, params, stream=stream, ignore_eos=ignore_eos,
                                       on_output=on_output, logprobs=logprobs)
        return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)
    if any(not 0 <= t < engine.vocab.n_vocab for t in prompt):
        raise InvalidRequest(f"the prompt holds token ids outside 0..{engine.vocab.n_vocab - 1}",
                             "prompt")
    req = engine.submit(list(prompt), params, stops=params.stop, stream=stream,
                        ignore_eos=ignore_eos, on_output=on_output, logprobs=logprobs)
    return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)


def take_logprobs(req: ScreenedRequest) -> list[TokenLogprob]:
    """The log-probabilities of the tokens a request sampled since the last call."""
    return req._req.take_logprobs()  # the engine request behind the filter


def system_fingerprint(model: ServedModel) -> str:
    """OpenAI's ``system_fingerprint`` for the served model with this build."""
    from importlib.metadata import PackageNotFoundError, version

    from app import __version__

    try:
        llama_version = version("llama-cpp-python")
    except PackageNotFoundError:  # a build outside any distribution
        llama_version = "unknown"
    return fingerprint_of(model.path, __version__, llama_version)


def fingerprint_of(path: Path, app_version: str, llama_version: str) -> str:
    """``fp_`` and a short hash of what decides the replies: the model's bytes (its
    manifest's SHA-256, else the file's name, size and time) and the two versions."""
    import hashlib

    from app.security.manifest import find_manifest, load_manifest

    identity = ""
    found = find_manifest(path)
    if found is not None:
        try:
            identity = load_manifest(found, path.name).sha256
        except AppError:
            identity = ""
    if not identity:
        st = path.stat()
        identity = f"{path.name}:{st.st_size}:{st.st_mtime_ns}"
    digest = hashlib.sha256(f"{identity}|{app_version}|{llama_version}".encode()).hexdigest()
    return "fp_" + digest[:10]


def embed(model: ServedModel, texts: Sequence[str]) -> tuple[list[list[float]], int]:
    """Embeddings of ``texts`` (mean-pooled, unit length) and the tokens they took."""
    return model.engine.embed(texts)


def grammar_for_response_format(response_format: dict[str, Any] | None) -> str | None:
    """The GBNF grammar that makes a reply honour an OpenAI ``response_format``."""
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind in (None, "text"):
        return None
    from llama_cpp.llama_grammar import JSON_GBNF

    from app.tools.grammar import schema_to_gbnf

    if kind == "json_object":
        return str(JSON_GBNF)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise InvalidRequest("response_format.json_schema.schema must be a JSON schema object",
                                 "response_format")
        try:
            return schema_to_gbnf(schema)
        except ValueError as exc:
            raise InvalidRequest(f"this JSON schema cannot be enforced: {exc}",
                                 "response_format") from None
    raise InvalidRequest(f"unknown response_format type {kind!r}: use text, json_object or "
                         "json_schema", "response_format")
