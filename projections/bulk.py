"""Many rows inserted in one driver executemany: how projections write their batches."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: list[tuple]) -> None:
    """INSERT `rows` (tuples of plain ints, text and None, in `columns` order).

    A Core insert builds and processes a parameter dict per row, which costs more than
    SQLite's insert itself (a rebuild's profile: 2.2 s of 10 s in SQLAlchemy's parameter
    handling); the driver's executemany takes the tuples as they are.
    """
    if rows:
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, tuple(columns)), rows)


@lru_cache(maxsize=32)
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join([mark] * len(columns))})")
