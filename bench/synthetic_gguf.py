"""Synthetic GGUF models of real shapes with random weights, for measuring speed and memory.

The text such a model writes is meaningless; the work per token is the real model's.

    python bench/synthetic_gguf.py --shape llama3-8b --quant q4_k_m --out llama3-8b-q4_k_m.gguf
    python bench/synthetic_gguf.py --list

Each shape copies the layer count, widths, attention heads, vocabulary size and
tensor layout of a released model family (Llama 3 8B, Qwen2.5 7B, Llama 3.2 1B),
so llama.cpp runs the same kernels on the same matrix sizes and moves the same
bytes per token. The weights are quantized blocks whose scales and values are
drawn at random, so no float model is written and quantized first; the
quantizer's type mix is copied instead: for ``q4_k_m``, llama.cpp's choice of
Q6_K for the output matrix and for attn_v and ffn_down in the layers it favours,
Q4_K elsewhere; for ``q8_0``, Q8_0 everywhere. The block scales keep the weights
near the spread of a trained model's (standard deviation about 0.02), so
activations stay finite through every layer.

The vocabulary is byte-level BPE: the 256 byte tokens, the family's special
tokens at their usual ids, and unreachable fillers up to the real vocabulary
size. The output rows of the special tokens are zero, so sampling never picks an
end-of-generation token early and every reply runs to its length.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WEIGHT_STD = 0.02  # about what trained transformer matrices have


@dataclass(frozen=True)
class Shape:
    arch: str  # llama.cpp's architecture name
    n_layer: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    n_vocab: int
    n_ctx_train: int
    rope_theta: float
    norm_eps: float
    tied_output: bool  # the output matrix is the token embedding
    qkv_bias: bool
    family: str  # which tokenizer conventions: "llama3" or "qwen2"
    like: str  # what it copies, for the model's name


SHAPES: dict[str, Shape] = {
    "llama3-8b": Shape("llama", 32, 4096, 14336, 32, 8, 128256, 8192, 500000.0, 1e-5,
                       False, False, "llama3", "Llama-3-8B"),
    "qwen2.5-7b": Shape("qwen2", 28, 3584, 18944, 28, 4, 152064, 32768, 1000000.0, 1e-6,
                        False, True, "qwen2", "Qwen2.5-7B"),
    "llama3.2-1b": Shape("llama", 16, 2048, 8192, 32, 8, 128256, 131072, 500000.0, 1e-5,
                         True, False, "llama3", "Llama-3.2-1B"),
    # Small enough for a test to write and load in a second; not a real family's size.
    "tiny": Shape("llama", 2, 256, 512, 4, 2, 1024, 2048, 10000.0, 1e-5,
                  False, False, "llama3", "tiny"),
}

QUANTS = ("q4_k_m", "q8_0")

# llama.cpp's llama_ftype values, written as general.file_type.
FILE_TYPE = {"q4_k_m": 15, "q8_0": 7}

# Bytes per block and weights per block (ggml's block_q4_K, block_q6_K, block_q8_0).
Q4_K, Q6_K, Q8_0 = "Q4_K", "Q6_K", "Q8_0"
BLOCK = {Q4_K: (144, 256), Q6_K: (210, 256), Q8_0: (34, 32)}

LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}"
    "<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _use_more_bits(i_layer: int, n_layer: int) -> bool:
    """llama.cpp's rule for which layers' attn_v and ffn_down get Q6_K in Q4_K_M."""
    return i_layer < n_layer // 8 or i_layer >= 7 * n_layer // 8 or (i_layer - n_layer // 8) % 3 == 2


def tensor_plan(shape: Shape, quant: str) -> Iterator[tuple[str, tuple[int, int] | tuple[int], str]]:
    """(name, numpy shape (rows, columns), ggml type) of every tensor, in file order."""
    s = shape
    head_dim = s.n_embd // s.n_head
    kv = s.n_head_kv * head_dim

    def mat(kind: str, i_layer: int = -1) -> str:
        if quant == "q8_0":
            return Q8_0
        if kind == "output":
            return Q6_K
        if kind in ("attn_v", "ffn_down") and _use_more_bits(i_layer, s.n_layer):
            return Q6_K
        return Q4_K

    # With no output matrix of its own, the embedding is quantized as the output is.
    yield "token_embd.weight", (s.n_vocab, s.n_embd), mat("output" if s.tied_output else "embd")
    for i in range(s.n_layer):
        p = f"blk.{i}."
        yield p + "attn_norm.weight", (s.n_embd,), "F32"
        yield p + "attn_q.weight", (s.n_embd, s.n_embd), mat("attn_q", i)
        yield p + "attn_k.weight", (kv, s.n_embd), mat("attn_k", i)
        yield p + "attn_v.weight", (kv, s.n_embd), mat("attn_v", i)
        if s.qkv_bias:
            yield p + "attn_q.bias", (s.n_embd,), "F32"
            yield p + "attn_k.bias", (kv,), "F32"
            yield p + "attn_v.bias", (kv,), "F32"
        yield p + "attn_output.weight", (s.n_embd, s.n_embd), mat("attn_output", i)
        yield p + "ffn_norm.weight", (s.n_embd,), "F32"
        yield p + "ffn_gate.weight", (s.n_ff, s.n_embd), mat("ffn_gate", i)
        yield p + "ffn_up.weight", (s.n_ff, s.n_embd), mat("ffn_up", i)
        yield p + "ffn_down.weight", (s.n_embd, s.n_ff), mat("ffn_down", i)
    yield "output_norm.weight", (s.n_embd,), "F32"
    if not s.tied_output:
        yield "output.weight", (s.n_vocab, s.n_embd), mat("output")


def random_blocks(rng: np.random.Generator, rows: int, cols: int, qtype: str,
                  zero_rows: list[int] | None = None) -> np.ndarray:
    """Random quantized blocks of one matrix, as a (rows, bytes per row) uint8 array.

    The half-precision scale fields are set so that the dequantized weights have
    about WEIGHT_STD spread and mean zero; ``zero_rows`` get zero scales (all-zero weights).
    """
    nbytes, per = BLOCK[qtype]
    if cols % per:
        raise ValueError(f"{qtype} needs rows of a multiple of {per} weights, not {cols}")
    n_blocks = rows * (cols // per)
    raw = np.frombuffer(rng.bytes(n_blocks * nbytes), dtype=np.uint8).reshape(n_blocks, nbytes).copy()
    if qtype == Q8_0:
        # d (f16), then 32 int8 values, uniform over -128..127: spread about 73.9.
        raw[:, 0:2] = np.frombuffer(np.float16(WEIGHT_STD / 73.9).tobytes(), np.uint8)
    elif qtype == Q4_K:
        # d, dmin (f16), 12 bytes of packed 6-bit scales and mins, 128 bytes of 4-bit values:
        # w = d * scale * q - dmin * min, q in 0..15 (mean 7.5, spread 4.6), scale and min
        # uniform in 0..63 (mean 31.5). dmin = 7.5 d centres the weights; their spread,
        # over q, scales and mins alike, is about 258 d.
        d = WEIGHT_STD / 258
        raw[:, 0:2] = np.frombuffer(np.float16(d).tobytes(), np.uint8)
        raw[:, 2:4] = np.frombuffer(np.float16(7.5 * d).tobytes(), np.uint8)
    elif qtype == Q6_K:
        # 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, d (f16):
        # w = d * scale * (q - 32), q uniform in 0..63 (spread 18.5); scales drawn in 4..11.
        raw[:, 192:208] = 4 + (raw[:, 192:208] & 0x07)
        raw[:, 208:210] = np.frombuffer(np.float16(WEIGHT_STD / (18.5 * 7.5)).tobytes(), np.uint8)
    else:
        raise ValueError(f"no random blocks for {qtype}")
    if zero_rows:
        per_row = cols // per
        view = raw.reshape(rows, per_row, nbytes)
        scale_fields = {Q8_0: slice(0, 2), Q4_K: slice(0, 4), Q6_K: slice(208, 210)}[qtype]
        view[zero_rows, :, scale_fields] = 0
    return raw.reshape(rows, (cols // per) * nbytes)


def _byte_tokens() -> list[str]:
    """GPT-2's byte-to-character table: the 256 base tokens of byte-level BPE."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def vocabulary(shape: Shape) -> tuple[list[str], list[int], dict[str, int]]:
    """Tokens, their types, and the ids of bos/eos/eot for the shape's family."""
    import gguf

    normal, control = gguf.TokenType.NORMAL, gguf.TokenType.CONTROL
    n = shape.n_vocab
    tokens = _byte_tokens()
    if shape.family == "qwen2":
        first_special = min(151643, n - 3)
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        ids = {"bos": first_special, "eos": first_special + 2, "eot": first_special + 2}
    else:
        first_special = n - 256
        specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                    "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>",
                    "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
                    "<|eom_id|>", "<|eot_id|>"]
        ids = {"bos": first_special, "eos": first_special + 9, "eot": first_special + 9}
    tokens.append("to")  # the one merge's result; byte-level BPE needs at least one
    tokens += [f"tok{i}" for i in range(len(tokens), first_special)]
    tokens += specials
    types = [normal] * first_special + [control] * len(specials)
    while len(tokens) < n:  # the padding rows of the embedding
        tokens.append(f"<|reserved_special_token_{len(tokens)}|>")
        types.append(control)
    return tokens, [int(t) for t in types], ids


def write_model(shape_name: str, quant: str, out: Path, *, seed: int = 0) -> Path:
    """Writes the synthetic model to ``out`` and returns it."""
    import gguf

    if quant not in QUANTS:
        raise ValueError(f"unknown quantization {quant!r}: choose from {', '.join(QUANTS)}")
    shape = SHAPES[shape_name]
    rng = np.random.default_rng(seed)
    tokens, types, ids = vocabulary(shape)
    specials = [i for i, t in enumerate(types) if t == int(gguf.TokenType.CONTROL)]

    w = gguf.GGUFWriter(str(out), shape.arch)
    w.add_name(f"synthetic {shape.like}-class {quant.upper()} (random weights)")
    w.add_file_type(FILE_TYPE[quant])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_context_length(shape.n_ctx_train)
    w.add_embedding_length(shape.n_embd)
    w.add_feed_forward_length(shape.n_ff)
    w.add_block_count(shape.n_layer)
    w.add_head_count(shape.n_head)
    w.add_head_count_kv(shape.n_head_kv)
    w.add_rope_freq_base(shape.rope_theta)
    w.add_layer_norm_rms_eps(shape.norm_eps)
    w.add_vocab_size(shape.n_vocab)
    w.add_rope_dimension_count(shape.n_embd // shape.n_head)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2" if shape.family == "qwen2" else "llama-bpe")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(["t o"])  # fillers are never produced by merging
    w.add_bos_token_id(ids["bos"])
    w.add_eos_token_id(ids["eos"])
    w.add_eot_token_id(ids["eot"])
    w.add_add_bos_token(shape.family != "qwen2")
    w.add_chat_template(CHATML_TEMPLATE if shape.family == "qwen2" else LLAMA3_TEMPLATE)

    plan = list(tensor_plan(shape, quant))
    for name, dims, qtype in plan:
        if qtype == "F32":
            w.add_tensor_info(name, dims, np.dtype(np.float32), dims[0] * 4)
        else:
            rows, cols = dims
            nbytes, per = BLOCK[qtype]
            byte_shape = (rows, cols // per * nbytes)
            w.add_tensor_info(name, byte_shape, np.dtype(np.uint8), rows * byte_shape[1],
                              raw_dtype=gguf.GGMLQuantizationType[qtype])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    output_name = "token_embd.weight" if shape.tied_output else "output.weight"
    for name, dims, qtype in plan:
        if qtype == "F32":
            data = np.ones(dims, np.float32) if name.endswith("norm.weight") else \
                rng.normal(0.0, WEIGHT_STD, dims).astype(np.float32)
        else:
            data = random_blocks(rng, dims[0], dims[1], qtype,
                                 zero_rows=specials if name == output_name else None)
        w.write_tensor_data(data)
    w.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", choices=sorted(SHAPES), default="llama3.2-1b")
    ap.add_argument("--quant", choices=QUANTS, default="q4_k_m")
    ap.add_argument("--out", type=Path, help="default: synthetic-SHAPE-QUANT.gguf here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--list", action="store_true", help="print the shapes and exit")
    args = ap.parse_args()
    if args.list:
        for name, s in SHAPES.items():
            print(f"{name:<12} {s.arch:<6} layers {s.n_layer:>2}  width {s.n_embd:>5}  ffn {s.n_ff:>5}  "
                  f"heads {s.n_head}/{s.n_head_kv}  vocab {s.n_vocab}")
        return 0
    out = args.out or Path(f"synthetic-{args.shape}-{args.quant}.gguf")
    write_model(args.shape, args.quant, out, seed=args.seed)
    print(f"wrote {out} ({out.stat().st_size / 2**30:.2f} GiB): {args.shape}, {args.quant}, random weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
