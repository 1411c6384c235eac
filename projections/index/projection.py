"""Writes the index (projections/index/keys.py) as rows of `event_keys`."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, func, select

from journey.records import Recorded
from projections.bulk import insert_rows
from projections.index.keys import filed_keys
from projections.tables import event_keys


class IndexProjection:
    """(key, position) rows: the positions every view reads, live or as of a position."""

    name = "index"
    version = 1
    tables = (event_keys,)
    clear_text = False  # ids only

    def apply(self, conn: Connection, records: Sequence[Recorded]) -> None:
        # A target is always earlier in the log: in this batch, or filed by an earlier one.
        filed: dict[int, set[str]] = {}
        first: dict[str, int] = {}

        def keys_at(position: int) -> set[str]:
            if position in filed:
                return filed[position]
            return set(conn.execute(select(event_keys.c.key)
                                    .where(event_keys.c.position == position)).scalars())

        def first_of(key: str) -> int | None:
            stored = conn.execute(select(func.min(event_keys.c.position))
                                  .where(event_keys.c.key == key)).scalar()
            return stored if stored is not None else first.get(key)

        rows = []
        for rec in records:
            keys = filed_keys(rec, keys_at, first_of)
            filed[rec.position] = keys
            for k in keys:
                first.setdefault(k, rec.position)
                rows.append((k, rec.position))
        insert_rows(conn, event_keys, ("key", "position"), rows)
