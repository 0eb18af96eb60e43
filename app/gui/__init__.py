"""The Qt desktop app; the only layer that imports PySide6 (through app.gui.qt).

This package's own module stays free of Qt so that ``main`` can check the
dependencies before anything imports them.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Start the desktop app (``python -m app.gui``, ``autoglm-gui``)."""
    from app.gui.earlyinit import ensure_dependencies

    ensure_dependencies()
    from app.gui.app import main as run

    return run(argv)
