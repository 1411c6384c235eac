"""`journey bench`: Journey against the floor of its database engine (cli/benchmark.py)."""
from __future__ import annotations

import json
import sys

import click


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--events", "n", default=100_000, show_default=True,
                  type=click.IntRange(min=500), metavar="N", help="Events in the run.")
    @click.option("--database", metavar="URL",
                  help="A PostgreSQL server URL (a new database is made per phase and "
                       "dropped); default: SQLite files in a temporary folder.")
    @click.option("--scaling", is_flag=True, help="Repeat at 2N and print T(2N)/T(N).")
    @click.option("--requests", default=200, show_default=True, type=click.IntRange(min=5),
                  help="Requests per WSGI page for p50/p95.")
    @click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
    def bench(n: int, database: str | None, scaling: bool, requests: int,
              as_json: bool) -> None:
        """Measure Journey against the physical floor of the same engine, in one run.

        Floor: the driver alone (stdlib sqlite3 with Journey's PRAGMAs, or psycopg with
        Journey's advisory lock), one row per transaction, batches of 1,000, read back with
        JSON decoding. Journey: single appends (and projection lag), import, rebuild,
        leadership reports, portfolio and coordinator dashboard via WSGI, and requests/s of
        8 clients against `journey serve --workers 4`. It never touches
        JOURNEY_DATABASE_URL's database.

        \b
        Example:
          journey bench --events 100000
          journey bench --events 20000 --database postgresql+psycopg://u@db/postgres --json
        """
        from cli.benchmark import check_server, run, table

        if database is not None:
            try:
                check_server(database)  # before generating N events
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="'--database'") from None

        def say(line: str) -> None:
            if sys.stderr.isatty():
                click.echo(f"bench: {line}", err=True)

        result = run(n, database, scaling=scaling, requests=requests, say=say)
        if as_json:
            click.echo(json.dumps(result, indent=2))
        else:
            click.echo(table(result))
