"""Start-up checks that run before the GUI imports its heavy dependencies.

A missing or broken PySide6 or llama-cpp-python must produce one readable
message (a dialog when Qt itself works, else a line on stderr), never a
traceback. Nothing here imports Qt at module level: it is what is checked.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass

INSTALL_HINT = (
    "Reinstall the desktop app's dependencies: `pip install 'open-autoglm[gui]'`, "
    "or `make run` in a checkout."
)


@dataclass(frozen=True)
class DependencyProblem:
    package: str
    message: str


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def check_python() -> DependencyProblem | None:
    if sys.version_info < (3, 11):  # noqa: UP036 - a checkout can be run by any python
        found = ".".join(map(str, sys.version_info[:3]))
        return DependencyProblem("python", f"Open-AutoGLM needs Python 3.11 or newer; this is {found}.")
    return None


def check_pyside() -> DependencyProblem | None:
    """Import the Qt modules the GUI uses; any failure (missing, wrong ABI, missing libGL…) is one line."""
    try:
        for name in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"):
            importlib.import_module(name)
    except Exception as exc:  # ImportError, or OSError from a broken shared library
        return DependencyProblem(
            "PySide6",
            f"Open-AutoGLM cannot start: the Qt library PySide6 is missing or broken ({_describe(exc)}). "
            + INSTALL_HINT,
        )
    return None


# The Debian/Ubuntu package of each system library Qt's X11 plugin loads, for the hint.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def missing_libraries(shared_object: str) -> list[str]:
    """The libraries ``shared_object`` needs that the system's loader cannot find
    (``ldd``'s "not found"); [] when there is no ldd to ask."""
    import subprocess

    try:
        out = subprocess.run(["ldd", shared_object], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    missing = []
    for line in out.splitlines():
        name, _, rest = line.strip().partition(" => ")
        if rest.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing


def uses_x11() -> bool:
    """Whether Qt will draw through its X11 (xcb) plugin here."""
    import os

    if not sys.platform.startswith("linux"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":", 1)[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def check_qt_platform() -> DependencyProblem | None:
    """On X11, the system libraries Qt's xcb plugin needs: without them Qt aborts the
    process with its own message; this names the packages to install instead."""
    if not uses_x11():
        return None
    from pathlib import Path

    try:
        import PySide6
    except Exception:  # checked by check_pyside
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        return None
    missing = missing_libraries(str(plugin))
    qpa = plugin.parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"
    if qpa.is_file():
        missing += [m for m in missing_libraries(str(qpa)) if m not in missing]
    if not missing:
        return None
    packages = " ".join(DEBIAN_PACKAGES.get(m, m) for m in missing)
    return DependencyProblem(
        "system libraries",
        f"Open-AutoGLM cannot open its window: system libraries that Qt needs to draw on "
        f"X11 are missing ({', '.join(missing)}). Install them, on Debian or Ubuntu with "
        f"`sudo apt install {packages}`.",
    )


def check_llama_installed() -> DependencyProblem | None:
    """Cheap presence check at start-up; the real import happens off the GUI thread, before use."""
    try:
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError) as exc:
        spec = None
        why = _describe(exc)
    else:
        why = "it is not installed"
    if spec is None:
        return DependencyProblem(
            "llama-cpp-python",
            f"Open-AutoGLM cannot run models: llama-cpp-python is missing ({why}). " + INSTALL_HINT,
        )
    return None


def import_llama() -> None:
    """Load llama.cpp (off the GUI thread); raise EngineError with a readable message if broken."""
    from app.engine import native

    native.llama()


def early_problems() -> list[DependencyProblem]:
    problems = []
    for check in (check_python, check_pyside, check_qt_platform, check_llama_installed):
        problem = check()
        if problem is not None:
            problems.append(problem)
            if problem.package in ("python", "PySide6", "system libraries"):
                break  # nothing after it can be checked meaningfully
    return problems


def report_fatal(message: str, *, dialog: bool = True) -> None:
    """Show ``message`` in a dialog if Qt works, else print it on stderr."""
    if not dialog:
        sys.stderr.write(f"open-autoglm: {message}\n")
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox
    except Exception:
        sys.stderr.write(f"open-autoglm: {message}\n")
        return
    sys.stderr.write(f"open-autoglm: {message}\n")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    box = QMessageBox(QMessageBox.Icon.Critical, "Open-AutoGLM", message)
    if app.platformName() not in ("offscreen", "minimal"):
        box.exec()


def ensure_dependencies() -> None:
    """Run every start-up check; on a problem, say so once and exit with status 1."""
    problems = early_problems()
    if problems:
        # Without its platform's libraries, Qt cannot show a dialog either.
        usable = all(p.package != "system libraries" for p in problems)
        report_fatal("\n\n".join(p.message for p in problems), dialog=usable)
        raise SystemExit(1)
