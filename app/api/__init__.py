"""The OpenAI-compatible HTTP API over the services core."""
