"""``python -m app.gui`` starts the desktop app."""

from app.gui import main

raise SystemExit(main())
