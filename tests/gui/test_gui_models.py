"""The model manager and the model's loading, as the user sees them."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from gui_helpers import WAIT_MS, shared_loader

from app.config import RESOURCES_DIR
from app.errors import HashMismatch
from app.gui.model_options import model_options
from app.gui.qt import Qt
from app.services.model_names import display_name

pytestmark = pytest.mark.slow


def tampered_copy(default_model_path: Path, models_dir: Path) -> Path:
    """A copy of the default model beside its shipped manifest, with one byte flipped."""
    models_dir.mkdir(parents=True, exist_ok=True)
    copy = models_dir / default_model_path.name
    shutil.copyfile(default_model_path, copy)
    manifest = RESOURCES_DIR / "manifests" / (default_model_path.name + ".manifest.json")
    shutil.copyfile(manifest, models_dir / manifest.name)
    with open(copy, "r+b") as fh:
        fh.seek(-4096, 2)  # in the weights, so the header still parses
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    return copy


def open_manager(qtbot, window):  # type: ignore[no-untyped-def]
    window.models_action.trigger()
    dialog = window.model_manager
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.verified, timeout=WAIT_MS):
        pass
    return dialog


def test_model_manager_shows_a_tampered_copy_as_refused_with_its_reason(
        qtbot, window, default_model_path) -> None:  # type: ignore[no-untyped-def]
    copy = tampered_copy(default_model_path, window.ctx.paths.models)
    dialog = open_manager(qtbot, window)

    [row] = dialog.find_rows(copy)
    texts = dialog.row_texts(row)
    assert texts["status"] == "Refused: tampered"
    assert "hash mismatch" in texts["reason"]
    assert texts["quantization"] == "Q4_1" and texts["architecture"] == "llama"
    assert texts["size"].endswith("MiB") and texts["memory"].endswith("MiB")
    [good] = [r for r in range(dialog.table.rowCount()) if dialog.entries[r].is_default]
    assert dialog.row_texts(good)["status"] == "Verified"
    # A refused model cannot be chosen.
    dialog.table.selectRow(row)
    assert not dialog.use_button.isEnabled()
    dialog.table.selectRow(good)
    assert dialog.use_button.isEnabled()
    dialog.close()


def test_verification_shows_progress_and_can_be_cancelled(qtbot, window, default_model_path) -> None:  # type: ignore[no-untyped-def]
    tampered_copy(default_model_path, window.ctx.paths.models)
    window.models_action.trigger()
    dialog = window.model_manager
    with qtbot.waitSignal(dialog.listed, timeout=WAIT_MS):
        pass
    # Listed at once from the headers; the hashing goes on in the background.
    assert dialog.verify_worker is not None
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.verify_button.isEnabled()
    with qtbot.waitSignal(dialog.verified, timeout=WAIT_MS):  # emitted when the run ends
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.verify_worker is None
    assert not dialog.progress.isVisible() and dialog.verify_button.isEnabled()
    statuses = {dialog.row_texts(r)["status"] for r in range(dialog.table.rowCount())}
    assert statuses <= {"Not verified yet", "Verified", "Refused: tampered"}
    # Verifying again finishes the job.
    with qtbot.waitSignal(dialog.verified, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    statuses = {dialog.row_texts(r)["status"] for r in range(dialog.table.rowCount())}
    assert statuses == {"Verified", "Refused: tampered"}
    dialog.close()


def test_per_model_gpu_layers_context_and_kv_cache_are_saved(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    dialog = open_manager(qtbot, window)
    [row] = [r for r in range(dialog.table.rowCount()) if dialog.entries[r].is_default]
    dialog.table.selectRow(row)
    assert dialog.options_box.isEnabled()
    dialog.gpu_layers.setValue(0)
    dialog.context_length.setValue(8192)
    f16 = dialog.estimate_label.text()
    dialog.kv_cache.setCurrentIndex(dialog.kv_cache.findData("q8_0"))
    q8 = dialog.estimate_label.text()
    assert f16 != q8 and "MiB" in q8  # the estimate follows the KV cache's precision
    info = dialog.entries[row].info
    assert info.estimate_memory(8192, "q8_0") < info.estimate_memory(8192, "f16")
    with qtbot.waitSignal(dialog.options_changed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_options_button, Qt.MouseButton.LeftButton)
    name = dialog.entries[row].name
    assert model_options(window.ctx, name) == {"gpu_layers": 0, "context_length": 8192, "kv_cache": "q8_0"}
    assert name in window.ctx.settings.path.read_text(encoding="utf-8")
    dialog.close()


def test_importing_a_model_brings_its_manifest(qtbot, window, default_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "elsewhere"
    source.mkdir()
    model = source / default_model_path.name
    shutil.copyfile(default_model_path, model)
    manifest = RESOURCES_DIR / "manifests" / (default_model_path.name + ".manifest.json")
    shutil.copyfile(manifest, source / manifest.name)
    dialog = open_manager(qtbot, window)
    with qtbot.waitSignals([dialog.imported, dialog.verified], timeout=WAIT_MS):
        dialog.import_model(model, copy=False)
    imported = window.ctx.paths.models / model.name
    assert imported.is_symlink() or imported.stat().st_ino == model.stat().st_ino
    assert (window.ctx.paths.models / manifest.name).exists()
    [row] = dialog.find_rows(imported)
    assert dialog.row_texts(row)["status"] == "Verified"
    dialog.close()


def test_the_window_is_usable_while_the_model_loads(qtbot, make_window, gui_model) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    window = make_window(wait=False, loader=shared_loader(gui_model, gate))
    try:
        with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
            pass
        assert window.status.model_label.text().startswith("Loading")
        assert window.status.progress.isVisible()
        window.focus_input()
        qtbot.keyClicks(window.composer.edit, "typed while loading")
        assert window.composer.text() == "typed while loading"
        assert not window.composer.send_button.isEnabled()
        window.new_action.trigger()  # other actions work
        window.settings_action.trigger()
        assert window.settings_dialog.isVisible()
        window.settings_dialog.reject()
    finally:
        with qtbot.waitSignal(window.model_ready, timeout=WAIT_MS):
            gate.set()
    assert window.composer.send_button.isEnabled()
    assert not window.status.progress.isVisible()
    assert window.status.model_label.text() == (
        f"Model: {display_name(gui_model.info, gui_model.path)}")


def test_a_refused_model_shows_a_dialog_and_the_app_stays_usable(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    def refuse(progress, cancel):  # type: ignore[no-untyped-def]
        raise HashMismatch("model.gguf: hash mismatch: the file was modified or corrupted")

    window = make_window(wait=False, loader=refuse)
    with qtbot.waitSignal(window.model_failed, timeout=WAIT_MS):
        pass
    dialog = window.errors.last_dialog
    assert dialog is not None and dialog.isVisible()
    assert "hash mismatch" in dialog.message_label.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    from app.gui.qt import QApplication

    assert "HashMismatch" in QApplication.clipboard().text()
    dialog.close()
    assert window.status.model_label.text() == (
        "The model could not be loaded: model.gguf: hash mismatch: the file was modified or corrupted")
    window.focus_input()
    qtbot.keyClicks(window.composer.edit, "still typing")
    assert window.composer.text() == "still typing"


def test_choosing_a_model_in_the_manager_loads_it(qtbot, make_window, ctx) -> None:  # type: ignore[no-untyped-def]
    from app.gui.main_window import default_loader

    window = make_window(loader=default_loader(ctx), owns_model=True)  # the app's own loading
    first = window.model
    dialog = open_manager(qtbot, window)
    [row] = [r for r in range(dialog.table.rowCount()) if dialog.entries[r].is_default]
    dialog.table.selectRow(row)
    with qtbot.waitSignal(window.model_ready, timeout=WAIT_MS) as loaded:
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert loaded.args[0] is window.model and window.model is not first
    assert ctx.settings.get("model") == ""  # the default model
    assert window.model.plan.n_threads >= 1
    dialog.close()
