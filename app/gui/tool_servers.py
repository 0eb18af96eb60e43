"""The local MCP servers whose tools the model may call, edited as the JSON list the
``mcp_servers`` setting holds; a mistake is named and nothing is saved."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

from app.errors import ConfigError
from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.config import Settings

EXAMPLE = ('[{"name": "notes", "command": "/usr/local/bin/notes-mcp", "args": ["--folder", '
           '"/home/me/notes"], "effects": true, "timeout": 30}]')


class ToolServersDialog(QDialog):
    """Edit the servers; OK saves them when they are right, else says what is wrong."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolServersDialog")
        self.settings = settings
        self.setWindowTitle(self.tr("MCP servers"))
        self.intro = QLabel(self.tr(
            "Programs on this computer whose tools the model may call, started when needed and "
            "spoken to over standard input and output (never over a network). Their tools ask "
            "before each call unless “effects” is false. For example:"))
        self.intro.setWordWrap(True)
        self.example = QLabel(f"<code>{escape(EXAMPLE)}</code>")
        self.example.setWordWrap(True)
        self.editor = QPlainTextEdit(json.dumps(settings.get("mcp_servers") or [], indent=2,
                                                ensure_ascii=False))
        self.editor.setObjectName("toolServersText")
        self.error = QLabel()
        self.error.setObjectName("toolServersError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d1242f;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.intro, self.example, self.editor, self.error, self.buttons):
            layout.addWidget(w)
        self.resize(620, 380)

    def accept(self) -> None:
        from app.services.tools import set_mcp_servers

        text = self.editor.toPlainText().strip() or "[]"
        try:
            servers = json.loads(text)
        except ValueError as exc:
            self.error.setText(self.tr("Not valid JSON: %1").replace("%1", str(exc)))
            return
        try:
            set_mcp_servers(self.settings, servers)
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
