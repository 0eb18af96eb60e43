"""Plain value types that cross the engine's boundary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    repeat_last_n: int = 64
    frequency_penalty: float = 0.0  # OpenAI's, over the same last-n window
    presence_penalty: float = 0.0
    seed: int = -1
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    grammar: str | None = None  # GBNF, for structured output
    # Speculative decoding by prompt lookup: verify up to this many drafted tokens per
    # batch (0: off). Exact: the reply is the one plain decoding gives (app.engine.lookup).
    draft: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return d


@dataclass
class ReplyStats:
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens whose KV cache was reused
    generated_tokens: int = 0
    time_to_first_token_s: float = 0.0
    decode_tokens_per_s: float = 0.0
    total_s: float = 0.0
    finish_reason: str = "stop"  # stop | length | cancelled
    drafted_tokens: int = 0  # prompt-lookup drafts verified
    accepted_tokens: int = 0  # of which the model kept

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Backend:
    name: str  # CPU, CUDA, Metal, ROCm, Vulkan, SYCL…
    gpu_offload: bool
    devices: tuple[str, ...] = ()
    free_memory_bytes: int | None = None  # of every GPU together
    device_free_bytes: tuple[int, ...] = ()  # per GPU, in the order of ``devices``


SPLIT_MODES = ("none", "layer", "row")  # llama.cpp's enum llama_split_mode, in order


@dataclass(frozen=True)
class Placement:
    """Where a model's offloaded layers go when there are several GPUs: on one
    (``split_mode`` "none", GPU ``main_gpu``), or split across them by whole layers or by
    rows of each matrix, in the proportions of ``tensor_split`` (one per GPU)."""

    split_mode: str = "none"
    main_gpu: int = 0
    tensor_split: tuple[float, ...] = ()

    def describe(self, devices: tuple[str, ...] = ()) -> str:
        def gpu(i: int) -> str:
            return f"GPU {i}" + (f" ({devices[i]})" if i < len(devices) else "")
        if self.split_mode == "none":
            return gpu(self.main_gpu)
        shares = "/".join(f"{round(100 * f)}" for f in self.tensor_split)
        return (f"split by {self.split_mode} across {len(self.tensor_split) or 'all'} GPUs"
                + (f" ({shares} %)" if shares else "") + f", main {gpu(self.main_gpu)}")


@dataclass(frozen=True)
class LoadPlan:
    """What the hardware fit chose for one model, and why."""

    backend: Backend
    n_gpu_layers: int
    n_layers: int
    n_ctx: int
    n_threads: int
    reason: str = ""
    overridden: bool = False
    placement: Placement = field(default_factory=Placement)


@dataclass
class Reply:
    text: str = ""
    stats: ReplyStats = field(default_factory=ReplyStats)
