"""Opening a log that `journey init` prepared, and saying so plainly when it did not."""
from __future__ import annotations

from sqlalchemy import Engine, inspect

from events.instance import InstanceMissing
from events.log import Log, open_log
from events.sql import make_engine, missing_sqlite_file
from events.tables import events, log_head
from journey.config import Config


class NotInitialised(Exception):
    """No instance directory, or a database without the log's tables: run `journey init`."""


def missing_tables(engine: Engine) -> list[str]:
    """The log's tables that the database does not have."""
    tables = inspect(engine)
    return [t.name for t in (events, log_head) if not tables.has_table(t.name)]


def database_ready(database_url: str) -> bool:
    """Whether the database holds the log's tables (a missing SQLite file is not created)."""
    if missing_sqlite_file(database_url):
        return False
    engine = make_engine(database_url)
    try:
        return not missing_tables(engine)
    finally:
        engine.dispose()


def open_ready_log(config: Config) -> Log:
    """open_log, refusing (NotInitialised) an instance or database `journey init` never made."""
    missing = missing_sqlite_file(config.database_url)
    if missing:
        # Connecting would create an empty file; say what is missing instead.
        raise NotInitialised(f"there is no database at {missing}")
    try:
        log = open_log(config)
    except InstanceMissing as exc:
        raise NotInitialised(str(exc)) from None
    try:
        absent = missing_tables(log.recorder.engine)
    except BaseException:
        log.close()
        raise
    if absent:
        log.close()
        raise NotInitialised(f"the database has no {', '.join(absent)} table")
    return log
