"""Talking to a loaded model: sampling settings, one-shot questions and a
multi-turn chat session whose follow-up turns reuse the KV cache."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from app.config import Settings
from app.engine.llama import Generation
from app.engine.types import ChatMessage, SamplingParams
from app.services.models import LoadedModel
from app.services.safety import Safety, ScreenedGeneration

_SAMPLING_FIELDS = ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "seed", "max_tokens")


def sampling_from_settings(settings: Settings, **overrides: Any) -> SamplingParams:
    """Sampling parameters from the user's settings, with per-call overrides (None = keep)."""
    values = {name: settings.get(name) for name in _SAMPLING_FIELDS}
    for name, value in overrides.items():
        if value is None:
            continue
        if name in values:
            values[name] = settings_decl_coerce(name, value)
        elif name == "stop":
            values["stop"] = tuple(value)
        else:
            values[name] = value
    if "draft" not in values and str(settings.get("speculative")) != "off":
        values["draft"] = int(settings.get("draft_tokens"))
    return SamplingParams(**values)


def settings_decl_coerce(name: str, value: Any) -> Any:
    from app.config import SETTINGS

    return SETTINGS.get(name).coerce(value)


def ask(model: LoadedModel, prompt: str, params: SamplingParams, *, system: str | None = None,
        cancel: threading.Event | None = None, safety: Safety | None = None) -> ScreenedGeneration:
    """One question, not stored; the prompt and the reply pass the safety filter."""
    safety = safety or Safety()
    prompt, screened = safety.screen_input(prompt)
    messages = []
    if system:
        messages.append(ChatMessage("system", system))
    messages.append(ChatMessage("user", prompt))
    return ScreenedGeneration(model.engine.stream_chat(messages, params, cancel),
                              safety.reply_filter(), screened, cancel)


@dataclass
class ChatSession:
    """An in-memory conversation; the store keeps it when history is on."""

    model: LoadedModel
    params: SamplingParams
    system: str | None = None
    history: list[ChatMessage] = field(default_factory=list)
    safety: Safety = field(default_factory=Safety)

    def messages(self, user_text: str | None = None) -> list[ChatMessage]:
        out = [ChatMessage("system", self.system)] if self.system else []
        out.extend(self.history)
        if user_text is not None:
            out.append(ChatMessage("user", user_text))
        return out

    def send(self, text: str, cancel: threading.Event | None = None) -> ScreenedGeneration:
        """Stream a reply; call ``commit`` with the Generation once it is consumed.

        The oldest turns that no longer fit the context window are left out of the
        prompt (this chat is not stored, so there is no running summary to keep).
        """
        from app.services.context_budget import fit_chat

        text, screened = self.safety.screen_input(text)
        msgs = fit_chat(self.model.engine, self.system, self.history, text, self.params.max_tokens)
        gen = self.model.engine.stream_chat(msgs, self.params, cancel)
        self.history.append(ChatMessage("user", text))
        return ScreenedGeneration(gen, self.safety.reply_filter(), screened, cancel)

    def commit(self, gen: Generation | ScreenedGeneration) -> None:
        self.history.append(ChatMessage("assistant", gen.text))

    def with_params(self, **changes: Any) -> ChatSession:
        return replace(self, params=replace(self.params, **changes))
