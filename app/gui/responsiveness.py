"""Measuring how responsive the GUI thread is: a fast timer notes the gaps between its
ticks; a gap much longer than the interval means the event loop was blocked."""

from __future__ import annotations

import time

from app.gui.qt import QObject, Qt, QTimer


class GapMeter(QObject):
    """Ticks every ``interval_ms`` on the GUI thread and records the time between ticks."""

    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gaps_ms: list[float] = []
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._tick()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    @property
    def max_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    def percentile(self, p: float) -> float:
        if not self.gaps_ms:
            return 0.0
        ordered = sorted(self.gaps_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
