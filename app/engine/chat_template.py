"""Turning a list of messages into the prompt text the model was trained on,
using the Jinja chat template from the GGUF metadata (ChatML when absent)."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from app.engine.types import ChatMessage
from app.errors import EngineError

log = logging.getLogger(__name__)

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ChatTemplate:
    """A compiled chat template; ``source`` says where it came from."""

    def __init__(self, template: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        self.source = "gguf" if template else "chatml-fallback"
        self.text = template or CHATML
        self.bos_token = bos_token
        self.eos_token = eos_token
        self._compiled = _compile(self.text)

    def render(self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True) -> str:
        try:
            return str(
                self._compiled.render(
                    messages=[{"role": m.role, "content": m.content} for m in messages],
                    add_generation_prompt=add_generation_prompt,
                    bos_token=self.bos_token,
                    eos_token=self.eos_token,
                )
            )
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"the model's chat template failed: {exc}") from exc

    @property
    def stop_texts(self) -> tuple[str, ...]:
        """End-of-turn markers that must end a reply even if not flagged as EOG."""
        return ("<|im_end|>",) if "<|im_end|>" in self.text else ()


def _raise(message: str) -> Any:
    raise EngineError(f"the model's chat template refused the conversation: {message}")


def _strftime_now(fmt: str) -> str:
    return _dt.datetime.now().strftime(fmt)


@lru_cache(maxsize=8)
def _compile(text: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    try:
        return env.from_string(text)
    except Exception as exc:
        log.warning("chat template does not compile (%s); using ChatML", exc)
        return env.from_string(CHATML)
