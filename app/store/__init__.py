"""The SQLite store: schema, migrations and the unit of work."""
