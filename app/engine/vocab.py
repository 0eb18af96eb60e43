"""A loaded model's tokenizer: text to tokens, tokens to text pieces, and chat
messages to the prompt tokens the model was trained on.

Safe to share between threads: llama.cpp's tokenizer is read-only, and the
piece cache only ever gains entries that are the same whoever adds them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

from app.engine.chat_template import ChatTemplate
from app.engine.types import ChatMessage


class Vocab:
    def __init__(self, lib: Any, model: Any) -> None:
        self._lib = lib
        self._vocab = lib.llama_model_get_vocab(model)
        self.n_vocab: int = lib.llama_vocab_n_tokens(self._vocab)
        self.add_bos = bool(lib.llama_vocab_get_add_bos(self._vocab))
        # token -> (text bytes, ends the generation); filled lazily by the decode loop
        self._pieces: dict[int, tuple[bytes, bool]] = {}
        raw = lib.llama_model_chat_template(model, None)
        self.chat_template = ChatTemplate(
            raw.decode("utf-8", "replace") if raw else None,
            bos_token=self._text(lib.llama_vocab_bos(self._vocab)),
            eos_token=self._text(lib.llama_vocab_eos(self._vocab)),
        )

    @property
    def handle(self) -> Any:
        return self._vocab

    def tokenize(self, text: str, *, add_special: bool = False, parse_special: bool = True) -> list[int]:
        raw = text.encode("utf-8")
        n_max = len(raw) + 8
        buf = (ctypes.c_int32 * n_max)()
        n = self._lib.llama_tokenize(self._vocab, raw, len(raw), buf, n_max, add_special, parse_special)
        if n < 0:
            n_max = -n
            buf = (ctypes.c_int32 * n_max)()
            n = self._lib.llama_tokenize(self._vocab, raw, len(raw), buf, n_max, add_special, parse_special)
        return list(buf[:n])

    def prompt_tokens(self, text: str) -> list[int]:
        """A raw completion prompt as the model expects it (BOS added where it wants one)."""
        return self.tokenize(text, add_special=self.add_bos, parse_special=False)

    def chat_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        # The template writes BOS itself where the model wants it; parse_special keeps
        # control tokens such as <|im_start|> single tokens.
        text = self.chat_template.render(messages, add_generation_prompt=True)
        bos = self.chat_template.bos_token
        add_bos = self.add_bos and not (bos and text.startswith(bos))
        return self.tokenize(text, add_special=add_bos, parse_special=True)

    def piece(self, token: int) -> tuple[bytes, bool]:
        """The token's text bytes and whether it ends a generation (cached)."""
        hit = self._pieces.get(token)
        if hit is None:
            hit = self._pieces[token] = (self._bytes(token, special=False),
                                         bool(self._lib.llama_vocab_is_eog(self._vocab, token)))
        return hit

    def detokenize(self, tokens: Sequence[int]) -> str:
        return b"".join(self.piece(t)[0] for t in tokens).decode("utf-8", "replace")

    def _text(self, token: int) -> str:
        return self._bytes(token, special=True).decode("utf-8", "replace") if token >= 0 else ""

    def _bytes(self, token: int, *, special: bool) -> bytes:
        buf = ctypes.create_string_buffer(64)
        n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, special)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, special)
        return buf.raw[:n]
