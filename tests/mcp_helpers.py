"""A tiny MCP server for tests, a real program spoken to over stdio: it keeps notes in a
file (so a test can see whether it was called), and has a tool that hangs and one that
makes the server die mid-call."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

NOTES_SERVER = '''
import os, sys, time
from pathlib import Path
from typing import Annotated

from pydantic import Field
from mcp.server.mcpserver import MCPServer

folder = Path(sys.argv[1])
with (folder / "started").open("a") as f:
    f.write("started\\n")
app = MCPServer("notes")


@app.tool()
def add_note(text: Annotated[str, Field(min_length=1, max_length=24)]) -> str:
    """Save a short note for the user."""
    with (folder / "notes.txt").open("a", encoding="utf-8") as f:
        f.write(text + "\\n")
    return f"Saved the note: {text}"


@app.tool()
def hang() -> str:
    """Never answers in time."""
    time.sleep(60)
    return "too late"


@app.tool()
def crash() -> str:
    """Ends the server mid-call."""
    os._exit(3)


app.run()
'''


def notes_server(folder: Path, name: str = "notes", **config: Any) -> dict[str, Any]:
    """The ``mcp_servers`` entry that starts the notes server, writing into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "notes_server.py"
    script.write_text(NOTES_SERVER, encoding="utf-8")
    return {"name": name, "command": sys.executable, "args": [str(script), str(folder)], **config}


def notes(folder: Path) -> list[str]:
    path = folder / "notes.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def starts(folder: Path) -> int:
    path = folder / "started"
    return len(path.read_text().splitlines()) if path.exists() else 0
