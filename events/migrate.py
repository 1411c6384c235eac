"""Schema migrations of the log, run in-process with Alembic (no alembic.ini at run time)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import URL, Connection, Engine, create_engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed number will do: it only has to be the same for every process that migrates.
_POSTGRES_MIGRATION_LOCK = 0x6A6F75726E6579  # "journey"


def alembic_config(connection: Connection | None = None, *, location: Path = MIGRATIONS_DIR,
                   version_table: str = "alembic_version") -> AlembicConfig:
    """An Alembic config pointing at packaged migrations, optionally bound to a connection.

    The log and the projections each have their own migrations and version table, so the
    log's schema never depends on the read models built on top of it.
    """
    config = AlembicConfig()
    # ConfigParser interpolation: a '%' in the install path must be doubled.
    config.set_main_option("script_location", str(location).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["version_table"] = version_table
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine_or_url: Engine | URL | str, revision: str = "head", *,
            location: Path = MIGRATIONS_DIR, version_table: str = "alembic_version") -> None:
    """Bring the database's schema up to `revision`; a database already there is left alone."""
    owned = not isinstance(engine_or_url, Engine)
    engine = create_engine(engine_or_url) if owned else engine_or_url
    try:
        with engine.connect() as connection, connection.begin():
            _serialise_migrations(connection)
            config = alembic_config(connection, location=location, version_table=version_table)
            command.upgrade(config, revision)
    finally:
        if owned:
            engine.dispose()


def run_environment(context, metadata) -> None:
    """The body of an env.py: migrate through the caller's connection, or emit SQL offline."""
    config = context.config
    version_table = config.attributes.get("version_table", "alembic_version")
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                          literal_binds=True, dialect_opts={"paramstyle": "named"},
                          version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with events.migrate.upgrade(engine_or_url), "
                           "which passes its connection in config.attributes['connection']")
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=version_table)
    with context.begin_transaction():
        context.run_migrations()


def _serialise_migrations(connection: Connection) -> None:
    """Make two processes migrating at once (web and worker starting together) take turns."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Held until the migration commits; PostgreSQL's DDL is transactional, so the
        # second process then sees the new alembic_version and does nothing.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": _POSTGRES_MIGRATION_LOCK})
    elif dialect == "sqlite":
        # pysqlite begins transactions lazily (and never before DDL); take the write lock
        # now so the version check and the CREATEs happen in one serialised transaction.
        # An engine whose own "begin" hook already opened a transaction keeps it.
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
