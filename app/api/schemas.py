"""Request bodies of the OpenAI-compatible endpoints, as pydantic models: they
validate input and describe it in the OpenAPI document. Fields OpenAI defines
that we do not use are accepted and ignored, as OpenAI's clients send them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class StreamOptions(_Body):
    include_usage: bool = False


class _Sampling(_Body):
    model: str = Field(description="Required, as OpenAI requires it; the server answers "
                       "with the model it serves.")
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    n: int = Field(1, ge=1, le=16, description="Number of choices, decoded side by side.")
    stop: str | list[str] | None = Field(None, description="Up to 4 stop sequences.")
    seed: int | None = None
    presence_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=512, description="Accepted and not used.")
    # llama.cpp extensions, as llama-server accepts them
    top_k: int | None = Field(None, ge=0)
    min_p: float | None = Field(None, ge=0.0, le=1.0)
    repeat_penalty: float | None = Field(None, ge=0.0)
    ignore_eos: bool = Field(False, description="Generate until max_tokens even past end-of-text.")


class ContentPart(_Body):
    type: str
    text: str | None = None


class FunctionCallIn(_Body):
    name: str
    arguments: str = "{}"


class ToolCallIn(_Body):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCallIn


class ChatMessageIn(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCallIn] | None = None  # an assistant's earlier calls
    tool_call_id: str | None = None  # the call a tool message answers


class FunctionIn(_Body):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ToolIn(_Body):
    type: Literal["function"] = "function"
    function: FunctionIn


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessageIn] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    tools: list[ToolIn] | None = Field(None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    collection: str | None = Field(
        None, description="Extension: answer the last user message from this document "
        "collection, citing its passages as [n]; the response lists them in `citations`.")
    whole_documents: bool = Field(
        False, description="Extension, with `collection`: give its documents whole when they "
        "fit the model's window (long-context mode); each citation's `mode` says `whole` or "
        "`passages`, with a `note` saying why when they did not fit.")


class CompletionRequest(_Sampling):
    prompt: str | list[str] | list[int] | list[list[int]]
    max_tokens: int | None = Field(16, ge=1)
    echo: bool = False
    logprobs: int | None = Field(None, ge=0, le=20, description="Report each token's "
                                 "log-probability and this many likeliest alternatives.")
    suffix: str | None = None
    response_format: dict[str, Any] | None = None


class EmbeddingRequest(_Body):
    input: str | list[str] | list[int] | list[list[int]]
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1)
    user: str | None = None
