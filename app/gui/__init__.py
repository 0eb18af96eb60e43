"""The Qt desktop app; the only layer that imports PySide6 (through app.gui.qt)."""
