"""The database fixtures of tests/conftest.py give each test a fresh, empty database."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, text

from events.migrate import upgrade

seen_databases: set[str] = set()


def test_database_url_is_empty_and_new_for_every_test(database_url):
    url = make_url(database_url)
    assert database_url not in seen_databases
    seen_databases.add(database_url)
    if url.get_backend_name() == "sqlite":
        assert not Path(url.database).exists()

    engine = create_engine(database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_database_url_takes_the_event_log_schema(database_url):
    upgrade(database_url)

    engine = create_engine(database_url)
    try:
        assert {"events", "log_head", "member_keys", "alembic_version"} <= set(
            inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    finally:
        engine.dispose()


def test_postgres_url_is_one_database_for_the_session(postgres_url):
    url = make_url(postgres_url)
    assert url.database.startswith("journey_test_")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar_one() == url.database
    finally:
        engine.dispose()


def test_fresh_postgres_databases_are_dropped_after_their_test(fresh_postgres_url, postgres_url):
    # A database made for an earlier test of this session is gone by now.
    earlier = [u for u in seen_databases if make_url(u).get_backend_name() == "postgresql"]
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            names = set(connection.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()
    assert make_url(fresh_postgres_url).database in names
    assert not {make_url(u).database for u in earlier} & names
