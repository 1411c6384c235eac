"""`journey bench` at a small N: every figure and ratio is there, and numbers."""
from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli import benchmark

JOURNEY = str(Path(sys.executable).with_name("journey"))

FLOOR = ("single_seconds", "batch_seconds", "read_seconds", "single_per_s", "batch_per_s",
         "read_per_s", "bare_single_seconds", "bare_batch_seconds", "bare_single_per_s",
         "bare_batch_per_s")
JOURNEY_KEYS = (
    "single_appends", "single_seconds", "single_per_s", "projection_lag_p50_ms",
    "projection_lag_p95_ms", "import_seconds", "import_per_s", "rebuild_seconds",
    "rebuild_per_s", "rebuild_peak_rss_mb", "leadership_live_p50_ms", "leadership_live_p95_ms",
    "leadership_uncached_p50_ms", "leadership_after_append_p50_ms",
    "leadership_after_append_p95_ms", "leadership_after_join_p50_ms",
    "leadership_after_join_p95_ms", "leadership_as_of_seconds", "portfolio_page_p50_ms",
    "portfolio_page_p95_ms", "portfolio_page_after_append_p50_ms",
    "portfolio_page_after_append_p95_ms", "dashboard_page_p50_ms", "dashboard_page_p95_ms",
    "portfolio_p50_ms",
    "portfolio_p95_ms", "portfolio_after_append_p50_ms", "portfolio_after_append_p95_ms",
    "dashboard_p50_ms",
    "dashboard_p95_ms", "portfolio_requests", "dashboard_requests", "serve_requests_per_s",
    "serve_first_answer_seconds", "serve_restart_first_answer_seconds", "serve_clients",
    "serve_workers")
RATIOS = ("single_vs_floor_single", "import_vs_floor_batch", "rebuild_vs_floor_read",
          "single_vs_bare_floor_single", "import_vs_bare_floor_batch")


@pytest.mark.slow
def test_bench_json_has_every_figure_and_ratio_at_n_and_2n_and_the_table_shows_them(
        tmp_path) -> None:
    done = subprocess.run([JOURNEY, "bench", "--events", "1000", "--scaling", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for label, events in (("n", 1000), ("2n", 2000)):
        run = result[label]
        assert run["events"] == events and run["engine"] == "sqlite"
        assert set(FLOOR) <= set(run["floor"])
        assert set(JOURNEY_KEYS) <= set(run["journey"])
        assert set(RATIOS) <= set(run["ratios"])
        for part in ("floor", "journey", "ratios"):
            for key, value in run[part].items():
                assert isinstance(value, (int, float)) and math.isfinite(value), (part, key)
                assert value > 0 or key.startswith("projection_lag"), (part, key, value)
        assert run["journey"]["serve_requests_per_s"] > 0
    assert {"journey.import_seconds", "journey.rebuild_seconds"} <= set(result["scaling"])
    assert all(value > 0 for value in result["scaling"].values())
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the working folder

    text = benchmark.table(result)
    for line in ("sqlite, 1,000 events", "sqlite, 2,000 events", "T(2N)/T(N)",
                 "journey.import_seconds", "portfolio page p50 / p95",
                 "coordinator dashboard page p50 / p95", "  its API answer p50 / p95"):
        assert line in text, line
    import_ratio = f"{result['n']['ratios']['import_vs_floor_batch']:.1%}"
    assert import_ratio in next(row for row in text.splitlines() if "journey import" in row)


def test_floor_rows_keep_the_logs_identity() -> None:
    rows = benchmark._floor_rows(list(benchmark.generate(300)))
    assert len({r[1] for r in rows}) == len(rows)  # event ids
    assert len({(r[2], r[3]) for r in rows}) == len(rows)  # (stream, version)
    by_stream: dict[str, list[int]] = {}
    for row in rows:
        by_stream.setdefault(row[2], []).append(row[3])
    assert all(v == list(range(1, len(v) + 1)) for v in by_stream.values())


def test_the_floor_writes_into_the_logs_own_table(database_url, tmp_path) -> None:
    """Both engines' floors time every figure, and their table refuses what the log's
    table refuses: a second (stream, version), a second event id."""
    rows = benchmark._floor_rows(list(benchmark.generate(300)))
    if database_url.startswith("sqlite"):
        figures = benchmark._sqlite_floor(tmp_path / "floor.db", rows)
    else:
        figures = benchmark._postgres_floor(database_url, rows)
    assert set(figures) == {"single", "batch", "read", "bare_single", "bare_batch"}
    assert all(value > 0 for value in figures.values())

    engine = sa.create_engine(database_url if not database_url.startswith("sqlite")
                              else f"sqlite:///{tmp_path / 'check.db'}")
    dialect = engine.dialect
    try:
        with engine.begin() as conn:
            for statement in benchmark._log_ddl(dialect):
                conn.exec_driver_sql(statement)
        columns = ", ".join(["?" if dialect.name == "sqlite" else "%s"] * 12)
        insert = f"INSERT INTO events VALUES ({columns})"
        with engine.begin() as conn:
            conn.exec_driver_sql(insert, rows[0])
        clashes = [(rows[0][0] + 1000, "another-id", *rows[0][2:]),  # same stream, version
                   (rows[0][0] + 2000, rows[0][1], "elsewhere", *rows[0][3:])]  # same id
        for clash in clashes:
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.exec_driver_sql(insert, clash)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE events")
        engine.dispose()


@pytest.mark.parametrize("url, says", [
    ("not-a-url", "is not a database URL"),
    ("sqlite:///nonexistent/dir/x.db", "leave --database out for SQLite"),
    ("mysql://u@h/db", "Journey runs on SQLite or PostgreSQL"),
    ("postgresql+psycopg2://u@h/db", "through psycopg 3"),
])
def test_a_database_that_is_not_a_postgresql_server_url_is_refused_before_any_work(
        url: str, says: str) -> None:
    done = subprocess.run([JOURNEY, "bench", "--events", "500", "--database", url],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: usage: ") and says in done.stderr, done.stderr


def test_a_server_that_does_not_answer_is_told_before_any_work() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run([JOURNEY, "bench", "--events", "500", "--database",
                           f"postgresql+psycopg://root@127.0.0.1:{port}/postgres"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: database: ") and "refused" in done.stderr
