"""`autoglm doctor --sbom`: the path of the SBOM an installed bundle carries, or one line
saying that this install (a checkout, a pip install) has none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import app.services.doctor as doctor
from app.cli import main


def _bundle_resources(root: Path) -> Path:
    """Resources laid out as a bundle ships them, with its SBOM."""
    sbom = root / "resources" / "sbom" / "open-autoglm.cdx.json"
    sbom.parent.mkdir(parents=True)
    sbom.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6"}', encoding="utf-8")
    return root / "resources"


def test_doctor_sbom_in_a_checkout_says_in_one_line_there_is_none() -> None:
    out = subprocess.run([sys.executable, "-m", "app", "doctor", "--sbom"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.splitlines() == [
        "autoglm: this install carries no SBOM (a checkout or a pip install; "
        "`make sbom` writes one to build/sbom/)"]


def test_doctor_sbom_prints_the_path_of_the_sbom_an_install_ships(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    resources = _bundle_resources(tmp_path / "bundle")
    monkeypatch.setattr(doctor, "RESOURCES_DIR", resources)
    assert main(["doctor", "--sbom"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(resources / "sbom" / "open-autoglm.cdx.json")
    assert json.loads(Path(printed).read_text(encoding="utf-8"))["bomFormat"] == "CycloneDX"
    assert main(["doctor", "--sbom", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sbom": printed}


def test_the_full_doctor_report_names_the_sbom_or_its_absence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    assert "SBOM: none in this install" in capsys.readouterr().out
    monkeypatch.setattr(doctor, "RESOURCES_DIR", _bundle_resources(tmp_path / "bundle"))
    assert main(["doctor"]) == 0
    assert f"SBOM: {tmp_path / 'bundle' / 'resources' / 'sbom' / 'open-autoglm.cdx.json'}" in \
        capsys.readouterr().out
