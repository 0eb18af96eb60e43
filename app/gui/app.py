"""The application: command line, logging, translations and theme, then the main window.

The window is shown before anything slow happens; the store opens and the
model loads in the background once the event loop runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.gui.errors import setup_logging
from app.gui.i18n import Translations
from app.gui.icons import icon
from app.gui.qt import QApplication, QObject, Qt, QTimer, Signal
from app.gui.theme import apply_theme

log = logging.getLogger(__name__)

# Set by bench/startup.py: print when the window is up and the event loop runs, then (if
# "exit") quit.
STARTUP_PROBE_ENV = "AUTOGLM_STARTUP_PROBE"


class GuiSettings(QObject):
    """Applies the language and theme settings, now and whenever they change (on any thread)."""

    changed = Signal(str, object)

    def __init__(self, app: QApplication, ctx: Any) -> None:
        super().__init__()
        self.app = app
        self.ctx = ctx
        self.translations = Translations(cache_dir=ctx.paths.cache)
        self.language = self.translations.apply(str(ctx.settings.get("language")))
        self.theme = apply_theme(app, str(ctx.settings.get("theme")))
        self.changed.connect(self._apply, Qt.ConnectionType.QueuedConnection)
        ctx.settings.on_change(lambda name, value: self.changed.emit(name, value))

    def _apply(self, name: str, value: object) -> None:
        if name == "language":
            self.language = self.translations.apply(str(value))
        elif name == "theme":
            self.theme = apply_theme(self.app, str(value))


def configure_application(app: QApplication, ctx: Any) -> GuiSettings:
    app.setApplicationName("Open-AutoGLM")
    app.setOrganizationName("Open-AutoGLM")
    app.setDesktopFileName("open-autoglm")
    app.setWindowIcon(icon("app"))
    return GuiSettings(app, ctx)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autoglm-gui", description="The Open-AutoGLM desktop app.")
    parser.add_argument("--data-dir", help="keep all state in this folder (or set AUTOGLM_DATA_DIR)")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    # An installer's check (app.gui.screenshot): ask --prompt, save the window, quit.
    parser.add_argument("--screenshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prompt", default="Say hello in one short sentence.",
                        help=argparse.SUPPRESS)
    args, _qt_args = parser.parse_known_args(list(argv))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    t0 = time.perf_counter()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    from app.services.context import open_context

    ctx = open_context(args.data_dir)
    log_file = setup_logging(Path(ctx.paths.logs), logging.DEBUG if args.debug else logging.INFO)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    gui = configure_application(app, ctx)
    from app.gui.policy_gate import check_policy_at_start

    refused = check_policy_at_start(ctx)  # before the window: a bad policy stops the app
    if refused is not None:
        return refused

    from app.gui.main_window import MainWindow

    window = MainWindow(ctx, log_file=log_file)
    window.errors.install_hooks()
    window.gui_settings = gui
    window.show()
    if args.screenshot is not None:
        from app.gui.screenshot import shoot_after_reply

        shoot_after_reply(app, window, args.screenshot.resolve(), args.prompt)
    QTimer.singleShot(0, window.start)
    probe = os.environ.get(STARTUP_PROBE_ENV)
    if probe:
        def report() -> None:
            # The event loop is running and the window is exposed: it takes input now.
            sys.stdout.write(f"STARTUP_READY in_process_s={time.perf_counter() - t0:.3f} "
                             f"visible={int(window.isVisible())}\n")
            sys.stdout.flush()
            window.model_ready.connect(lambda _m: sys.stdout.write(
                f"MODEL_READY in_process_s={time.perf_counter() - t0:.3f}\n") and sys.stdout.flush())
            if probe == "exit":
                window.model_ready.connect(lambda _m: QTimer.singleShot(0, window.close))
                window.model_failed.connect(lambda _m: QTimer.singleShot(0, window.close))

        QTimer.singleShot(0, report)
    log.info("desktop app started with data in %s", ctx.paths.data)
    return int(app.exec())
