"""The first hour in the desktop app: the state shown is the state in force, models are
named as people read them, the welcome, and a model dropped onto the window."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from gui_helpers import WAIT_MS, shared_loader

from app.config import RESOURCES_DIR
from app.errors import HashMismatch
from app.gui.qt import (
    QApplication,
    QDragEnterEvent,
    QDropEvent,
    QEvent,
    QMimeData,
    QObject,
    QPoint,
    Qt,
    QUrl,
)
from app.services.model_names import display_name, signer_name

pytestmark = pytest.mark.slow


class PaintCounter(QObject):
    """Counts the paint events a widget receives: what the user sees is what was painted."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def refuse(progress, cancel):  # type: ignore[no-untyped-def]
    raise HashMismatch("SmolLM2.gguf: hash mismatch: the file was modified or corrupted")


def test_placeholder_and_send_follow_loading_then_ready(qtbot, make_window, gui_model) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    window = make_window(wait=False, loader=shared_loader(gui_model, gate))
    composer = window.composer
    try:
        with qtbot.waitSignal(window.controller.listed, timeout=WAIT_MS):
            pass
        assert "loading" in composer.edit.placeholderText()
        assert not composer.send_button.isEnabled()
        assert "once the model has loaded" in composer.send_button.toolTip()
        assert window.status.state == "loading"
        counter = PaintCounter()
        composer.edit.viewport().installEventFilter(counter)
        composer.edit.viewport().update()  # ask for one paint and let every pending one land
        qtbot.waitUntil(lambda: counter.paints > 0, timeout=5000)
        before = counter.paints
    finally:
        with qtbot.waitSignal(window.model_ready, timeout=WAIT_MS):
            gate.set()
    # Ready: the new placeholder is painted at once, not after the first send.
    assert composer.edit.placeholderText().startswith("Message the assistant")
    qtbot.waitUntil(lambda: counter.paints > before, timeout=5000)
    assert window.status.state == "ready"
    assert not composer.send_button.isEnabled()  # nothing typed yet
    qtbot.keyClicks(composer.edit, "Hello")
    assert composer.send_button.isEnabled()
    assert composer.send_button.toolTip() == "Send the message (Enter)"


def test_a_failed_model_says_why_and_offers_another(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(wait=False, loader=refuse)
    with qtbot.waitSignal(window.model_failed, timeout=WAIT_MS):
        pass
    window.errors.last_dialog.close()
    composer, status = window.composer, window.status
    assert "No model is loaded" in composer.edit.placeholderText()
    qtbot.keyClicks(composer.edit, "still typing")
    assert not composer.send_button.isEnabled()
    assert status.state == "failed"
    assert "hash mismatch" in status.model_label.text()
    assert status.choose_button.isVisible()
    qtbot.mouseClick(status.choose_button, Qt.MouseButton.LeftButton)
    assert window.model_manager is not None and window.model_manager.isVisible()
    window.model_manager.close()


def test_the_states_are_shown_in_chinese_too(qtbot, make_window, gui_settings, ctx, gui_model) -> None:  # type: ignore[no-untyped-def]
    ctx.settings.set("language", "zh_CN")
    qtbot.waitUntil(lambda: gui_settings.language == "zh_CN", timeout=WAIT_MS)
    gate = threading.Event()
    window = make_window(wait=False, loader=shared_loader(gui_model, gate))
    loading = window.composer.edit.placeholderText()
    with qtbot.waitSignal(window.model_ready, timeout=WAIT_MS):
        gate.set()
    ready = window.composer.edit.placeholderText()
    failed = make_window(wait=False, loader=refuse)
    with qtbot.waitSignal(failed.model_failed, timeout=WAIT_MS):
        pass
    failed.errors.last_dialog.close()
    texts = [loading, ready, failed.composer.edit.placeholderText(), failed.status.model_label.text(),
             failed.status.choose_button.text()]
    assert loading == "模型正在加载；可以先输入，加载完成后即可发送"
    assert ready.startswith("给助手发消息")
    assert "没有加载模型" in texts[2] and "hash mismatch" in texts[3] and texts[4] == "选择其他模型…"


def test_the_model_is_named_by_its_gguf_name_and_its_file_in_the_tooltip(window, gui_model) -> None:  # type: ignore[no-untyped-def]
    name = display_name(gui_model.info, gui_model.path)
    assert name != gui_model.path.name
    # general.name, general.size_label and the quantization, as the GGUF gives them
    assert name.startswith(gui_model.info.name) and name.endswith(" · Q4_1")
    assert window.status.model_label.text() == f"Model: {name}"
    assert window.status.model_label.toolTip() == str(gui_model.path)


def test_the_manager_opens_on_the_active_model_with_its_options_in_force(qtbot, window, gui_model) -> None:  # type: ignore[no-untyped-def]
    window.models_action.trigger()
    dialog = window.model_manager
    with qtbot.waitSignal(dialog.listed, timeout=WAIT_MS):
        pass
    entry = dialog.selected_entry()
    assert entry is not None and entry.path == gui_model.path
    assert dialog.options_box.isEnabled()
    assert dialog.gpu_layers.value() == -1 and dialog.gpu_layers.text() == "automatic"
    assert dialog.context_length.value() == window.ctx.settings.get("context_length") == 4096
    in_force = dialog.in_force_label.text()
    assert f"a context of {gui_model.engine.n_ctx} tokens" in in_force
    assert f"of {gui_model.plan.n_layers} layers" in in_force
    [row] = dialog.find_rows(gui_model.path)
    name_item = dialog.table.item(row, 0)
    assert name_item.text().startswith(display_name(gui_model.info, gui_model.path))
    assert gui_model.path.name in name_item.toolTip()
    dialog.close()


def test_the_welcome_says_what_runs_here_and_goes_away_for_good(qtbot, make_window, gui_model) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    welcome = window.welcome
    assert welcome is not None and welcome.isVisible()
    text = " ".join(w.text() for w in (welcome.about_label, welcome.privacy_label,
                                        welcome.model_label, welcome.add_label))
    assert "Nothing leaves this machine" in text
    signer = signer_name(window.ctx, gui_model.signer)
    assert signer and signer != gui_model.signer  # the key's name, not its id
    assert (f"Active model: {display_name(gui_model.info, gui_model.path)}, signed by {signer}."
            in text)
    assert "drag its GGUF file" in text and "Import" in text
    assert not window.chat_view.empty_label.isVisible()
    qtbot.mouseClick(welcome.dismiss_button, Qt.MouseButton.LeftButton)
    assert window.welcome is None and window.chat_view.welcome is None
    assert window.chat_view.empty_label.isVisible()
    again = make_window()
    assert again.welcome is None


def test_the_welcome_speaks_chinese(qtbot, make_window, gui_settings, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.settings.set("language", "zh_CN")
    qtbot.waitUntil(lambda: gui_settings.language == "zh_CN", timeout=WAIT_MS)
    welcome = make_window().welcome
    assert welcome.title_label.text() == "欢迎使用 Open-AutoGLM"
    assert "不会离开这台电脑" in welcome.privacy_label.text()
    assert "签名者" in welcome.model_label.text()
    assert welcome.dismiss_button.text() == "知道了"


# -- dropping a model onto the window ---------------------------------------------------------


def model_elsewhere(default_model_path: Path, folder: Path, *, manifest: bool,
                    name: str | None = None) -> Path:
    """A copy of the default model in ``folder``; under its own name it has the project's
    signed manifest beside it when ``manifest``, under another ``name`` none."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / (name or default_model_path.name)
    shutil.copyfile(default_model_path, model)
    if manifest:
        shipped = RESOURCES_DIR / "manifests" / (default_model_path.name + ".manifest.json")
        shutil.copyfile(shipped, folder / shipped.name)
    return model


def sign_with_new_key(model: Path, keys_dir: Path) -> tuple[Path, Path]:
    """Sign ``model`` with a key made for the test: (its manifest, the key's .pub file)."""
    from app.security.keys import generate_key
    from app.security.manifest import sign_model

    key = generate_key(keys_dir, "A colleague")
    return sign_model(model, keys_dir / f"{key.key_id}.key"), keys_dir / f"{key.key_id}.pub"


def drop(window, paths: list[Path]) -> bool:  # type: ignore[no-untyped-def]
    """Drag ``paths`` over the window and drop them, through Qt's event delivery."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(window.width() // 2, window.height() // 2)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(pos.toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def test_a_signed_model_dropped_on_the_window_is_imported_and_verified_with_progress(
        qtbot, window, default_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = model_elsewhere(default_model_path, tmp_path / "usb-stick", manifest=True)
    seen: list[tuple[str, int, int]] = []
    window.drop_import.progress_changed.connect(lambda *a: seen.append(a))
    with qtbot.waitSignal(window.drop_import.imported, timeout=WAIT_MS) as blocker:
        assert drop(window, [model])
        assert window.status.import_label.isVisible()
    entry = blocker.args[0]
    imported = window.ctx.paths.models / model.name
    assert entry.path == imported and entry.status == "verified"
    assert (window.ctx.paths.models / (model.name + ".manifest.json")).exists()
    size = model.stat().st_size
    assert ("copying", size, size) in seen and ("verifying", size, size) in seen
    assert [s for s in seen if s[0] == "copying" and 0 < s[1] < size]  # in between too
    assert not window.status.import_label.isVisible()
    box = window.drop_import.last_box
    assert box.isVisible() and "imported and verified" in box.text()
    use = next(b for b in box.buttons() if b.text() == "Use this model")
    chosen: list[str] = []
    window.drop_import.use_requested.connect(chosen.append)
    qtbot.mouseClick(use, Qt.MouseButton.LeftButton)
    assert chosen == [str(imported)] and window.ctx.settings.get("model") == str(imported)


def test_an_unsigned_model_dropped_says_what_to_do(qtbot, window, default_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = model_elsewhere(default_model_path, tmp_path / "downloads", manifest=False,
                            name="analyst-model.Q4_1.gguf")
    with qtbot.waitSignal(window.drop_import.imported, timeout=WAIT_MS) as blocker:
        assert drop(window, [model])
    assert blocker.args[0].status == "unsigned"
    text = window.drop_import.last_box.text()
    assert "no manifest" in text and "Ask your administrator" in text
    assert model.name + ".manifest.json" in text and "autoglm models sign" in text
    window.drop_import.last_box.close()
    # The administrator's manifest, dropped afterwards, goes beside the model, which is
    # verified again.
    manifest, pub = sign_with_new_key(model, tmp_path / "admin-keys")
    window.ctx.trust.trust(pub)
    with qtbot.waitSignal(window.drop_import.imported, timeout=WAIT_MS) as blocker:
        assert drop(window, [manifest])
    assert blocker.args[0].status == "verified"
    assert blocker.args[0].path == window.ctx.paths.models / model.name


def test_a_model_signed_by_an_untrusted_key_says_how_to_trust_it(
        qtbot, window, default_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = model_elsewhere(default_model_path, tmp_path / "colleague", manifest=False,
                            name="colleague-model.Q4_1.gguf")
    sign_with_new_key(model, tmp_path / "colleague-keys")
    with qtbot.waitSignal(window.drop_import.imported, timeout=WAIT_MS) as blocker:
        assert drop(window, [model])
    assert blocker.args[0].status == "refused"
    text = window.drop_import.last_box.text()
    assert "does not trust" in text and "autoglm keys trust FILE.pub" in text


def test_other_files_are_not_taken(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model", encoding="utf-8")
    assert not drop(window, [notes])
