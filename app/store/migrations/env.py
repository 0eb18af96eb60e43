"""Alembic's entry point: runs the revisions on the connection app.store.migrate hands it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import context

from app.store.db import create_db_engine
from app.store.migrate import include_object
from app.store.schema import Base


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    options: dict[str, Any] = {
        "target_metadata": Base.metadata,
        # SQLite alters most things by copying the table; batch mode does that for us.
        "render_as_batch": True,
        # Run every pending revision in one transaction: SQLite's DDL is
        # transactional, so a failure half-way leaves the old schema as it was.
        "transactional_ddl": True,
        "transaction_per_migration": False,
        "include_object": include_object,
    }
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    # Developer use (`alembic revision --autogenerate`): a database path in the config.
    engine = create_db_engine(Path(config.get_main_option("database_path") or "dev.sqlite3"))
    with engine.begin() as conn:
        context.configure(connection=conn, **options)
        context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run()
