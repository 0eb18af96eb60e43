"""Serving one model to many clients at once: the same signature gate as every
other door, a batching engine, and the requests the HTTP API makes of it.

This is where the safety filter acts on API traffic (prompts screened, replies
filtered as they stream), and where the audit log will, as ``services.chat`` and
``services.conversations`` are for the GUI and the CLI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app.engine.types import ChatMessage, SamplingParams
from app.errors import AppError
from app.services.context import AppContext
from app.services.models import LoadedModel, Progress, load_verified, resolve_model
from app.services.safety import API_OUTPUT, Safety, SafetyEvent, ScreenedRequest

if TYPE_CHECKING:
    from app.engine.batch import BatchEngine
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
                      share: LoadedModel[Any] | None = None) -> ServedModel:
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
            queue_depth=queue_depth, kv_unified=kv_unified,
        )
        return BatchEngine(load_path, config, name=file_name, weights=weights)

    model = load_verified(ctx, name, build, n_ctx=n_ctx, sequences=slots,
                          allow_unsigned=allow_unsigned, gpu_layers=gpu_layers, threads=threads,
                          progress=progress)
    if weights is not None and model.engine.weights is weights:
        model.plan = replace(model.plan, n_gpu_layers=weights.n_gpu_layers,
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


def chat(model: ServedModel, messages: Sequence[ChatMessage], params: SamplingParams, *,
         stream: bool = True, ignore_eos: bool = False,
         on_output: Callable[[], None] | None = None, safety: Safety | None = None,
         screened: list[SafetyEvent] | None = None) -> ScreenedRequest:
    """Queue a chat reply (of messages already screened: ``screen_messages``); its text
    passes the safety filter for replies that leave the app. ``on_output`` is called
    from the engine's thread."""
    req = model.engine.submit_chat(messages, params, stream=stream, ignore_eos=ignore_eos,
                                   on_output=on_output)
    safety = safety or Safety()
    return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)


def complete(model: ServedModel, prompt: str | list[int], params: SamplingParams, *,
             stream: bool = True, ignore_eos: bool = False,
             on_output: Callable[[], None] | None = None, safety: Safety | None = None,
             screened: list[SafetyEvent] | None = None) -> ScreenedRequest:
    """Queue a raw completion of ``prompt`` (text, or the model's token ids)."""
    engine = model.engine
    safety = safety or Safety()
    if isinstance(prompt, str):
        req = engine.submit_completion(prompt, params, stream=stream, ignore_eos=ignore_eos,
                                       on_output=on_output)
        return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)
    if any(not 0 <= t < engine.vocab.n_vocab for t in prompt):
        raise InvalidRequest(f"the prompt holds token ids outside 0..{engine.vocab.n_vocab - 1}",
                             "prompt")
    req = engine.submit(list(prompt), params, stops=params.stop, stream=stream,
                        ignore_eos=ignore_eos, on_output=on_output)
    return ScreenedRequest(req, safety.reply_filter(API_OUTPUT), screened)


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
    from llama_cpp.llama_grammar import JSON_GBNF, json_schema_to_gbnf

    if kind == "json_object":
        return str(JSON_GBNF)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise InvalidRequest("response_format.json_schema.schema must be a JSON schema object",
                                 "response_format")
        try:
            return str(json_schema_to_gbnf(json.dumps(schema)))
        except Exception as exc:  # the converter raises plain exceptions for unsupported schemas
            raise InvalidRequest(f"this JSON schema cannot be enforced: {exc}",
                                 "response_format") from None
    raise InvalidRequest(f"unknown response_format type {kind!r}: use text, json_object or "
                         "json_schema", "response_format")
