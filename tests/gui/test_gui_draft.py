"""Speculative decoding from the GUI: chosen in Settings → Models, the draft model
loaded with the chat model and named in the status bar, or the reason it is not."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import send_and_wait

from app.gui.qt import QDialogButtonBox, Qt
from app.gui.settings_dialog import SettingsDialog


def test_a_draft_model_chosen_in_settings_is_loaded_and_named_in_the_status_bar(
        qtbot, make_window, ctx, default_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.gui.main_window import default_loader

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    mode = dialog.editor("speculative")
    mode.setCurrentIndex(mode.findData("model"))
    assert mode.currentText() == "With the draft model"
    dialog.editor("draft_model").setText(str(default_model_path))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert ctx.settings.get("speculative") == "model"

    window = make_window(loader=default_loader(ctx), owns_model=True)  # the app's own loading
    assert window.model.draft_name == default_model_path.name
    assert f"draft model {default_model_path.name}" in window.status.backend_label.text()
    reply = send_and_wait(qtbot, window, "Say hello to the analysts.")
    assert reply.stats.drafted_tokens > 0


def test_a_draft_model_that_is_not_set_is_shown_with_the_reason(
        qtbot, make_window, ctx) -> None:  # type: ignore[no-untyped-def]
    from app.gui.main_window import default_loader

    ctx.settings.set("speculative", "model")
    window = make_window(loader=default_loader(ctx), owns_model=True)
    assert "no draft model" in window.status.backend_label.text()
    assert "no draft model is set" in window.status.backend_label.toolTip()
