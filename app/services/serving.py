"""Serving one model to many clients at once: the same signature gate as every
other door, a batching engine, and the requests the HTTP API makes of it.

This is the place where the safety filter, audit log and policy will act on
API traffic, as ``services.chat`` is for the GUI and the CLI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.types import ChatMessage, SamplingParams
from app.errors import AppError
from app.security.policy import check_allow_unsigned
from app.services.context import AppContext
from app.services.models import Progress, resolve_model, verify

if TYPE_CHECKING:
    from app.catalog.gguf_info import ModelInfo
    from app.engine.batch import BatchEngine, BatchRequest
    from app.engine.types import LoadPlan

log = logging.getLogger(__name__)


class InvalidRequest(AppError):
    """A request the API cannot serve as asked; ``param`` names the field at fault."""

    code = "invalid_request"

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass
class ServedModel:
    path: Path
    info: ModelInfo
    engine: BatchEngine
    plan: LoadPlan
    signed: bool
    signer: str | None

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        self.engine.close()


def load_served_model(ctx: AppContext, name: str | None = None, *, slots: int = 4,
                      n_ctx: int | None = None, threads: int | None = None,
                      gpu_layers: int | None = None, allow_unsigned: bool = False,
                      queue_depth: int = 64, n_batch: int = 512, kv_unified: bool = False,
                      progress: Progress | None = None) -> ServedModel:
    """Verify the model's signature, fit it to the hardware and load it for ``slots``
    concurrent sequences of ``n_ctx`` tokens each."""
    from app.engine import native
    from app.engine.batch import BatchConfig, BatchEngine
    from app.engine.hardware import plan_load

    native.llama()  # before numpy (see services.models.load_model)
    path = resolve_model(ctx, name)
    allow = check_allow_unsigned(allow_unsigned or bool(ctx.settings.get("allow_unsigned")))
    verified = verify(ctx, path, allow_unsigned=allow, progress=progress)
    try:
        info = verified.info
        per_slot = n_ctx or int(ctx.settings.get("context_length"))
        if info.context_length and per_slot > info.context_length:
            per_slot = info.context_length
        plan = plan_load(
            file_size=info.file_size,
            n_layers=info.n_layers or 1,
            kv_bytes=max(0, info.estimate_memory(per_slot * slots) - info.file_size),
            n_ctx=per_slot,
            gpu_layers=int(ctx.settings.get("gpu_layers")) if gpu_layers is None else gpu_layers,
            threads=int(ctx.settings.get("threads")) if threads is None else threads,
        )
        config = BatchConfig(
            slots=slots, n_ctx_slot=per_slot, n_batch=n_batch, n_threads=plan.n_threads,
            n_gpu_layers=plan.n_gpu_layers, queue_depth=queue_depth, kv_unified=kv_unified,
        )
        engine = BatchEngine(verified.load_path(), config, name=path.name)
    finally:
        verified.close()
    if not verified.signed:
        log.warning("serving UNSIGNED model %s (allowed by the user)", path.name)
    return ServedModel(path, info, engine, plan, verified.signed, verified.signer)


def sampling_for_request(ctx: AppContext, **overrides: Any) -> SamplingParams:
    """The user's sampling settings with what a request asked for (None keeps a setting)."""
    from app.services.chat import sampling_from_settings

    try:
        return sampling_from_settings(ctx.settings, **overrides)
    except AppError as exc:  # a bound from the settings declarations: the client's fault
        raise InvalidRequest(str(exc)) from None


def chat(model: ServedModel, messages: Sequence[ChatMessage], params: SamplingParams, *,
         stream: bool = True, ignore_eos: bool = False,
         on_output: Callable[[], None] | None = None) -> BatchRequest:
    """Queue a chat reply; ``on_output`` is called from the engine's thread."""
    return model.engine.submit_chat(messages, params, stream=stream, ignore_eos=ignore_eos,
                                    on_output=on_output)


def complete(model: ServedModel, prompt: str | list[int], params: SamplingParams, *,
             stream: bool = True, ignore_eos: bool = False,
             on_output: Callable[[], None] | None = None) -> BatchRequest:
    """Queue a raw completion of ``prompt`` (text, or the model's token ids)."""
    engine = model.engine
    if isinstance(prompt, str):
        return engine.submit_completion(prompt, params, stream=stream, ignore_eos=ignore_eos,
                                        on_output=on_output)
    if any(not 0 <= t < engine.vocab.n_vocab for t in prompt):
        raise InvalidRequest(f"the prompt holds token ids outside 0..{engine.vocab.n_vocab - 1}",
                             "prompt")
    return engine.submit(list(prompt), params, stops=params.stop, stream=stream,
                         ignore_eos=ignore_eos, on_output=on_output)


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
