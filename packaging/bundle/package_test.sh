#!/usr/bin/env bash
# make package-test: build the .deb from this tree, install it for real, use it offline as
# a user would, check that uninstalling keeps users' data, then install an organisation
# build and check that its baked policy rules. Runs as root on Debian or Ubuntu; the
# package is purged again whatever happens (the system libraries it depends on stay).
# Prints one `RESULT key=value ...` line at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PKG=open-autoglm
OUT=build/package
PY=.venv/bin/python

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'package-test: FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# installed, half-installed, config-files…; nothing (or not-installed) once purged.
state() { dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || true; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs and removes the package with dpkg"
command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null \
    || fail "needs a Debian or Ubuntu machine (dpkg-deb, apt-get)"
command -v unshare >/dev/null || fail "needs unshare (util-linux) to block the network"
case "$(state)" in ''|not-installed) ;;
    *) fail "$PKG is already on this machine ($(state)); this test installs and purges it, so it stops" ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/autoglm-package-test.XXXXXX")
cleanup() {
    local rc=$?
    case "$(state)" in ''|not-installed) ;;
        *) dpkg --purge "$PKG" >/dev/null 2>&1 || echo "package-test: could not purge $PKG" >&2 ;;
    esac
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM

# The user: a throwaway home (data lands in ~/.local/share/open-autoglm as on a real
# desktop), no keyring service, so the store is locked with a passphrase from the env.
export HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset AUTOGLM_DATA_DIR AUTOGLM_POLICY_FILE XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME \
    XDG_STATE_HOME XDG_CONFIG_DIRS DISPLAY WAYLAND_DISPLAY
export AUTOGLM_PASSPHRASE="package-test passphrase" QT_QPA_PLATFORM=offscreen
DATA="$HOME/.local/share/$PKG"
offline() { unshare -n -- "$@"; }  # a new network namespace: no interface but a down lo

say "make package"
t=$(now)
make package >"$WORK/package.log" 2>&1 || { tail -40 "$WORK/package.log"; fail "make package"; }
package_s=$(since "$t")
VERSION=$($PY -c 'import app; print(app.__version__)')
DEB=$(ls "$OUT/${PKG}_"*"_amd64.deb" | head -1)
[ -f "$DEB" ] || fail "no .deb in $OUT"
bundle_mib=$(du -sm "$OUT/bundle/$PKG" | cut -f1)
deb_mib=$(awk -v b="$(stat -c %s "$DEB")" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "$DEB: $deb_mib MiB, bundle $bundle_mib MiB, made in $package_s s"

say "the system libraries it depends on"
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$')
missing=""
for d in $deps; do dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'ok installed' \
    || missing="$missing $d"; done
if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        >"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log"; fail "apt-get install$missing"; }
fi

say "dpkg -i"
t=$(now)
dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
install_s=$(since "$t")
for f in /opt/$PKG/autoglm /usr/bin/autoglm /usr/share/applications/$PKG.desktop \
         /usr/share/icons/hicolor/scalable/apps/$PKG.svg; do
    [ -e "$f" ] || fail "dpkg -i did not install $f"
done
echo "installed in $install_s s"

say "autoglm --version, offline (first run after the install, then again)"
t=$(now)
offline autoglm --version | tee "$WORK/version.txt"
version_first_s=$(since "$t")
grep -q "autoglm $VERSION" "$WORK/version.txt" || fail "autoglm --version did not say $VERSION"
t=$(now); offline autoglm --version >/dev/null; version_warm_s=$(since "$t")

say "autoglm doctor, offline"
t=$(now)
offline autoglm doctor | tee "$WORK/doctor.txt"
doctor_s=$(since "$t")
grep -q "model: /opt/$PKG/.*SmolLM2.*\.gguf" "$WORK/doctor.txt" \
    || fail "doctor does not name the bundled default model"

say "autoglm ask on the default model, offline"
t=$(now)
offline autoglm ask --max-tokens 24 --seed 7 "Name one colour of the sky." | tee "$WORK/answer.txt"
ask_s=$(since "$t")
[ -s "$WORK/answer.txt" ] || fail "autoglm ask printed no answer"
[ -f "$DATA/autoglm.sqlite3" ] || fail "no conversation store in $DATA"

say "the desktop app, offscreen, with a real conversation"
t=$(now)
offline autoglm gui --screenshot "$WORK/installed-gui.png" \
    --prompt "Give me one tip for a clear report." >"$WORK/gui.log" 2>&1 \
    || { cat "$WORK/gui.log"; fail "autoglm gui --screenshot"; }
gui_shot_s=$(since "$t")
[ "$(stat -c %s "$WORK/installed-gui.png")" -gt 10000 ] || fail "the screenshot is empty"
cp "$WORK/installed-gui.png" "$OUT/installed-gui.png"
echo "screenshot: $OUT/installed-gui.png ($gui_shot_s s from start to the saved reply)"
$PY bench/startup.py --runs 3 --command "unshare -n -- /usr/bin/autoglm gui" \
    | tee "$WORK/startup.txt"
gui_window_s=$(sed -n 's/^RESULT startup_s=\([0-9.]*\).*/\1/p' "$WORK/startup.txt")
gui_model_s=$(sed -n 's/^RESULT.*model_ready_s=\([0-9.]*\).*/\1/p' "$WORK/startup.txt")

say "users' data survives dpkg -r and dpkg --purge"
offline autoglm history list >"$WORK/history-before.txt"
[ "$(wc -l <"$WORK/history-before.txt")" -ge 2 ] || fail "expected two conversations"
(cd "$DATA" && find . -type f -exec sha256sum {} + | sort -k2) >"$WORK/data-before.sha256"
dpkg -r "$PKG" >/dev/null
[ ! -e /opt/$PKG ] && [ ! -e /usr/bin/autoglm ] || fail "dpkg -r left the program behind"
(cd "$DATA" && sha256sum --quiet -c "$WORK/data-before.sha256") || fail "dpkg -r changed users' data"
dpkg -i "$DEB" >/dev/null
offline autoglm history list >"$WORK/history-after.txt"
diff "$WORK/history-before.txt" "$WORK/history-after.txt" \
    || fail "the conversations differ after a reinstall"
dpkg --purge "$PKG" >/dev/null
[ ! -e /opt/$PKG ] && [ ! -e /etc/xdg/$PKG ] || fail "dpkg --purge left files behind"
[ -f "$DATA/autoglm.sqlite3" ] || fail "dpkg --purge removed users' data"
echo "data kept in $DATA: $(wc -l <"$WORK/data-before.sha256") files"

say "an organisation build: a baked policy that forbids unsigned models, an extra trusted key"
ORG="$WORK/org"
mkdir -p "$ORG/admin"
admin() { AUTOGLM_DATA_DIR="$ORG/signer" $PY -m app "$@" </dev/null; }  # the checkout's CLI
admin policy keygen "Example Org administrator" --dir "$ORG/admin" --no-passphrase >/dev/null
ADMIN_KEY=$(ls "$ORG"/admin/*.key | head -1)
ADMIN_PUB="${ADMIN_KEY%.key}.pub"
admin keys generate "Example Org models" --no-passphrase >/dev/null
TRUST_PUB=$(ls "$ORG"/signer/config/keys/*.pub | head -1)
TRUST_ID=$(basename "$TRUST_PUB" .pub)
printf '{"format": "autoglm-policy/1", "allow_unsigned_models": false}\n' >"$ORG/policy.json"
admin policy sign "$ORG/policy.json" --key "$ADMIN_KEY" >/dev/null
make package POLICY="$ORG/policy.json" ADMIN_KEYS="$ADMIN_PUB" TRUST="$TRUST_PUB" \
    >"$WORK/org-package.log" 2>&1 || { tail -20 "$WORK/org-package.log"; fail "organisation build"; }
dpkg-deb -f "$DEB" Description | grep -q "organisation" || fail "the .deb is not an organisation build"
dpkg -i "$DEB" >/dev/null
grep -qx "/etc/xdg/$PKG/policy.json" /var/lib/dpkg/info/$PKG.conffiles \
    || fail "the baked policy is not a conffile"
offline autoglm keys list | grep -q "$TRUST_ID" || fail "the baked model-signing key is not trusted"
cp "$(ls /opt/$PKG/_internal/resources/models/*.gguf | head -1)" "$WORK/unsigned-copy.gguf"
set +e
offline autoglm ask -m "$WORK/unsigned-copy.gguf" --allow-unsigned --max-tokens 4 "Hi" \
    2>"$WORK/unsigned.err"
unsigned_rc=$?
set -e
cat "$WORK/unsigned.err"
[ "$unsigned_rc" = 19 ] && grep -q "not allowed by the administrator's policy" "$WORK/unsigned.err" \
    || fail "an unsigned model was not refused by the baked policy (exit $unsigned_rc)"

say "the same package with the installed policy edited refuses to start"
sed -i 's/"allow_unsigned_models": *false/"allow_unsigned_models": true/' /etc/xdg/$PKG/policy.json
set +e
offline autoglm ask --max-tokens 4 "Hi" 2>"$WORK/tampered.err"
tampered_rc=$?
set -e
cat "$WORK/tampered.err"
[ "$tampered_rc" -ge 45 ] && [ "$tampered_rc" -le 49 ] \
    && grep -q "^autoglm: error: the administrator's policy .* was changed after it was signed" \
        "$WORK/tampered.err" && ! grep -q Traceback "$WORK/tampered.err" \
    || fail "an edited policy did not stop the app with the policy message (exit $tampered_rc)"
dpkg --purge "$PKG" >/dev/null
[ ! -e /etc/xdg/$PKG ] || fail "dpkg --purge left the organisation's files behind"
[ -f "$DATA/autoglm.sqlite3" ] || fail "users' data went with the organisation build"

say "passed"
echo "RESULT bundle_mib=$bundle_mib deb_mib=$deb_mib package_s=$package_s install_s=$install_s" \
    "version_first_s=$version_first_s version_warm_s=$version_warm_s doctor_s=$doctor_s" \
    "ask_s=$ask_s gui_window_s=$gui_window_s gui_model_s=$gui_model_s gui_reply_shot_s=$gui_shot_s"
