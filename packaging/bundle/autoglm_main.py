"""The bundle's one executable: ``autoglm`` is the command, ``autoglm gui`` the desktop app."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
