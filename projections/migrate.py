"""Schema migrations of the projections' tables."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from events.migrate import upgrade

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_projections"


def upgrade_projections(engine: Engine) -> None:
    """Create or upgrade the projections' tables (after the log's own migrations)."""
    upgrade(engine, location=MIGRATIONS_DIR, version_table=VERSION_TABLE)
