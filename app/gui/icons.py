"""Icons from ``resources/icons/*.svg``, drawn by Qt's SVG engine at whatever DPI the screen has."""

from __future__ import annotations

from functools import cache

from app.config import RESOURCES_DIR
from app.gui.qt import QIcon

ICON_DIR = RESOURCES_DIR / "icons"


@cache
def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
