"""Alembic environment for the event log: runs on the connection events.migrate hands over.

It reads no environment variable, no alembic.ini and configures no logging: the caller
(`events.migrate.upgrade`) owns the engine, the transaction and the process's logging.
"""
from alembic import context

from events.migrate import run_environment
from events.tables import metadata

run_environment(context, metadata)
