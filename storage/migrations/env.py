"""Alembic environment: always run in-process on a connection handed over by storage.schema."""

from __future__ import annotations

from alembic import context

from storage.schema import OUR_SCHEMA

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=OUR_SCHEMA,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy-and-move
)
with context.begin_transaction():
    context.run_migrations()
