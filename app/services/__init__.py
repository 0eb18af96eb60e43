"""The one core API that the GUI, the CLI and the HTTP API all call."""
