"""Render the main window to PNG: English and Chinese, light and dark, with a real
conversation written by the default model.

    python packaging/screenshots.py [--out build/screenshots] [--readme docs/screenshot.png]

Runs offscreen (no display needed). Chinese needs a CJK font on the machine
(Debian/Ubuntu: fonts-noto-cjk or fonts-wqy-microhei); without one the Chinese
shots show boxes, and the script says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Earlier chats fill the list; the last one is shown. Each is asked in a new conversation.
CONVERSATIONS = [
    ["What is a good name for a quarterly sales report?"],
    ["Give me two tips for a budget meeting."],
    [
        "Give me three tips for writing a clear analysis report, as a Markdown list.",
        "Now show a short Python function that computes the average of a list.",
    ],
]
SHOTS = [("en", "light"), ("en", "dark"), ("zh_CN", "light"), ("zh_CN", "dark")]
SIZE = (1180, 760)


def has_cjk_font() -> bool:
    from app.gui.qt import QFontDatabase

    return any(QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(f)
               for f in QFontDatabase.families())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--readme", type=Path, default=None,
                        help="also copy the English light shot here (e.g. docs/screenshot.png)")
    parser.add_argument("--tokens", type=int, default=120)
    args = parser.parse_args()

    from app.gui.app import configure_application
    from app.gui.main_window import MainWindow
    from app.gui.qt import QApplication, QTimer
    from app.services.context import open_context

    tmp = tempfile.TemporaryDirectory()
    ctx = open_context(tmp.name)
    for name, value in (("max_tokens", args.tokens), ("seed", 11), ("temperature", 0.2),
                        ("language", "en"), ("theme", "light")):
        ctx.settings.set(name, value)
    app = QApplication([sys.argv[0]])
    configure_application(app, ctx)
    if not has_cjk_font():
        print("warning: no font with Chinese glyphs; install fonts-noto-cjk or fonts-wqy-microhei",
              file=sys.stderr)
    window = MainWindow(ctx)
    window.resize(*SIZE)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    queue = [(i, prompt) for i, prompts in enumerate(CONVERSATIONS) for prompt in prompts]
    written: list[Path] = []
    state = {"conversation": -1}

    def next_prompt() -> None:
        if not queue:
            # Let the last reload, the titles and the list settle, then take the shots.
            QTimer.singleShot(600, lambda: shoot(0))
            return
        index, prompt = queue.pop(0)
        if index != state["conversation"]:
            state["conversation"] = index
            window.controller.new_chat()
        window.composer.set_text(prompt)
        window.composer.submit()

    def after_reply(_reply: object) -> None:
        # Wait for the window's own follow-up work (reload, list, title) before going on.
        if window.taskman.pending:
            window.taskman.drained.connect(proceed)
        else:
            QTimer.singleShot(0, next_prompt)

    def proceed() -> None:
        window.taskman.drained.disconnect(proceed)
        QTimer.singleShot(0, next_prompt)

    def shoot(i: int) -> None:
        if i >= len(SHOTS):
            window.close()
            app.quit()
            return
        language, theme = SHOTS[i]
        ctx.settings.set("language", language)
        ctx.settings.set("theme", theme)
        # The new strings, palette and re-laid-out messages arrive as events: let them land.
        QTimer.singleShot(500, lambda: save(i))

    def save(i: int) -> None:
        language, theme = SHOTS[i]
        path = args.out / f"main-{language}-{theme}.png"
        window.grab().save(str(path))
        written.append(path)
        print(path)
        shoot(i + 1)

    window.controller.reply_finished.connect(after_reply)
    window.model_ready.connect(lambda _m: QTimer.singleShot(0, next_prompt))
    window.model_failed.connect(lambda message: (print("model failed:", message), app.quit()))
    QTimer.singleShot(0, window.start)
    app.exec()
    if len(written) != len(SHOTS):
        return 1
    if args.readme is not None:
        args.readme.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(written[0], args.readme)
        print(args.readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
