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
    for check in (check_python, check_pyside, check_llama_installed):
        problem = check()
        if problem is not None:
            problems.append(problem)
            if problem.package in ("python", "PySide6"):
                break  # nothing after it can be checked meaningfully
    return problems


def report_fatal(message: str) -> None:
    """Show ``message`` in a dialog if Qt works, else print it on stderr."""
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
        report_fatal("\n\n".join(p.message for p in problems))
        raise SystemExit(1)
