"""Run-time hook of the bundle, in place of PyInstaller's own for PySide6: that one imports
QtCore at every start (0.1 s, and every `autoglm` command would pay it) to write a qt.conf.
Qt finds its translations and plugins beside its own library, as in a venv; the plugin
folder is named here as well, as PyInstaller's hook does."""

import os
import sys

os.environ["QT_PLUGIN_PATH"] = os.path.join(sys._MEIPASS, "PySide6", "Qt", "plugins")
