"""Refresh resources/i18n/*.ts from the sources (Qt's lupdate) and say what is untranslated.

Run after changing any user-visible string: ``python packaging/update_translations.py``.
Strings come from ``self.tr()`` / ``QCoreApplication.translate()`` in app/gui and from
``N_()`` marks anywhere in app/ (setting titles). Translate new entries with Qt
Linguist (``pyside6-linguist``) or by editing the .ts XML; .qm files are built
from the .ts (``make`` or at start-up), never edited.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"


def lupdate_command() -> list[str]:
    import PySide6

    tool = Path(PySide6.__file__).parent / "lupdate"
    return [str(tool)] if tool.is_file() else [str(Path(sys.executable).parent / "pyside6-lupdate")]


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py"))


def update(ts: Path, *, cwd: Path = ROOT) -> None:
    """Merge the sources' current strings into ``ts`` (new ones are marked unfinished)."""
    language = ts.stem.split("_", 1)[1]
    subprocess.run(
        [*lupdate_command(), *sources(), "-tr-function-alias", "QT_TR_NOOP+=N_",
         "-locations", "none", "-no-obsolete", "-silent", "-source-language", "en",
         "-target-language", language, "-ts", str(ts)],
        check=True, cwd=cwd,
    )


def untranslated(ts: Path) -> list[tuple[str, str]]:
    """(context, source) of every message without a finished translation."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            tr = message.find("translation")
            if tr is None or tr.get("type") in ("unfinished", "obsolete", "vanished") \
                    or not (tr.text or "").strip():
                out.append((name, message.findtext("source") or ""))
    return out


def main() -> int:
    missing_total = 0
    for ts in sorted(I18N.glob("*.ts")):
        update(ts)
        missing = untranslated(ts)
        missing_total += len(missing)
        print(f"{ts.relative_to(ROOT)}: {len(missing)} untranslated")
        for context, source in missing:
            print(f"  [{context}] {source!r}")
    return 1 if missing_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
