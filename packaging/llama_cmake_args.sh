#!/usr/bin/env bash
# Prints the CMake options for building llama.cpp (llama-cpp-python, llama-bench,
# llama-server) for this machine's CPU.
#
# Why not GGML_NATIVE: -march=native also turns on Intel AMX, and ggml's AMX
# matrix kernels crash (SIGSEGV in ggml_backend_amx_mul_mat) on CPUs that
# advertise AMX under some hypervisors. We enable every SIMD extension the CPU
# reports except AMX. An explicit CMAKE_ARGS in the environment wins.
set -euo pipefail
if [[ -n "${CMAKE_ARGS:-}" ]]; then
    printf '%s\n' "$CMAKE_ARGS"
    exit 0
fi
if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" || ! -r /proc/cpuinfo ]]; then
    exit 0  # llama.cpp's defaults (native build) are right elsewhere
fi
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { [[ "$flags" == *" $1 "* ]]; }
args=(-DGGML_NATIVE=OFF)
has sse4_2 && args+=(-DGGML_SSE42=ON)
has avx && args+=(-DGGML_AVX=ON)
has avx2 && args+=(-DGGML_AVX2=ON)
has fma && args+=(-DGGML_FMA=ON)
has f16c && args+=(-DGGML_F16C=ON)
has bmi2 && args+=(-DGGML_BMI2=ON)
has avx_vnni && args+=(-DGGML_AVX_VNNI=ON)
if has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd; then
    args+=(-DGGML_AVX512=ON)
    has avx512vbmi && args+=(-DGGML_AVX512_VBMI=ON)
    has avx512_vnni && args+=(-DGGML_AVX512_VNNI=ON)
    has avx512_bf16 && args+=(-DGGML_AVX512_BF16=ON)
fi
printf '%s\n' "${args[*]}"
