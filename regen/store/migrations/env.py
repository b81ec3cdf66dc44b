"""Alembic environment: runs on the connection :func:`regen.store.migrate.upgrade` passes in."""

from __future__ import annotations

from alembic import context

from regen.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached through the alembic command line
    from regen.store.engine import make_engine

    connection = make_engine(context.config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
