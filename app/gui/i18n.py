"""Which language the GUI speaks: resolving the setting, building the .qm catalogue
from its .ts source when missing, and installing Qt translators at run time.

Switching takes effect at once: installing a translator sends every widget a
LanguageChange event and each widget re-reads its strings in ``retranslate()``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from app.config import RESOURCES_DIR
from app.gui.qt import PYSIDE_DIR, QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = RESOURCES_DIR / "i18n"
CATALOGUE = "autoglm"
LANGUAGES = ("en", "zh_CN")


def resolve_language(setting: str) -> str:
    """The language to show for the ``language`` setting ("system" follows the OS locale)."""
    if setting in LANGUAGES:
        return setting
    name = QLocale.system().name()  # e.g. zh_CN, zh_TW, en_US
    if name.startswith("zh"):
        return "zh_CN"
    return "en"


def lrelease_command() -> list[str] | None:
    """How to run Qt's lrelease from this environment, if it is there."""
    tool = PYSIDE_DIR / ("lrelease.exe" if os.name == "nt" else "lrelease")
    if tool.is_file():
        return [str(tool)]
    script = Path(sys.executable).parent / "pyside6-lrelease"
    return [str(script)] if script.is_file() else None


def compile_catalogue(ts: Path, qm: Path) -> bool:
    cmd = lrelease_command()
    if cmd is None:
        log.warning("cannot build %s: Qt's lrelease is not installed", qm.name)
        return False
    qm.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([*cmd, "-silent", str(ts), "-qm", str(qm)], check=True,
                       capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("cannot build %s from %s: %s", qm.name, ts.name, exc)
        return False
    return qm.is_file()


def catalogue_path(language: str, cache_dir: Path | None = None) -> Path | None:
    """The compiled catalogue for ``language``, built from its .ts source if missing or stale.

    Built beside the source (``make`` does this too); where that folder is
    read-only, in ``cache_dir``.
    """
    ts = I18N_DIR / f"{CATALOGUE}_{language}.ts"
    if not ts.is_file():
        return None
    candidates = [ts.with_suffix(".qm")]
    if cache_dir is not None:
        candidates.append(cache_dir / "i18n" / ts.with_suffix(".qm").name)
    ts_mtime = ts.stat().st_mtime
    for qm in candidates:
        if qm.is_file() and qm.stat().st_mtime >= ts_mtime:
            return qm
    for qm in candidates:
        if os.access(qm.parent if qm.parent.exists() else qm.parent.parent, os.W_OK) \
                and compile_catalogue(ts, qm):
            return qm
    return None


class Translations:
    """The translators installed on the application; ``apply`` swaps them."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.language = "en"
        self._installed: list[QTranslator] = []

    def apply(self, setting: str) -> str:
        """Install the translators for the ``language`` setting; returns the language shown."""
        language = resolve_language(setting)
        app = QCoreApplication.instance()
        for tr in self._installed:
            app.removeTranslator(tr)
        self._installed.clear()
        if language != "en":
            qm = catalogue_path(language, self.cache_dir)
            app_tr = QTranslator()
            if qm is not None and app_tr.load(str(qm)):
                self._installed.append(app_tr)
            else:
                log.warning("no %s translation available; showing English", language)
            qt_tr = QTranslator()  # Qt's own strings: standard buttons, file dialogs
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt_tr.load(f"qtbase_{language}", qt_dir):
                self._installed.append(qt_tr)
            for tr in self._installed:
                app.installTranslator(tr)
        self.language = language if self._installed or language == "en" else "en"
        QLocale.setDefault(QLocale(self.language))
        return self.language
