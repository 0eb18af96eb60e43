"""Render the main window to PNG: English and Chinese, light and dark, with a real
conversation written by the default model; before it, the first-run view (the welcome)
and a model dropped onto the window being imported, in English and Chinese; after it, a
reply that called a tool (the calculator), its call shown as a block.

    python packaging/screenshots.py [--out build/screenshots] [--readme docs/screenshot.png]
                                    [--tools-only]

With ``--readme``, the English first-run view and the tool call are also copied beside it
(first-run.png, tools.png). ``--tools-only`` renders the tool call alone.

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
FIRST_RUN_LANGUAGES = ("en", "zh_CN")
DROP_SHOT_AT = 0.4  # the drop-import shot is taken once this much of the copy is done
SIZE = (1180, 760)
TOOLS_PROMPT = "What is 17 times 23? Answer with the number."
TOOLS = ["calculator"]


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
    parser.add_argument("--tools-only", action="store_true",
                        help="only the reply that calls a tool")
    args = parser.parse_args()

    from app.catalog.catalog import default_model_path
    from app.config import RESOURCES_DIR
    from app.gui.app import configure_application
    from app.gui.main_window import MainWindow
    from app.gui.qt import QApplication, QTimer
    from app.services.context import open_context

    tmp = tempfile.TemporaryDirectory()
    from tests.keyring_backends import use_folder_keyring

    use_folder_keyring(Path(tmp.name) / "keyring")  # throwaway data: never a real keyring
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
    first_run: list[Path] = []
    state = {"conversation": -1}

    # -- the first-run view and a model dropped onto the window, in each language --------------

    model_file = default_model_path()
    usb = Path(tmp.name) / "usb-stick"
    usb.mkdir()
    shutil.copyfile(model_file, usb / model_file.name)
    manifest = RESOURCES_DIR / "manifests" / (model_file.name + ".manifest.json")
    shutil.copyfile(manifest, usb / manifest.name)

    def first_run_shots(i: int = 0) -> None:
        if i >= len(FIRST_RUN_LANGUAGES):
            window.dismiss_welcome()
            ctx.settings.set("language", "en")
            QTimer.singleShot(300, next_prompt)
            return
        ctx.settings.set("language", FIRST_RUN_LANGUAGES[i])
        QTimer.singleShot(500, lambda: shoot_first_run(i))

    def shoot_first_run(i: int) -> None:
        language = FIRST_RUN_LANGUAGES[i]
        path = args.out / f"first-run-{language}.png"
        window.grab().save(str(path))
        first_run.append(path)
        print(path)
        for stale in (ctx.paths.models / model_file.name, ctx.paths.models / manifest.name):
            stale.unlink(missing_ok=True)  # imported by the previous language's drop
        taken = {"done": False}

        def progress(phase: str, done: int, total: int) -> None:
            if not taken["done"] and phase == "copying" and total and done >= total * DROP_SHOT_AT:
                taken["done"] = True
                shot = args.out / f"drop-import-{language}.png"
                window.grab().save(str(shot))
                written.append(shot)
                print(shot)

        def ended() -> None:
            importer.progress_changed.disconnect(progress)
            importer.ended.disconnect(ended)
            if importer.last_box is not None:
                importer.last_box.reject()
            QTimer.singleShot(200, lambda: first_run_shots(i + 1))

        importer = window.drop_import
        importer.progress_changed.connect(progress)
        importer.ended.connect(ended)
        importer.drop([usb / model_file.name])  # what dropping the file on the window does

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
            tools_scenario()
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

    # -- a reply that calls a tool: ticked in the Tools menu, required, its call shown ---------

    tools_shot: list[Path] = []

    def tools_scenario() -> None:
        ctx.settings.set("language", "en")
        ctx.settings.set("theme", "light")
        window.controller.reply_finished.disconnect(after_reply)
        window.dismiss_welcome()
        window.controller.new_chat()
        QTimer.singleShot(300, tick_tools)

    def tick_tools() -> None:
        chooser = window.controller.tools_chooser
        actions = chooser.actions_by_name() if chooser is not None else {}
        if window.taskman.pending or not all(name in actions for name in TOOLS):
            QTimer.singleShot(200, tick_tools)  # the menu is still being filled
            return
        for name in TOOLS:
            actions[name].trigger()
        if chooser.require_action is not None:
            chooser.require_action.trigger()
        window.controller.reply_finished.connect(tool_replied)
        window.composer.set_text(TOOLS_PROMPT)
        window.composer.submit()

    def tool_replied(_reply: object) -> None:
        window.controller.reply_finished.disconnect(tool_replied)
        settle(save_tools)

    def settle(then: object) -> None:
        if window.taskman.pending:
            QTimer.singleShot(200, lambda: settle(then))
        else:
            QTimer.singleShot(600, then)  # type: ignore[arg-type]

    def save_tools() -> None:
        path = args.out / "tools-en-light.png"
        window.grab().save(str(path))
        tools_shot.append(path)
        print(path)
        window.close()
        app.quit()

    window.controller.reply_finished.connect(after_reply)
    start = tools_scenario if args.tools_only else first_run_shots
    window.model_ready.connect(lambda _m: QTimer.singleShot(0, start))
    window.model_failed.connect(lambda message: (print("model failed:", message), app.quit()))
    QTimer.singleShot(0, window.start)
    app.exec()
    if args.tools_only:
        if not tools_shot:
            return 1
        if args.readme is not None:
            args.readme.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tools_shot[0], args.readme.parent / "tools.png")
            print(args.readme.parent / "tools.png")
        return 0
    main_shots = [w for w in written if w.name.startswith("main-")]
    if len(main_shots) != len(SHOTS) or len(first_run) != len(FIRST_RUN_LANGUAGES) \
            or len(written) != len(SHOTS) + len(FIRST_RUN_LANGUAGES) or not tools_shot:
        return 1
    if args.readme is not None:
        args.readme.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(main_shots[0], args.readme)
        shutil.copyfile(first_run[0], args.readme.parent / "first-run.png")
        shutil.copyfile(tools_shot[0], args.readme.parent / "tools.png")
        print(args.readme, args.readme.parent / "first-run.png", args.readme.parent / "tools.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
