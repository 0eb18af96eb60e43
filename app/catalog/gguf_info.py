"""What a GGUF file says about its model, read from its header without touching the weights.

The parser walks the GGUF header (metadata and tensor table) through a small
buffered cursor and skips every array it does not need, so a multi-gigabyte
file costs a few milliseconds and a megabyte or two of reads. ``gguf``'s
``GGUFReader`` was measured first: it builds a numpy view per token string and
takes ~1.7 s on the 98 MB default model, far too slow for listing a folder of
models, so only the ``gguf`` package's constants (quantization names and block
sizes) are used here. Every problem with the bytes becomes ``ok=False`` and a
reason a user can read; nothing in here raises for a bad file.
"""

from __future__ import annotations

import logging
import os
import stat
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from app.errors import ModelNotFound

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4  # GGML_MAX_DIMS in llama.cpp

_READ_CHUNK = 1 << 20
# Strings longer than this are skipped: no real metadata value comes close
# (chat templates are tens of KB), and a hostile file must not make us allocate GBs.
_MAX_KEPT_STRING = 4 << 20
# Numeric arrays up to this length are decoded (per-layer head counts); longer
# ones (token scores, types) are only counted.
_MAX_KEPT_ARRAY = 4096
_MAX_ARRAY_NESTING = 4
# Far beyond any real model (vocabularies reach ~262k tokens, models ~100k
# tensors) yet small enough that a hostile header cannot keep us looping.
_MAX_STRING_ARRAY = 1 << 24
_MAX_ENTRIES = 1 << 20

# llama.cpp's default micro-batch; sizes the compute-buffer allowance below.
_N_UBATCH = 512
_COMPUTE_BASE_BYTES = 64 << 20

# GGUF value types (gguf.GGUFValueType), with the struct code for fixed-size ones.
_T_STRING = 8
_T_ARRAY = 9
_SCALAR_CODES: dict[int, str] = {
    0: "B",  # UINT8
    1: "b",  # INT8
    2: "H",  # UINT16
    3: "h",  # INT16
    4: "I",  # UINT32
    5: "i",  # INT32
    6: "f",  # FLOAT32
    7: "?",  # BOOL
    10: "Q",  # UINT64
    11: "q",  # INT64
    12: "d",  # FLOAT64
}


# The KV cache's precisions, and their bytes per element (ggml's f16; q8_0 and q4_0 pack
# 32 values in 34 and 18 bytes).
KV_BYTES_PER_ELEMENT = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
# Sliding-window architectures: one layer in this many attends to the whole context, the
# others to the last ``attention.sliding_window`` tokens (llama.cpp's own patterns). The
# engine keeps those layers' cache at the window plus a micro-batch, padded to 256 cells.
# An architecture not listed here is counted at the full length (safe).
FULL_ATTENTION_EVERY = {"gemma2": 2, "gemma3": 6, "cohere2": 4, "gpt-oss": 2}

@dataclass(frozen=True)
class ArrayValue:
    """A metadata array that was counted but not decoded (e.g. the vocabulary)."""

    value_type: int
    count: int


@dataclass(frozen=True)
class ModelInfo:
    """The facts about one model file; ``ok`` is False (with ``error``) when it is broken.

    ``parameters`` is the total number of tensor elements. ``vocab_size``,
    ``head_dim_k`` and ``head_dim_v`` go beyond the summary and feed
    ``estimate_memory``.
    """

    path: Path
    file_size: int
    ok: bool
    error: str | None = None
    gguf_version: int | None = None
    architecture: str | None = None
    name: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = None
    n_layers: int | None = None
    n_embd: int | None = None
    n_head: int | None = None
    n_head_kv: int | None = None
    vocab_size: int | None = None
    head_dim_k: int | None = None
    head_dim_v: int | None = None
    sliding_window: int | None = None  # attention.sliding_window, where the model has one
    tensor_count: int | None = None
    has_chat_template: bool = False
    chat_template: str | None = None
    size_label: str | None = None  # general.size_label ("135M", "8x7B"), for display only

    def summary(self) -> dict[str, Any]:
        """The stable, JSON-able part of the metadata that manifests record and sign."""
        return {
            "architecture": self.architecture,
            "name": self.name,
            "parameters": self.parameters,
            "quantization": self.quantization,
            "context_length": self.context_length,
            "n_layers": self.n_layers,
        }

    def kv_cache_bytes(self, n_ctx: int, kv_cache: str = "f16", *, window: bool = True) -> int:
        """Bytes of the K and V cache for ``n_ctx`` tokens at precision ``kv_cache`` (f16,
        q8_0 or q4_0; 0 when the header lacks the sizes).

        n_layers x n_ctx x n_head_kv x (head size of K + of V) x bytes per element
        (2 for f16; ggml's blocks of 32: 34 bytes for q8_0, 18 for q4_0); models that
        declare their own key/value head sizes use those instead. With ``window``, the
        sliding-window layers of a known sliding-window architecture count the window's
        cells, not n_ctx (FULL_ATTENTION_EVERY): what the one-conversation engine keeps;
        the API server's batch engine keeps them at the full length.
        """
        if not (self.n_layers and self.n_head and self.n_embd):
            return 0
        n_head_kv = self.n_head_kv or self.n_head
        k = self.head_dim_k or self.n_embd // self.n_head
        v = self.head_dim_v or k
        per_cell = n_head_kv * (k + v) * KV_BYTES_PER_ELEMENT[kv_cache]
        every = FULL_ATTENTION_EVERY.get(self.architecture or "")
        if not (window and self.sliding_window and every):
            return int(self.n_layers * n_ctx * per_cell)
        full_layers = self.n_layers // every
        window_cells = min(n_ctx, -(-(self.sliding_window + _N_UBATCH) // 256) * 256)
        return int((full_layers * n_ctx + (self.n_layers - full_layers) * window_cells) * per_cell)

    def compute_buffer_bytes(self, n_ctx: int) -> int:
        """A deliberately generous allowance for llama.cpp's scratch buffers.

        64 MiB of fixed overhead, plus the f32 attention scores of one 512-token
        micro-batch against the whole context (what llama.cpp allocates without
        flash attention), plus the f32 logits of one micro-batch. With flash
        attention the real figure is much lower; erring high keeps a "fits"
        decision safe.
        """
        n_head = self.n_head or 32
        n_vocab = self.vocab_size or 32000
        scores = _N_UBATCH * n_ctx * n_head * 4
        logits = _N_UBATCH * n_vocab * 4
        return _COMPUTE_BASE_BYTES + scores + logits

    def estimate_memory(self, n_ctx: int, kv_cache: str = "f16", sequences: int = 1) -> int:
        """Bytes needed to run this model with ``n_ctx`` tokens of context in all, for
        ``sequences`` conversations at once (more than one: the API server's engine).

        Weights (the file size: llama.cpp maps it whole) + the KV cache
        (``kv_cache_bytes``) + the compute-buffer allowance
        (``compute_buffer_bytes``). An estimate for choosing GPU layers and
        warning early, not an exact figure.
        """
        n_ctx = max(int(n_ctx), 1)
        kv = self.kv_cache_bytes(n_ctx, kv_cache, window=sequences <= 1)
        return self.file_size + kv + self.compute_buffer_bytes(n_ctx)


class _Truncated(Exception):
    def __init__(self, needed: int) -> None:
        super().__init__(needed)
        self.needed = needed


class _Corrupt(Exception):
    pass


class _Cursor:
    """Sequential reads over a file with a refillable buffer; skips seek past data."""

    def __init__(self, fh: BinaryIO, size: int, start: int = 0) -> None:
        self._fh = fh
        self.size = size
        self._buf = b""
        self._base = start  # file offset of _buf[0]; the file is positioned at base+len(buf)
        self._i = 0
        fh.seek(start)

    @property
    def pos(self) -> int:
        return self._base + self._i

    def _need(self, n: int) -> None:
        if self._i + n <= len(self._buf):
            return
        if self.pos + n > self.size:
            raise _Truncated(self.pos + n)
        rest = self._buf[self._i :]
        more = self._fh.read(max(n - len(rest), _READ_CHUNK))
        self._base = self.pos
        self._buf = rest + more
        self._i = 0
        if len(self._buf) < n:  # the file shrank while we read it
            raise _Truncated(self.pos + n)

    def unpack(self, s: struct.Struct) -> Any:
        self._need(s.size)
        (value,) = s.unpack_from(self._buf, self._i)
        self._i += s.size
        return value

    def read(self, n: int) -> bytes:
        self._need(n)
        out = self._buf[self._i : self._i + n]
        self._i += n
        return out

    def skip_strings(self, count: int, length: struct.Struct) -> None:
        """Skip ``count`` length-prefixed strings: a vocabulary and its merges are tens of
        thousands, so those already in the buffer are stepped over without a call each."""
        unpack_from, width = length.unpack_from, length.size
        while count:
            buf, i, end = self._buf, self._i, len(self._buf)
            while count and i + width <= end:
                (n,) = unpack_from(buf, i)
                if i + width + n > end:
                    break
                i += width + n
                count -= 1
            self._i = i
            if count:  # one string across the buffer's end: read, checked and skipped as usual
                n = self.unpack(length)
                if n > self.size - self.pos:
                    raise _Truncated(self.pos + n)
                self.skip(n)
                count -= 1

    def skip(self, n: int) -> None:
        if self._i + n <= len(self._buf):
            self._i += n
            return
        target = self.pos + n
        if target > self.size:
            raise _Truncated(target)
        self._fh.seek(target)
        self._base, self._buf, self._i = target, b"", 0


class _HeaderParser:
    def __init__(self, cur: _Cursor, endian: str) -> None:
        self.cur = cur
        self.u32 = struct.Struct(endian + "I")
        self.u64 = struct.Struct(endian + "Q")
        self.scalars = {t: struct.Struct(endian + code) for t, code in _SCALAR_CODES.items()}

    def string(self, keep: bool = True) -> str | None:
        n = self.cur.unpack(self.u64)
        if n > self.cur.size - self.cur.pos:
            raise _Truncated(self.cur.pos + n)
        if not keep or n > _MAX_KEPT_STRING:
            self.cur.skip(n)
            return None
        return self.cur.read(n).decode("utf-8", errors="replace")

    def value(self, vtype: int, key: str, depth: int = 0) -> Any:
        if vtype == _T_STRING:
            return self.string()
        if vtype == _T_ARRAY:
            return self.array(key, depth)
        s = self.scalars.get(vtype)
        if s is None:
            raise _Corrupt(f"corrupt metadata: unknown value type {vtype} for key {key!r}")
        return self.cur.unpack(s)

    def array(self, key: str, depth: int) -> Any:
        if depth >= _MAX_ARRAY_NESTING:
            raise _Corrupt(f"corrupt metadata: arrays nested too deeply in key {key!r}")
        etype = self.cur.unpack(self.u32)
        count = self.cur.unpack(self.u64)
        remaining = self.cur.size - self.cur.pos
        s = self.scalars.get(etype)
        if s is not None:
            if count * s.size > remaining:
                raise _Truncated(self.cur.pos + count * s.size)
            if count <= _MAX_KEPT_ARRAY:
                return tuple(self.cur.unpack(s) for _ in range(count))
            self.cur.skip(count * s.size)
            return ArrayValue(etype, count)
        if etype in (_T_STRING, _T_ARRAY) and count > _MAX_STRING_ARRAY:
            raise _Corrupt(f"corrupt metadata: array {key!r} claims {count} elements")
        if etype == _T_STRING:
            if count * 8 > remaining:
                raise _Truncated(self.cur.pos + count * 8)
            self.cur.skip_strings(count, self.u64)
            return ArrayValue(etype, count)
        if etype == _T_ARRAY:
            if count * 12 > remaining:
                raise _Truncated(self.cur.pos + count * 12)
            for _ in range(count):
                self.array(key, depth + 1)
            return ArrayValue(etype, count)
        raise _Corrupt(f"corrupt metadata: unknown array element type {etype} for key {key!r}")


@cache
def _ggml_tables() -> tuple[dict[int, tuple[str, int, int]], dict[int, str]]:
    """(tensor type -> (name, block size, bytes per block), file type -> quantization name)."""
    import gguf  # lazy: pulls in numpy, which start-up does not need

    tensor_types = {
        int(t): (t.name, block, size) for t, (block, size) in gguf.GGML_QUANT_SIZES.items()
    }
    file_types: dict[int, str] = {}
    for ft in gguf.LlamaFileType:
        name = ft.name
        for prefix in ("MOSTLY_", "ALL_"):
            name = name.removeprefix(prefix)
        if name != "GUESSED":
            file_types[int(ft)] = name
    return tensor_types, file_types


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, tuple):
        ints = [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if ints and len(ints) == len(value):
            return max(ints)  # per-layer values (e.g. head_count_kv): the largest bounds memory
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_model_info(path: str | os.PathLike[str]) -> ModelInfo:
    """Read a GGUF file's metadata; raises only ModelNotFound, when ``path`` does not exist."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ModelNotFound(f"model file not found: {p}") from None
    except OSError as exc:
        return ModelInfo(p, 0, False, f"cannot read: {exc.strerror or exc}")
    if stat.S_ISDIR(st.st_mode):
        return ModelInfo(p, 0, False, "is a folder, not a model file")
    try:
        with open(p, "rb") as fh:
            return read_model_info_from_file(fh, p)
    except FileNotFoundError:
        raise ModelNotFound(f"model file not found: {p}") from None
    except OSError as exc:
        return ModelInfo(p, st.st_size, False, f"cannot read: {exc.strerror or exc}")


def read_model_info_from_file(fh: BinaryIO, path: Path) -> ModelInfo:
    """Like ``read_model_info`` but over an already open file (e.g. one being verified)."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        return ModelInfo(path, 0, False, f"cannot read: {exc.strerror or exc}")
    try:
        return _parse(fh, path, size)
    except _Truncated as exc:
        return ModelInfo(
            path,
            size,
            False,
            f"truncated: header needs at least {exc.needed} bytes but file has {size} bytes",
        )
    except _Corrupt as exc:
        return ModelInfo(path, size, False, str(exc))
    except OSError as exc:
        return ModelInfo(path, size, False, f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a parser bug must not take the catalog down
        log.exception("unexpected error reading %s", path)
        return ModelInfo(path, size, False, f"unreadable GGUF header ({type(exc).__name__})")


def _parse(fh: BinaryIO, path: Path, size: int) -> ModelInfo:
    def broken(reason: str, **kw: Any) -> ModelInfo:
        return ModelInfo(path, size, False, reason, **kw)

    if size == 0:
        return broken("empty file (0 bytes)")
    cur = _Cursor(fh, size)
    if size < 4 or cur.read(4) != GGUF_MAGIC:
        return broken("not a GGUF file (bad magic)")
    raw_version = cur.read(4)
    endian = "<"
    version = struct.unpack("<I", raw_version)[0]
    if version & 0xFFFF == 0 and version != 0:  # written on a big-endian machine
        endian = ">"
        version = struct.unpack(">I", raw_version)[0]
    if version not in SUPPORTED_VERSIONS:
        return broken(f"unsupported GGUF version {version}", gguf_version=version)
    hp = _HeaderParser(cur, endian)
    n_tensors = cur.unpack(hp.u64)
    n_kv = cur.unpack(hp.u64)
    if max(n_kv, n_tensors) > _MAX_ENTRIES:
        raise _Corrupt(f"corrupt header: it claims {n_kv} metadata entries and {n_tensors} tensors")
    # Each KV pair takes at least 12 bytes and each tensor entry at least 24: a
    # file too short for its counts was cut off (an interrupted download, usually).
    if cur.pos + n_kv * 12 + n_tensors * 24 > size:
        raise _Truncated(cur.pos + n_kv * 12 + n_tensors * 24)

    meta: dict[str, Any] = {}
    for _ in range(n_kv):
        key = hp.string() or ""
        vtype = cur.unpack(hp.u32)
        meta[key] = hp.value(vtype, key)

    tensor_types, file_types = _ggml_tables()
    n_params = 0
    bytes_by_type: dict[str, int] = {}
    data_end_rel = 0
    for index in range(n_tensors):
        tname = hp.string() or f"#{index}"
        n_dims = cur.unpack(hp.u32)
        if n_dims > MAX_DIMS:
            raise _Corrupt(f"corrupt tensor table: tensor {tname!r} has {n_dims} dimensions")
        n_el = 1
        for _ in range(n_dims):
            n_el *= cur.unpack(hp.u64)
        ttype = cur.unpack(hp.u32)
        offset = cur.unpack(hp.u64)
        known = tensor_types.get(ttype)
        if known is None:
            raise _Corrupt(
                f"unknown tensor type {ttype} for tensor {tname!r} (newer than this app reads)"
            )
        type_name, block, block_bytes = known
        if n_el % block:
            raise _Corrupt(
                f"corrupt tensor table: tensor {tname!r} has {n_el} elements, "
                f"not a multiple of the {type_name} block size {block}"
            )
        n_bytes = n_el // block * block_bytes
        n_params += n_el
        bytes_by_type[type_name] = bytes_by_type.get(type_name, 0) + n_bytes
        data_end_rel = max(data_end_rel, offset + n_bytes)

    alignment = _as_int(meta.get("general.alignment")) or DEFAULT_ALIGNMENT
    if alignment <= 0 or alignment & (alignment - 1):
        raise _Corrupt(f"corrupt metadata: general.alignment is {alignment}, not a power of two")
    data_offset = -(-cur.pos // alignment) * alignment
    data_end = data_offset + data_end_rel

    arch = _as_str(meta.get("general.architecture"))

    def arch_int(suffix: str) -> int | None:
        return _as_int(meta.get(f"{arch}.{suffix}")) if arch else None

    quant = None
    ftype = _as_int(meta.get("general.file_type"))
    if ftype is not None:
        quant = file_types.get(ftype)
    if quant is None and bytes_by_type:
        quant = max(bytes_by_type.items(), key=lambda kv: kv[1])[0]
    template = _as_str(meta.get("tokenizer.chat_template"))
    vocab = arch_int("vocab_size")
    tokens = meta.get("tokenizer.ggml.tokens")
    if vocab is None and isinstance(tokens, ArrayValue):
        vocab = tokens.count
    fields: dict[str, Any] = dict(
        gguf_version=version,
        architecture=arch,
        name=_as_str(meta.get("general.name")),
        size_label=_as_str(meta.get("general.size_label")),
        parameters=n_params,
        quantization=quant,
        context_length=arch_int("context_length"),
        n_layers=arch_int("block_count"),
        n_embd=arch_int("embedding_length"),
        n_head=arch_int("attention.head_count"),
        n_head_kv=arch_int("attention.head_count_kv"),
        vocab_size=vocab,
        head_dim_k=arch_int("attention.key_length"),
        head_dim_v=arch_int("attention.value_length"),
        sliding_window=arch_int("attention.sliding_window"),
        tensor_count=n_tensors,
        has_chat_template=bool(template),
        chat_template=template,
    )
    if data_end > size:
        return broken(
            f"truncated: tensor data ends at byte {data_end} but file has {size} bytes", **fields
        )
    return ModelInfo(path, size, True, None, **fields)
