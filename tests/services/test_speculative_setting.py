"""Speculative decoding as the user sets it: the "speculative" setting, the draft model
loaded (verified like any model) beside the chat model, and a draft model that cannot be
had leaving the chat model working without drafts, saying why."""

from __future__ import annotations

from pathlib import Path

from app.services.chat import ask, sampling_from_settings
from app.services.context import AppContext
from app.services.models import load_model

QUESTION = "Name three rivers of Europe."


def _answer(ctx: AppContext, loaded) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    params = sampling_from_settings(ctx.settings, temperature=0.0, max_tokens=32)
    gen = ask(loaded, QUESTION, params)
    text = "".join(gen)
    return text, gen.stats.drafted_tokens


def test_the_draft_model_setting_loads_it_beside_the_chat_model_and_replies_alike(
        ctx: AppContext, default_model_path: Path) -> None:
    plain_model = load_model(ctx, n_ctx=1024, threads=1)
    try:
        plain, drafted = _answer(ctx, plain_model)
        assert drafted == 0 and plain_model.engine.draft is None
    finally:
        plain_model.close()
    ctx.settings.set("speculative", "model")
    ctx.settings.set("draft_model", str(default_model_path))
    ctx.settings.set("draft_tokens", 6)
    loaded = load_model(ctx, n_ctx=1024, threads=1)
    try:
        assert loaded.draft_name == default_model_path.name and not loaded.draft_error
        assert loaded.engine.draft is not None and loaded.engine.draft.n_ctx == loaded.engine.n_ctx
        text, drafted = _answer(ctx, loaded)
        assert text == plain and drafted > 0
    finally:
        loaded.close()
    assert loaded.engine.draft is None  # closed with the chat model


def test_without_a_draft_model_the_chat_model_answers_without_drafts_and_says_why(
        ctx: AppContext, tmp_path: Path) -> None:
    ctx.settings.set("speculative", "model")
    loaded = load_model(ctx, n_ctx=1024, threads=1)
    try:
        assert "no draft model is set" in loaded.draft_error and not loaded.draft_name
        text, drafted = _answer(ctx, loaded)
        assert text.strip() and drafted == 0
    finally:
        loaded.close()
    ctx.settings.set("draft_model", str(tmp_path / "missing.gguf"))
    loaded = load_model(ctx, n_ctx=1024, threads=1)
    try:
        assert "missing.gguf" in loaded.draft_error and loaded.engine.draft is None
    finally:
        loaded.close()


def test_prompt_lookup_drafts_as_many_tokens_as_the_setting_says(ctx: AppContext) -> None:
    assert sampling_from_settings(ctx.settings).draft == 0  # off by default
    ctx.settings.set("speculative", "lookup")
    ctx.settings.set("draft_tokens", 5)
    assert sampling_from_settings(ctx.settings).draft == 5
