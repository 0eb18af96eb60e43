"""Alembic migrations of the store; run by app.store.migrate, never by hand in production."""
