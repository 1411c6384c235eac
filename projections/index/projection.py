"""Writes the index (projections/index/keys.py) as rows of `event_keys`."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, func, insert, select

from journey.records import Recorded
from projections.index.keys import keys_of, target_of
from projections.tables import event_keys


class IndexProjection:
    """(key, position) rows: the positions every view reads, live or as of a position."""

    name = "index"
    version = 1
    tables = (event_keys,)
    clear_text = False  # ids only

    def apply(self, conn: Connection, records: Sequence[Recorded]) -> None:
        filed: dict[int, set[str]] = {}   # this batch's events, for targets inside it
        first: dict[str, int] = {}        # first position of a key within this batch
        rows = []
        for rec in records:
            target = target_of(rec)
            if target is None:
                keys = keys_of(rec)
            else:
                # A target is always earlier in the log: in this batch or already filed.
                at = target[1] if target[0] == "position" else self._first(conn, first,
                                                                          target[1])
                keys = filed.get(at) if at in filed else self._keys_at(conn, at)  # type: ignore[arg-type]
                keys = set(keys) or keys_of(rec)
            filed[rec.position] = keys
            for k in keys:
                first.setdefault(k, rec.position)
                rows.append({"key": k, "position": rec.position})
        if rows:
            conn.execute(insert(event_keys), rows)

    @staticmethod
    def _first(conn: Connection, first: dict[str, int], key: str) -> int:
        stored = conn.execute(select(func.min(event_keys.c.position))
                              .where(event_keys.c.key == key)).scalar()
        return stored if stored is not None else first.get(key, -1)

    @staticmethod
    def _keys_at(conn: Connection, position: int) -> set[str]:
        return set(conn.execute(select(event_keys.c.key)
                                .where(event_keys.c.position == position)).scalars())
