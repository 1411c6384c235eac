"""The log's reads of a run of positions are planned on the primary key on PostgreSQL, even
for a table that was never analysed (a new database, or a server with autovacuum off).

With `position > x` alone, such a table gets a guessed selectivity and a plan that scans
the whole table and sorts it: every append (which reads what was appended since its state)
then costs time in proportion to the log, 5 ms at 100,000 events.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from cli.benchmark import generate
from events.exchange import import_lines
from events.sql import _PAGE_UPTO, _ROWS_AFTER, _Direct
from tests.integration.story import open_test_log

pytestmark = pytest.mark.postgres

EVENTS = 3000
PAGE = 1000  # the recorder's page


def _plan(conn, statement, params: dict) -> str:
    """EXPLAIN of the statement as the recorder runs it (compiled once, on the cursor)."""
    direct = _Direct(statement, conn)
    rows = conn.exec_driver_sql(f"EXPLAIN {direct.sql}", direct.params(params)).scalars()
    return "\n".join(rows)


def _rows_visited(conn, statement, params: dict) -> int:
    """The most rows any node of the statement's executed plan handled."""
    direct = _Direct(statement, conn)
    plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {direct.sql}",
                                direct.params(params)).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)

    def nodes(node: dict):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    return max(n["Actual Rows"] for n in nodes(plan[0]["Plan"]))


def test_reads_of_a_run_use_the_primary_key_without_statistics(fresh_postgres_url, tmp_path):
    log = open_test_log(fresh_postgres_url, tmp_path)
    try:
        lines = [json.dumps(obj).encode() + b"\n" for obj in generate(EVENTS)]
        assert import_lines(log.store, lines, source_id="plans").appended == EVENTS
        with log.recorder.engine.connect() as conn:
            never_analysed = conn.execute(text(
                "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL "
                "FROM pg_stat_user_tables WHERE relname = 'events'")).scalar()
            first_page = (0, PAGE)  # the first window of a read (events/sql.py `paged`)
            plans = {
                "the append's catch-up": _plan(conn, _ROWS_AFTER, {"after": EVENTS}),
                "a page of a read": _plan(conn, _PAGE_UPTO, dict(zip(("after", "upto"),
                                                                    first_page))),
            }
            # A page visits its own rows, not every row after it (a bitmap scan of the
            # rest of the log and a sort, before the windows: 20 ms a page at 100,000).
            visited = _rows_visited(conn, _PAGE_UPTO, dict(zip(("after", "upto"), first_page)))
    finally:
        log.close()
    assert never_analysed  # the case the bounds are for (autovacuum had no time to run)
    for name, plan in plans.items():
        assert "Seq Scan on events" not in plan, f"{name}:\n{plan}"
        assert "events_pkey" in plan, f"{name}:\n{plan}"
    assert visited == PAGE



def test_a_large_import_has_postgresql_analyse_the_log(fresh_postgres_url, tmp_path):
    log = open_test_log(fresh_postgres_url, tmp_path)
    try:
        log.recorder.analyse_after = 200  # what 10,000 is in production, at this size
        lines = [json.dumps(obj).encode() + b"\n" for obj in generate(300)]
        assert import_lines(log.store, lines, source_id="bulk").appended == len(lines)
        with log.recorder.engine.connect() as conn:
            maintained = {r.relname: (r.vacuumed, r.analysed) for r in conn.execute(text(
                "SELECT relname, last_vacuum IS NOT NULL AS vacuumed, "
                "last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables "
                "WHERE relname IN ('events', 'member_keys')"))}
    finally:
        log.close()
    assert maintained == {"events": (True, True), "member_keys": (True, True)}
