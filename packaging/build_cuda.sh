#!/usr/bin/env bash
# Builds llama.cpp with the CUDA backend from the source vendored in the
# llama-cpp-python sdist, once, and gives that build to both the installed
# llama-cpp-python (its lib/ folder) and to llama.cpp's own tools (llama-bench,
# llama-server) used by bench/. One compile of the CUDA kernels serves both.
#
#   packaging/build_cuda.sh SDIST_DIR [PYTHON]
#
# SDIST_DIR is an unpacked llama_cpp_python-<version> folder; PYTHON is the
# interpreter whose llama_cpp package receives the libraries. The tools land
# in SDIST_DIR/../build-cuda/bin, where bench/llama_tools.py looks for them.
# CUDA_ARCHS (default: the GPU's own, "native") limits the kernels compiled.
# CCCL_INCLUDE, a folder holding a newer CCCL's headers (cub/, thrust/, cuda/, nv/:
# CCCL is header-only, and a newer one may be used with an older toolkit), is searched
# before the toolkit's own: from CCCL 3.2 on, ggml's top-k (the graph's cut of the
# logits before sampling) is CUB's top-k selection instead of a sort of the vocabulary.
# Nothing here needs the network: llama-server is built without its web UI, which
# llama.cpp would otherwise try to download (the API server needs none).
set -euo pipefail
src="$(cd "$1" && pwd)/vendor/llama.cpp"
python="${2:-python3}"
build="$(cd "$1/.." && pwd)/build-cuda"
here="$(cd "$(dirname "$0")" && pwd)"
cpu_flags="$(bash "$here/llama_cmake_args.sh")"
cuda_flags=()
if [[ -n "${CCCL_INCLUDE:-}" ]]; then
    [[ -f "$CCCL_INCLUDE/cub/cub.cuh" ]] || { echo "CCCL_INCLUDE ($CCCL_INCLUDE) has no cub/cub.cuh" >&2; exit 1; }
    cuda_flags=(-DCMAKE_CUDA_FLAGS="-I$(cd "$CCCL_INCLUDE" && pwd)")
    echo "CCCL: $(sed -n 's/^#define CCCL_VERSION \([0-9]*\).*/\1/p' "$CCCL_INCLUDE/cuda/std/__cccl/version.h") from $CCCL_INCLUDE"
fi
# RPATH_USE_ORIGIN: the libraries find each other beside themselves ($ORIGIN), not in
# this build tree, so the copies in llama_cpp/lib never reach back into it.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_BUILD_RPATH_USE_ORIGIN=ON \
    -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-native}" \
    -DLLAMA_CURL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON $cpu_flags "${cuda_flags[@]}" >/dev/null
cmake --build "$build" --target llama llama-bench llama-server -j "$(nproc)"
# find_spec, not import: importing llama_cpp would load the libraries being replaced.
lib_dir="$("$python" -c 'import importlib.util, pathlib; s = importlib.util.find_spec("llama_cpp"); print(pathlib.Path(s.origin).parent / "lib" if s else "")' 2>/dev/null || true)"
if [[ -n "$lib_dir" ]]; then
    mkdir -p "$lib_dir"
    find "$build" -name 'lib*.so*' \( -type f -o -type l \) -exec cp -a {} "$lib_dir"/ \;
    echo "installed the CUDA build into $lib_dir"
fi
echo "tools: $build/bin/llama-bench $build/bin/llama-server"
