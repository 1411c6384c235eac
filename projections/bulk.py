"""Many rows inserted at once: how projections write their batches."""
from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from events.sql import copies, copy_rows, copy_sql


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: list[tuple]) -> None:
    """INSERT `rows` (tuples of plain ints, text and None, in `columns` order).

    A Core insert builds and processes a parameter dict per row, which costs more than
    SQLite's insert itself (a rebuild's profile: 2.2 s of 10 s in SQLAlchemy's parameter
    handling); the driver's executemany takes the tuples as they are. On PostgreSQL the
    rows go by COPY (events/sql.py `copies`): a rebuild of 100,000 events, 9.25 -> 6.17 s.

    On SQLite the batch goes as one JSON array into one statement (`json_each`): SQLite
    inserts every row inside a single call, which holds no GIL, so a catch-up folds its
    next batch meanwhile (projections/runner.py `_Writes`). executemany takes the GIL back
    for every row, and the two threads then queue on it: a rebuild of 100,000 events,
    5.0-5.2 s -> 3.9-4.0 s with the thread; alone the JSON costs a tenth more.
    """
    if not rows:
        return
    dialect = conn.dialect
    if copies(dialect):
        cursor = conn.connection.driver_connection.cursor()
        try:
            copy_rows(cursor, copy_sql(dialect, table, tuple(columns)), rows)
        finally:
            cursor.close()
        return
    if dialect.name == "sqlite":
        array = _json_array(rows)
        # SQLite's JSON ends a text at a NUL character: such a batch goes row by row.
        if "\\u0000" not in array:
            conn.exec_driver_sql(_json_insert_sql(dialect, table, tuple(columns)), (array,))
            return
    conn.exec_driver_sql(_insert_sql(dialect, table, tuple(columns)), rows)


# The rows' values are ints, text and None: JSON numbers, strings and null, which `->>`
# gives back as SQL integers, text and NULL (text as it is: no ASCII escapes to undo).
_json_array = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@lru_cache(maxsize=32)
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return f"{_into(dialect, table, columns)} VALUES ({', '.join([mark] * len(columns))})"


@lru_cache(maxsize=32)
def _json_insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    values = ", ".join(f"value ->> {i}" for i in range(len(columns)))
    return f"{_into(dialect, table, columns)} SELECT {values} FROM json_each(?)"


def _into(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    return (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(c) for c in columns)})")
