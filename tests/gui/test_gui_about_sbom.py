"""Help → About names the SBOM an installed bundle carries, or says this install has none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gui_helpers import WAIT_MS

import app.services.doctor as doctor
from app.errors import Cancelled
from app.gui.qt import QApplication, QMessageBox, QTimer


def _no_model(progress, cancel):  # type: ignore[no-untyped-def]
    raise Cancelled()  # About is read before any model: none is loaded


def _about_text(qtbot, window) -> str:  # type: ignore[no-untyped-def]
    texts: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        texts.append(box.text())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.about_action.trigger()
    qtbot.waitUntil(lambda: bool(texts), timeout=WAIT_MS)
    return texts[0]


def test_about_in_a_checkout_says_this_install_carries_no_sbom(
    qtbot, make_window: Callable[..., object]  # type: ignore[no-untyped-def]
) -> None:
    window = make_window(wait=False, loader=_no_model)
    assert "This install carries no software bill of materials (SBOM)" in _about_text(qtbot, window)


def test_about_in_an_install_with_an_sbom_shows_its_path(
    qtbot, make_window: Callable[..., object], tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sbom = tmp_path / "resources" / "sbom" / "open-autoglm.cdx.json"
    sbom.parent.mkdir(parents=True)
    sbom.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(doctor, "RESOURCES_DIR", tmp_path / "resources")
    window = make_window(wait=False, loader=_no_model)
    assert f"What this install contains (SBOM, CycloneDX): {sbom}" in _about_text(qtbot, window)
