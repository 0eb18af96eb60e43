"""One picture of the window with a real conversation, then quit: ``autoglm gui
--screenshot PNG --prompt TEXT``, how an installed package shows (offscreen, with
``QT_QPA_PLATFORM=offscreen``) that its window opens, loads the model and answers.

Hidden from ``--help``: it is for installers' checks and documentation, not daily use.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from app.gui.qt import QApplication, QTimer

log = logging.getLogger(__name__)

SETTLE_MS = 400  # the reload, title and list that follow a reply arrive as events


def shoot_after_reply(app: QApplication, window: Any, path: Path, prompt: str) -> None:
    """Once the model is ready, ask ``prompt``; when the reply is in and the window has
    settled, save the window to ``path`` and quit with 0 (1 when anything failed)."""
    done = {"shot": False}

    def finish(code: int) -> None:
        window.close()
        app.exit(code)

    def shoot() -> None:
        if done["shot"]:
            return
        done["shot"] = True
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = window.grab().save(str(path))
        if saved:
            sys.stdout.write(f"SCREENSHOT {path}\n")
            sys.stdout.flush()
        else:
            sys.stderr.write(f"open-autoglm: cannot write the screenshot {path}\n")
        finish(0 if saved else 1)

    def ask(_model: object) -> None:
        if hasattr(window, "dismiss_welcome"):
            window.dismiss_welcome()
        window.composer.set_text(prompt)
        window.composer.submit()

    def replied(reply: object) -> None:
        if reply is None:
            failed("the reply was stopped before it started")
            return
        if window.taskman.pending:
            window.taskman.drained.connect(lambda: QTimer.singleShot(SETTLE_MS, shoot))
        else:
            QTimer.singleShot(SETTLE_MS, shoot)

    def failed(message: str) -> None:
        sys.stderr.write(f"open-autoglm: no screenshot: {message}\n")
        finish(1)

    window.model_ready.connect(ask)
    window.model_failed.connect(failed)
    window.controller.reply_finished.connect(replied)
    window.controller.reply_failed.connect(failed)
