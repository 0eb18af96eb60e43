"""The window never freezes: while a reply streams, the event loop keeps turning."""

from __future__ import annotations

import pytest
from gui_helpers import WAIT_MS, send

from app.gui.responsiveness import GapMeter

pytestmark = pytest.mark.slow


def test_no_event_loop_gap_over_100ms_while_a_reply_streams(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set("max_tokens", 48)
    meter = GapMeter(interval_ms=5)
    tokens: list[str] = []
    meter.start()
    send(qtbot, window, "Write a short paragraph about rivers, with a list of three facts.")
    window.controller.worker.token.connect(tokens.append)
    with qtbot.waitSignals([window.controller.reply_finished, window.taskman.drained],
                           timeout=WAIT_MS):
        pass
    meter.stop()
    assert len(tokens) > 10, "a reply streamed"
    assert len(meter.gaps_ms) > 50
    assert meter.max_ms < 100, (
        f"the event loop stalled for {meter.max_ms:.0f} ms "
        f"(p99 {meter.percentile(99):.1f} ms over {len(meter.gaps_ms)} ticks)"
    )
