"""How smooth the desktop window stays while replies stream: event-loop gaps.

Starts the real main window (offscreen unless a display is set) on the default
model, sends a few prompts and, while each reply streams, ticks a 5 ms timer on
the GUI thread; a gap much longer than 5 ms is time the window could not react.
Prints a table and a final ``RESULT`` line. Targets: p99 < 16 ms, max < 50 ms.

    python bench/ui.py [--runs 3] [--tokens 128]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROMPTS = [
    "Write a short essay about rivers, with a Markdown list of facts and a table.",
    "Explain how a lighthouse works, step by step, with a code block showing a timer.",
    "Describe a city market in the morning, in several paragraphs.",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()

    from app.gui.app import configure_application
    from app.gui.main_window import MainWindow
    from app.gui.qt import QApplication, QTimer
    from app.gui.responsiveness import GapMeter
    from app.services.context import open_context

    tmp = tempfile.TemporaryDirectory()
    from tests.keyring_backends import use_folder_keyring

    use_folder_keyring(Path(tmp.name) / "keyring")  # throwaway data: never a real keyring
    ctx = open_context(tmp.name)
    ctx.settings.set("max_tokens", args.tokens)
    ctx.settings.set("language", "en")
    app = QApplication([sys.argv[0]])
    configure_application(app, ctx)
    window = MainWindow(ctx)
    window.resize(1100, 720)
    window.show()
    meter = GapMeter(5)
    rows: list[tuple[int, int, float, float, float, float]] = []
    all_gaps: list[float] = []
    state: dict[str, object] = {"run": 0, "tokens": 0, "idle": 0.0, "threads": "?", "backend": "?"}

    def next_run() -> None:
        if state["run"] >= args.runs:
            window.close()
            app.quit()
            return
        state["tokens"] = 0
        meter.start()
        window.controller.new_chat()
        window.composer.set_text(PROMPTS[state["run"] % len(PROMPTS)])
        window.composer.submit()
        window.controller.worker.token.connect(count_token)

    def count_token(_piece: str) -> None:
        state["tokens"] += 1

    def finished(reply: object) -> None:
        # Let the reload after the reply (part of what the user sees) land before stopping.
        QTimer.singleShot(200, lambda: record(reply))

    def record(reply: object) -> None:
        meter.stop()
        gaps = list(meter.gaps_ms)
        all_gaps.extend(gaps)
        stats = getattr(reply, "stats", None)
        rows.append((state["run"] + 1, state["tokens"], getattr(stats, "decode_tokens_per_s", 0.0),
                     percentile(gaps, 50), percentile(gaps, 99), max(gaps, default=0.0)))
        state["run"] += 1
        QTimer.singleShot(0, next_run)

    def idle_then_start(model: object) -> None:
        plan = getattr(model, "plan", None)
        state["threads"] = getattr(plan, "n_threads", "?")
        state["backend"] = getattr(getattr(plan, "backend", None), "name", "?")
        meter.start()  # a second of the idle window: the platform's own timer jitter

        def idle_done() -> None:
            meter.stop()
            state["idle"] = percentile(meter.gaps_ms, 99)
            next_run()

        QTimer.singleShot(1000, idle_done)

    window.controller.reply_finished.connect(finished)
    window.model_ready.connect(idle_then_start)
    window.model_failed.connect(lambda message: (print("model failed:", message), app.quit()))
    QTimer.singleShot(0, window.start)
    t0 = time.perf_counter()
    app.exec()
    elapsed = time.perf_counter() - t0

    print(f"platform: {app.platformName()}; {state['backend']}, {state['threads']} decode threads; "
          f"idle p99 gap {state['idle']:.1f} ms; {elapsed:.1f} s in all")
    print(f"{'run':>3} {'tokens':>6} {'tok/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for run, tokens, tps, p50, p99, mx in rows:
        print(f"{run:>3} {tokens:>6} {tps:>7.1f} {p50:>7.1f} {p99:>7.1f} {mx:>7.1f}")
    if not rows:
        return 1
    print(f"RESULT ui_gap_p99_ms={percentile(all_gaps, 99):.1f} ui_gap_max_ms={max(all_gaps):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
