"""The packaged Alembic migrations build exactly the schema of events/tables.py."""
from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Index, create_engine, inspect, text

from events.migrate import alembic_config, upgrade
from events.tables import events, metadata

LOG_TABLES = {"events", "log_head", "member_keys", "accounts", "tokens", "one_time_links",
              "ob_issuers", "share_links", "sign_in_failures"}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_migrations_have_one_head_and_it_is_the_sign_in_failures():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0008"]
    assert script.get_revision("0008").down_revision == "0007"
    assert script.get_revision("0007").down_revision == "0006"
    assert script.get_revision("0006").down_revision == "0005"
    assert script.get_revision("0005").down_revision == "0004"
    assert script.get_revision("0004").down_revision == "0003"
    assert script.get_revision("0002").down_revision == "0001"


def test_upgrade_creates_the_log_tables_in_an_empty_sqlite_file(sqlite_url):
    upgrade(sqlite_url)

    engine = create_engine(sqlite_url)
    try:
        assert set(inspect(engine).get_table_names()) == LOG_TABLES | {"alembic_version"}
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert list(versions) == [head_revision()]
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(database_url):
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO member_keys (member_id, wrapped_key) "
                                    "VALUES ('m-1', :key)"), {"key": b"\x00\x01"})

        upgrade(engine)

        assert set(inspect(engine).get_table_names()) == LOG_TABLES | {"alembic_version"}
        with engine.connect() as connection:
            assert list(connection.execute(text("SELECT version_num FROM alembic_version"))
                        .scalars()) == [head_revision()]
            assert list(connection.execute(text("SELECT member_id FROM member_keys"))
                        .scalars()) == ["m-1"]
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_tables_module(database_url):
    upgrade(database_url)

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
        indexes = {index["name"]: index for index in inspect(engine).get_indexes("events")}
        assert "ix_events_recorded_at" not in indexes  # the as-of cut searches by position
        assert indexes["ux_events_idempotency_scope"]["unique"]
        unique = {tuple(c["column_names"]): c["name"]
                  for c in inspect(engine).get_unique_constraints("events")}
        assert unique[("stream", "version")] == "uq_events_stream_version"
        assert ("event_id",) in unique
        # compare_metadata checks neither of these: the partial index's predicate, and
        # position's type as the engine stores it (INTEGER, the rowid, on SQLite).
        dialect = engine.dialect.name
        for name, reference in _reference_indexes().items():
            assert _predicate(indexes[name], dialect) == _predicate_of(reference, dialect), name
        assert _predicate(indexes["ux_events_idempotency_scope"], dialect) == \
            "idempotency_scope is not null"
        position = next(c for c in inspect(engine).get_columns("events")
                        if c["name"] == "position")
        expected = {"sqlite": "INTEGER", "postgresql": "BIGINT"}[dialect]
        assert position["type"].compile(dialect=engine.dialect) == expected
        assert events.c.position.type.dialect_impl(engine.dialect).compile(
            dialect=engine.dialect) == expected
    finally:
        engine.dispose()


def _reference_indexes() -> dict[str, Index]:
    return {index.name: index for index in events.indexes}


def _normalised(where: object) -> str | None:
    """A WHERE predicate as text, lower case, without parentheses and runs of spaces."""
    if where is None:
        return None
    return " ".join(str(where).replace("(", " ").replace(")", " ").lower().split())


def _predicate(reflected: dict, dialect: str) -> str | None:
    return _normalised(reflected.get("dialect_options", {}).get(f"{dialect}_where"))


def _predicate_of(index: Index, dialect: str) -> str | None:
    return _normalised(index.dialect_options[dialect]["where"])


def test_two_processes_migrating_at_once_both_succeed(database_url):
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def migrate() -> None:
        engine = create_engine(database_url)
        try:
            start.wait(timeout=10)
            upgrade(engine)
        except BaseException as exc:  # reported below, in the test's own thread
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    engine = create_engine(database_url)
    try:
        assert LOG_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("make_url_object", [False, True])
def test_upgrade_accepts_a_url_string_or_object(sqlite_url, make_url_object):
    from sqlalchemy import make_url

    upgrade(make_url(sqlite_url) if make_url_object else sqlite_url)

    engine = create_engine(sqlite_url)
    try:
        assert LOG_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
