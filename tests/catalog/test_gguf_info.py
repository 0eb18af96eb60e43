"""GGUF metadata is read from the header alone, and a bad file is described, never raised."""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from pathlib import Path

import gguf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog.gguf_info import ModelInfo, read_model_info
from app.errors import ModelNotFound


def _prefix(src: Path, dest: Path, n: int) -> Path:
    with open(src, "rb") as fh:
        dest.write_bytes(fh.read(n))
    return dest


def test_default_model_metadata(default_model_path: Path) -> None:
    info = read_model_info(default_model_path)
    assert info.ok and info.error is None
    assert info.file_size == default_model_path.stat().st_size
    assert info.architecture == "llama"
    assert info.name and "135M" in info.name
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert info.n_layers == 30
    assert (info.n_embd, info.n_head, info.n_head_kv) == (576, 9, 3)
    assert info.vocab_size == 49152
    assert info.has_chat_template and info.chat_template
    assert "<|im_start|>" in info.chat_template


def test_parameter_count_matches_gguf_reader(default_model_path: Path) -> None:
    reader = gguf.GGUFReader(default_model_path)
    expected = sum(int(t.n_elements) for t in reader.tensors)
    info = read_model_info(default_model_path)
    assert info.parameters == expected
    assert info.tensor_count == len(reader.tensors)


def test_summary_is_stable_json(default_model_path: Path) -> None:
    summary = read_model_info(default_model_path).summary()
    assert list(summary) == [
        "architecture",
        "name",
        "parameters",
        "quantization",
        "context_length",
        "n_layers",
    ]
    assert json.loads(json.dumps(summary)) == summary


def test_estimate_memory_counts_weights_kv_cache_and_compute(default_model_path: Path) -> None:
    info = read_model_info(default_model_path)
    kv_4k = 2 * 30 * 4096 * (576 // 9 * 3) * 2  # K and V, f16
    assert info.kv_cache_bytes(4096) == kv_4k
    assert info.estimate_memory(4096) == info.file_size + kv_4k + info.compute_buffer_bytes(4096)
    assert info.estimate_memory(8192) > info.estimate_memory(4096) > info.file_size


@pytest.mark.skipif(sys.platform == "win32", reason="needs sparse files")
def test_reading_a_multi_gigabyte_file_reads_only_its_header(
    tmp_path: Path, default_model_path: Path
) -> None:
    big = tmp_path / "big.gguf"
    _prefix(default_model_path, big, 4 << 20)  # header and the start of the weights
    os.truncate(big, 8 << 30)  # sparse: 8 GiB on paper, nothing on disk
    io = Path("/proc/self/io")
    before = _rchar(io)
    start = time.perf_counter()
    info = read_model_info(big)
    elapsed = time.perf_counter() - start
    assert info.ok, info.error
    assert info.file_size == 8 << 30
    assert elapsed < 1.0
    if before is not None:
        after = _rchar(io)
        assert after is not None and after - before < 8 << 20


def _rchar(io: Path) -> int | None:
    try:
        for line in io.read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def test_missing_file_raises_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="model file not found"):
        read_model_info(tmp_path / "absent.gguf")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"GG", "not a GGUF file (bad magic)"),
        (b"<html>this is a download error page</html>", "not a GGUF file (bad magic)"),
        (b"GGUF" + struct.pack("<I", 1) + b"\0" * 32, "unsupported GGUF version 1"),
    ],
)
def test_broken_files_are_described(tmp_path: Path, content: bytes, reason: str) -> None:
    f = tmp_path / "broken.gguf"
    f.write_bytes(content)
    info = read_model_info(f)
    assert not info.ok
    assert info.error == reason


def test_a_folder_is_not_a_model(tmp_path: Path) -> None:
    info = read_model_info(tmp_path)
    assert not info.ok and info.error == "is a folder, not a model file"


def test_truncated_weights_are_reported_with_sizes(
    tmp_path: Path, default_model_path: Path
) -> None:
    cut = _prefix(default_model_path, tmp_path / "cut.gguf", 50_000_000)
    info = read_model_info(cut)
    assert not info.ok
    size = default_model_path.stat().st_size
    assert info.error == f"truncated: tensor data ends at byte {size} but file has 50000000 bytes"
    assert info.architecture == "llama"  # the header was intact, so its facts are still known


def test_truncated_header_is_reported(tmp_path: Path, default_model_path: Path) -> None:
    cut = _prefix(default_model_path, tmp_path / "cut.gguf", 1000)
    info = read_model_info(cut)
    assert not info.ok
    assert info.error is not None
    assert info.error.startswith("truncated: header needs at least ")
    assert info.error.endswith("but file has 1000 bytes")


@pytest.mark.parametrize("size", [200_000, 1_048_583, 1_500_000])
def test_a_file_cut_inside_its_vocabulary_is_reported_as_truncated(
    tmp_path: Path, default_model_path: Path, size: int
) -> None:
    # The token list and merges (tens of thousands of strings, past the first 1 MiB read)
    # are skipped in bulk: a cut anywhere in them, or across a read's end, is still named.
    cut = _prefix(default_model_path, tmp_path / "cut.gguf", size)
    info = read_model_info(cut)
    assert not info.ok
    assert info.error is not None
    assert info.error.startswith("truncated: header needs at least ")
    assert info.error.endswith(f"but file has {size} bytes")


def _write_gguf(path: Path, tensors: dict[str, np.ndarray], **kv: object) -> None:
    w = gguf.GGUFWriter(str(path), "testarch")
    for key, value in kv.items():
        if isinstance(value, int):
            w.add_uint32(key, value)
        else:
            w.add_string(key, str(value))
    for name, array in tensors.items():
        w.add_tensor(name, array)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_without_file_type_the_dominant_tensor_type_names_the_quantization(
    tmp_path: Path,
) -> None:
    f = tmp_path / "tiny.gguf"
    _write_gguf(
        f,
        {"norm": np.ones(8, dtype=np.float32), "w": np.ones((64, 64), dtype=np.float16)},
        **{"testarch.block_count": 2},
    )
    info = read_model_info(f)
    assert info.ok, info.error
    assert info.architecture == "testarch"
    assert info.quantization == "F16"
    assert info.parameters == 8 + 64 * 64
    assert info.n_layers == 2
    assert not info.has_chat_template and info.chat_template is None
    # Without head counts there is no KV estimate, but the estimate still works.
    assert info.kv_cache_bytes(1024) == 0
    assert info.estimate_memory(1024) > info.file_size


def _check(info: ModelInfo) -> None:
    assert isinstance(info, ModelInfo)
    assert isinstance(info.ok, bool)
    if not info.ok:
        assert isinstance(info.error, str) and info.error
    json.dumps(info.summary())


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzz.gguf"


def _read_bytes(f: Path, data: bytes) -> ModelInfo:
    f.write_bytes(data)
    return read_model_info(f)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_crash(fuzz_file: Path, data: bytes) -> None:
    _check(_read_bytes(fuzz_file, data))


@settings(max_examples=300, deadline=None)
@given(version=st.sampled_from([2, 3]), data=st.binary(max_size=4096))
def test_random_bytes_after_a_valid_preamble_never_crash(
    fuzz_file: Path, version: int, data: bytes
) -> None:
    _check(_read_bytes(fuzz_file, b"GGUF" + struct.pack("<I", version) + data))


@pytest.fixture(scope="module")
def real_header(default_model_path: Path) -> bytes:
    with open(default_model_path, "rb") as fh:
        return fh.read(2 << 20)


@settings(max_examples=60, deadline=None)
@given(
    flips=st.lists(st.tuples(st.integers(0, (2 << 20) - 1), st.integers(0, 255)), max_size=8),
    length=st.integers(0, 2 << 20),
    near=st.sampled_from([0, 24, 4000, 1_700_000]),
)
def test_damaged_real_headers_never_crash(
    fuzz_file: Path, real_header: bytes, flips: list[tuple[int, int]], length: int, near: int
) -> None:
    data = bytearray(real_header[:length])
    for pos, value in flips:
        # Half the damage lands in the fixed-size header fields and tensor table.
        at = (near + pos % 256) if pos % 2 else pos
        if at < len(data):
            data[at] = value
    _check(_read_bytes(fuzz_file, bytes(data)))


def test_unreadable_file_is_described(tmp_path: Path) -> None:
    # A folder named like a model cannot be read as a file, whoever runs the test.
    f = tmp_path / "locked.gguf"
    f.mkdir()
    info = read_model_info(f)
    assert not info.ok and info.error == "is a folder, not a model file"
