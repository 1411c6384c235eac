"""Alembic environment for the projections' tables (their own version table)."""
from alembic import context

from events.migrate import run_environment
from projections.tables import metadata

run_environment(context, metadata)
