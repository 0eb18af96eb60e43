"""The Chinese catalogue is complete: every string the sources mark has a translation."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from app.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "packaging"))
import update_translations  # noqa: E402


def test_every_visible_string_has_a_chinese_translation(tmp_path: Path) -> None:
    shipped = REPO_ROOT / "resources" / "i18n" / "autoglm_zh_CN.ts"
    current = tmp_path / shipped.name
    shutil.copyfile(shipped, current)
    update_translations.update(current)  # merges in whatever the sources mark today
    missing = update_translations.untranslated(current)
    assert missing == [], (
        "untranslated strings; run `python packaging/update_translations.py` and translate: "
        + "; ".join(f"[{c}] {s!r}" for c, s in missing)
    )
    assert current.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8"), (
        "resources/i18n/autoglm_zh_CN.ts is out of date: run packaging/update_translations.py"
    )
