"""Fixtures for the GUI tests: the real main window over a real store in tmp_path, with
the real default model loaded once per session and handed to each window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytestqt", reason="the GUI tests need pytest-qt (make test installs it)")

from gui_helpers import REPLY_TOKENS, WAIT_MS, shared_loader  # noqa: E402

from app.gui.app import GuiSettings, configure_application  # noqa: E402
from app.gui.main_window import MainWindow  # noqa: E402
from app.gui.qt import QApplication  # noqa: E402
from app.services.context import AppContext, open_context  # noqa: E402


@pytest.fixture(scope="session")
def gui_model(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The default model, verified and loaded once for every GUI test."""
    from app.gui.main_window import gui_threads
    from app.services.models import load_model

    ctx = open_context(tmp_path_factory.mktemp("gui-model-data"))
    model = load_model(ctx, n_ctx=2048, threads=gui_threads(ctx))
    yield model
    model.close()


@pytest.fixture
def ctx(isolate: Path) -> AppContext:
    context = open_context()
    context.settings.set("max_tokens", REPLY_TOKENS)
    context.settings.set("seed", 7)
    context.settings.set("language", "en")
    context.settings.set("theme", "light")
    return context


@pytest.fixture
def gui_settings(qapp: QApplication, ctx: AppContext) -> Iterator[GuiSettings]:
    gui = configure_application(qapp, ctx)
    yield gui
    gui.translations.apply("en")  # the QApplication outlives the test


@pytest.fixture
def make_window(qtbot, ctx: AppContext, gui_settings: GuiSettings, gui_model):  # type: ignore[no-untyped-def]
    """Build, show and start main windows; each is stopped and closed after the test."""
    windows: list[MainWindow] = []

    def make(*, wait: bool = True, loader: Callable[..., Any] | None = None,
             auto_title: bool = False, owns_model: bool = False) -> MainWindow:
        window = MainWindow(ctx, model_loader=loader or shared_loader(gui_model),
                            owns_model=owns_model)
        # Titling by the model is the services' feature (and tested there); here it would
        # only add a generation after every first reply.
        window.controller.auto_title = auto_title
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        if wait:
            with qtbot.waitSignals([window.model_ready, window.controller.listed], timeout=WAIT_MS):
                window.start()
        else:
            window.start()
        return window

    yield make
    for window in windows:
        controller = window.controller
        if controller.worker is not None:
            with qtbot.waitSignal(controller.generating_changed, timeout=WAIT_MS):
                controller.stop()
        window._quitting = True
        window.close()


@pytest.fixture
def window(make_window) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window()
