"""Writes the index (projections/index/keys.py) as rows of `event_keys`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import Connection, func, select

from journey.records import Recorded
from projections.bulk import insert_rows
from projections.index.keys import filed_keys, keys_of, target_of
from projections.tables import event_keys


@dataclass
class _Filed:
    """A batch folded into index rows; targeting events wait for the write (see below)."""

    rows: list[tuple[str, int]] = field(default_factory=list)
    filed: dict[int, set[str]] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    targeting: list[Recorded] = field(default_factory=list)

    def file(self, position: int, keys: set[str]) -> None:
        """File the event at `position` under `keys`. Targeting events are filed after the
        rest of the batch, so a key's first position may move back."""
        self.filed[position] = keys
        for k in keys:
            if k not in self.first or position < self.first[k]:
                self.first[k] = position
            self.rows.append((k, position))


class IndexProjection:
    """(key, position) rows: the positions every view reads, live or as of a position."""

    name = "index"
    version = 1
    tables = (event_keys,)
    clear_text = False  # ids only

    def prepare(self, records: Sequence[Recorded]) -> _Filed:
        """Every event's own keys. An event that targets another takes its target's keys,
        which may be in an earlier batch not yet written while this one is prepared: those
        few are filed by `write`, in the transaction that sees every earlier batch."""
        done = _Filed()
        for rec in records:
            if target_of(rec) is not None:
                done.targeting.append(rec)
                continue
            done.file(rec.position, keys_of(rec))
        return done

    def write(self, conn: Connection, done: _Filed) -> None:
        filed, first = done.filed, done.first
        current = 0  # the targeting event being filed

        def keys_at(position: int) -> set[str]:
            if position in filed and position < current:  # targets are always earlier
                return filed[position]
            return set(conn.execute(select(event_keys.c.key)
                                    .where(event_keys.c.position == position)).scalars())

        def first_of(key: str) -> int | None:
            stored = conn.execute(select(func.min(event_keys.c.position))
                                  .where(event_keys.c.key == key)).scalar()
            if stored is not None:
                return stored
            found = first.get(key)  # the batch's first (prepared ahead): only if earlier
            return found if found is not None and found < current else None

        for rec in done.targeting:  # in position order: one may target another
            current = rec.position
            done.file(rec.position, filed_keys(rec, keys_at, first_of))
        insert_rows(conn, event_keys, ("key", "position"), done.rows)
