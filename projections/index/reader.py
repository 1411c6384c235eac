"""Reads the index and the log rows it points to: the positions of some keys, then those rows.

IN lists are cut into pages, so a long history never exceeds a driver's parameter limit.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Engine, exists, select

from events.recorder import StoredRow
from events.store import EventStore
from journey.records import Recorded
from projections.tables import event_keys

PAGE = 500  # ids per IN list (SQLite allows 32,766 parameters, PostgreSQL 65,535)


def _pages(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), PAGE):
        yield values[start:start + PAGE]


class IndexReader:
    """The index (on the projections' engine) and the log (through the store's recorder)."""

    def __init__(self, engine: Engine, store: EventStore) -> None:
        self.engine = engine
        self.store = store

    def positions(self, keys: Iterable[str], upto: int | None = None,
                  after: int = 0) -> list[int]:
        """Positions filed under any of `keys` in (after, upto], in order, each once."""
        found: set[int] = set()
        wanted = sorted(set(keys))
        if not wanted:
            return []
        with self.engine.connect() as conn:
            for page in _pages(wanted):
                query = select(event_keys.c.position).where(event_keys.c.key.in_(page))
                if upto is not None:
                    query = query.where(event_keys.c.position <= upto)
                if after:
                    query = query.where(event_keys.c.position > after)
                found.update(conn.execute(query).scalars())
        return sorted(found)

    def changed(self, keys: Iterable[str], after: int, upto: int) -> bool:
        """Whether the index files any position in (after, upto] under any of `keys`."""
        if upto <= after:
            return False
        wanted = sorted(set(keys))
        with self.engine.connect() as conn:
            for page in _pages(wanted):
                if conn.execute(select(exists().where(
                        event_keys.c.key.in_(page), event_keys.c.position > after,
                        event_keys.c.position <= upto))).scalar():
                    return True
        return False

    def rows(self, positions: Iterable[int],
             types: Collection[str] | None = None) -> list[StoredRow]:
        """The log rows at `positions`, in position order (only those of `types` if given)."""
        return self.store.recorder.rows_at(positions, types)

    def records(self, positions: Iterable[int]) -> list[Recorded]:
        """The events at `positions`, decrypted where their owner's key still exists."""
        return list(self.store.recorded(self.rows(positions)))

    def row_at(self, position: int) -> StoredRow | None:
        """One log row, or None."""
        rows = self.rows([position])
        return rows[0] if rows else None
