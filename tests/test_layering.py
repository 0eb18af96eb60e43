"""Layering: nothing outside app.gui needs Qt. Every other module of ``app`` imports in a
fresh interpreter where PySide6 cannot be imported at all."""

from __future__ import annotations

import subprocess
import sys

from app.config import REPO_ROOT

CHECK = r"""
import importlib, importlib.abc, pkgutil, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
            raise ImportError(f"{name} is blocked: only app.gui may import Qt")

sys.meta_path.insert(0, NoQt())
import app

failed, count = [], 0
for info in pkgutil.walk_packages(app.__path__, "app."):
    name = info.name
    if name == "app.gui" or name.startswith("app.gui.") or name == "app.__main__":
        continue
    if ".migrations." in name:  # Alembic scripts run inside a migration, not on import
        continue
    count += 1
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
assert not any(m == "PySide6" or m.startswith("PySide6.") for m in sys.modules), "Qt was imported"
print(f"imported {count} modules")
if failed:
    print("\n".join(failed))
    sys.exit(1)
"""


def test_every_non_gui_module_imports_with_pyside6_blocked() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    count = int(result.stdout.split()[1])
    assert count > 30, result.stdout  # the whole of app, not an empty walk


def test_only_app_gui_qt_imports_the_binding() -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "app").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(REPO_ROOT).as_posix()
        if rel in ("app/gui/qt.py", "app/gui/earlyinit.py"):
            continue  # qt.py is the door; earlyinit checks that the binding imports at all
        if "from PySide6" in text or "import PySide6" in text:
            offenders.append(rel)
    assert offenders == []
