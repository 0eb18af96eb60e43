"""Start-up checks, errors reaching the user, settings, shortcuts and remembered state."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from gui_helpers import WAIT_MS

from app.config import REPO_ROOT
from app.gui.errors import ErrorPresenter, setup_logging
from app.gui.qt import QAbstractButton, QApplication, QDialogButtonBox, QLabel, QLineEdit, Qt
from tests.policy_helpers import write_policy

BLOCK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ImportError("No module named " + repr(name))
sys.meta_path.insert(0, Block())
from app.gui import main
main([])
"""


def run_blocked(module: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
           "AUTOGLM_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", BLOCK.format(name=module)], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_a_missing_pyside6_is_one_readable_line(tmp_path: Path) -> None:
    result = run_blocked("PySide6", tmp_path)
    assert result.returncode == 1
    assert "the Qt library PySide6 is missing or broken" in result.stderr
    assert "pip install 'open-autoglm[gui]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_llama_cpp_python_is_one_readable_message(tmp_path: Path) -> None:
    result = run_blocked("llama_cpp", tmp_path)
    assert result.returncode == 1
    assert "llama-cpp-python is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_unhandled_exceptions_in_any_thread_are_logged_and_shown(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log_file = setup_logging(tmp_path / "logs")
    presenter = ErrorPresenter(None, log_file)
    presenter.install_hooks()
    try:
        def crash() -> None:
            raise RuntimeError("engine exploded")

        worker = threading.Thread(target=crash, name="crashing-worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: presenter.last_dialog is not None, timeout=WAIT_MS)
        dialog = presenter.last_dialog
        assert "Something went wrong: engine exploded" in dialog.message_label.text()
        assert "Traceback" in dialog.details and "RuntimeError" in dialog.details

        try:
            raise ValueError("bad slot")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # what Qt calls for an exception in a slot
        assert "bad slot" in presenter.last_dialog.message_label.text()
        qtbot.mouseClick(presenter.last_dialog.copy_button, Qt.MouseButton.LeftButton)
        assert "ValueError: bad slot" in QApplication.clipboard().text()
    finally:
        presenter.uninstall_hooks()
        for d in list(presenter.dialogs):
            d.close()
    logged = log_file.read_text(encoding="utf-8")
    assert "crashing-worker" in logged and "engine exploded" in logged and "Traceback" in logged


def test_settings_are_persisted_and_applied(qtbot, window, ctx) -> None:  # type: ignore[no-untyped-def]
    window.settings_action.trigger()
    dialog = window.settings_dialog
    dialog.editor("temperature").setValue(1.3)
    dialog.editor("system_prompt").setPlainText("You are a terse analyst.")
    overflow = dialog.editor("context_overflow")
    overflow.setCurrentIndex(overflow.findData("drop_oldest"))
    theme = dialog.editor("theme")
    theme.setCurrentIndex(theme.findData("dark"))
    assert dialog.data_dir.isReadOnly() and dialog.data_dir.text() == str(ctx.paths.data)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    saved = json.loads(ctx.settings.path.read_text(encoding="utf-8"))
    assert saved["temperature"] == pytest.approx(1.3)
    assert saved["system_prompt"] == "You are a terse analyst."
    assert saved["context_overflow"] == "drop_oldest" and saved["theme"] == "dark"
    qtbot.waitUntil(lambda: QApplication.instance().property("autoglm_theme") == "dark",
                    timeout=WAIT_MS)
    ctx.settings.set("theme", "light")


def test_a_setting_locked_by_policy_is_shown_locked_and_not_saved(
        qtbot, window, ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ctx.settings.set("allow_unsigned", True)  # set before the administrator said no
    policy = tmp_path / "policy.json"
    write_policy(policy, {"allow_unsigned_models": False})
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(policy))
    window.settings_action.trigger()
    dialog = window.settings_dialog
    box = dialog.editor("allow_unsigned")
    assert not box.isEnabled() and not box.isChecked()
    assert str(policy) in box.toolTip() and "policy" in box.toolTip()
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is box]
    assert labels == ["Allow unsigned models (locked by policy)"]
    dialog.editor("temperature").setValue(0.9)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    saved = json.loads(ctx.settings.path.read_text(encoding="utf-8"))
    assert saved["temperature"] == pytest.approx(0.9)  # the rest of the dialog still saves
    assert saved["allow_unsigned"] is True  # untouched: the policy, not the dialog, refuses it
    monkeypatch.delenv("AUTOGLM_POLICY_FILE")
    window.settings_action.trigger()  # without the policy the setting is the user's again
    assert window.settings_dialog.editor("allow_unsigned").isEnabled()
    window.settings_dialog.reject()


def test_shortcuts_reach_their_targets(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.conversation_list.search.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.composer.edit.hasFocus()
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    assert window.stop_action.shortcut().toString() == "Esc"
    assert not window.stop_action.isEnabled()  # only while a reply is written


def test_every_control_has_an_accessible_name(window) -> None:  # type: ignore[no-untyped-def]
    def qt_internal(b: QAbstractButton) -> bool:  # a line edit's clear button, menu overflow
        return b.objectName().startswith("qt_") or isinstance(b.parent(), QLineEdit)

    unnamed = [b.objectName() for b in window.findChildren(QAbstractButton)
               if not (b.accessibleName() or b.text().strip()) and not qt_internal(b)]
    assert unnamed == []
    assert window.composer.edit.accessibleName() == "Message"
    assert window.conversation_list.list.accessibleName() == "Conversations"


def test_window_geometry_and_splitter_are_remembered(qtbot, make_window, ctx) -> None:  # type: ignore[no-untyped-def]
    first = make_window()
    first.resize(760, 560)  # the offscreen screen is 800 x 800
    first.splitter.setSizes([330, 570])
    sizes = first.splitter.sizes()
    first.close()
    assert (ctx.paths.config / "window-state.ini").exists()
    assert "window-state" not in ctx.settings.path.read_text(encoding="utf-8")
    second = make_window()
    assert (second.width(), second.height()) == (760, 560)
    assert second.splitter.sizes() == sizes


def test_translation_catalogue_is_built_when_missing(tmp_path: Path) -> None:
    from app.gui import i18n

    qm = tmp_path / "cache" / "i18n" / "autoglm_zh_CN.qm"
    start = time.perf_counter()
    assert i18n.compile_catalogue(i18n.I18N_DIR / "autoglm_zh_CN.ts", qm)
    assert qm.stat().st_size > 1000 and time.perf_counter() - start < 30


def test_streaming_many_tokens_through_signals_leaves_true_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    # PySide6 6.12.0's emit() gives back a reference to True it never took; app.gui.qt
    # compensates, or a long reply would abort the process.
    from app.gui.taskman import Worker

    worker = Worker()
    received: list[str] = []
    worker.token.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(20_000):
        worker.token.emit("x")
    assert len(received) == 20_000
    assert abs(sys.getrefcount(True) - before) < 10
