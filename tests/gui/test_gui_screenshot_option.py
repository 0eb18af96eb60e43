"""`autoglm gui --screenshot PNG --prompt TEXT` (here through `python -m app.gui`): the
window opens offscreen, the default model answers the prompt, the window with that
conversation is saved and the app quits (how `make package-test` shows the installed
desktop app works)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.gui.qt import QImage

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gui_screenshot_option_saves_the_window_with_a_real_answer_and_quits(
        isolate: Path, tmp_path: Path) -> None:
    settings = isolate / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"max_tokens": 12, "seed": 5, "language": "en"}))
    shot = tmp_path / "shots" / "window.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "app.gui", "--screenshot", str(shot),
         "--prompt", "Name one colour of the sky."],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"SCREENSHOT {shot}" in done.stdout
    image = QImage(str(shot))
    assert image.width() > 400 and image.height() > 300

    from app.services.context import open_context
    from app.services.conversations import open_conversations

    convs = open_conversations(open_context())
    try:
        [summary] = convs.list()
        messages = convs.get(summary.id).messages
        assert [m.role for m in messages][-2:] == ["user", "assistant"]
        assert messages[-2].content == "Name one colour of the sky."
        assert messages[-1].content.strip()
    finally:
        convs.close()
