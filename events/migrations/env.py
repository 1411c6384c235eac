"""Alembic environment for the event log: runs on the connection events.migrate hands over.

It reads no environment variable, no alembic.ini and configures no logging: the caller
(`events.migrate.upgrade`) owns the engine, the transaction and the process's logging.
"""
from __future__ import annotations

from alembic import context

from events.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    """Emit SQL for the URL in the config (`alembic upgrade --sql`), touching no database."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the connection (already in a transaction) that the caller passed."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with events.migrate.upgrade(engine_or_url), "
                           "which passes its connection in config.attributes['connection']")
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
