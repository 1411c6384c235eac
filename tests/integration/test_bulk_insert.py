"""projections/bulk.py: a batch of rows comes back exactly as given, on every backend."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select

from events.sql import make_engine
from projections.bulk import insert_rows

probe = Table("bulk_probe", MetaData(),
              Column("n", BigInteger, nullable=False), Column("i", Integer, nullable=True),
              Column("t", String(200), nullable=False), Column("o", String(200), nullable=True))
COLUMNS = ("n", "i", "t", "o")

# Text as ids and names hold it: any character a database keeps (PostgreSQL refuses NUL
# in text; SQLite's batch path is checked with NUL apart, below).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=40)
ROWS = st.lists(st.tuples(st.integers(-2**63, 2**63 - 1), st.none() | st.integers(-2**31, 2**31 - 1),
                          TEXT, st.none() | TEXT), max_size=30)


def _round_trip(engine, rows: list[tuple]) -> list[tuple]:
    with engine.begin() as conn:
        conn.execute(probe.delete())
        insert_rows(conn, probe, COLUMNS, rows)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(probe))]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=ROWS)
@example(rows=[(2**63 - 1, None, "123", "1e5"), (-1, 0, 'é"\\\n\t😀', None),
               (7, 1, "", "null"), (8, None, " true ", "[1]")])
def test_a_batch_comes_back_as_given(database_url, rows) -> None:
    engine = make_engine(database_url)
    try:
        probe.create(engine, checkfirst=True)
        assert sorted(_round_trip(engine, rows), key=repr) == sorted(rows, key=repr)
    finally:
        engine.dispose()


def test_sqlite_keeps_a_nul_character(sqlite_url) -> None:
    engine = make_engine(sqlite_url)
    try:
        probe.create(engine)
        rows = [(1, None, "a\x00b", None), (2, 3, "c", "d\x00")]
        assert _round_trip(engine, rows) == rows
    finally:
        engine.dispose()
