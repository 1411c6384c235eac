"""The log as a view reads it: retracted events gone, corrected events with their new fields.

Whatever the list holds is all that happened (an as_of cut is a shorter list): a
retraction or correction recorded after the cut is simply not in it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from journey import events as ev
from journey.events import Event, correctable_fields
from journey.records import Recorded

@dataclass(frozen=True)
class Settled:
    """Events in position order after retractions and corrections, and what they changed."""

    records: tuple[Recorded, ...]
    corrected: frozenset[int]
    retracted: frozenset[int]

    def by_position(self) -> dict[int, Recorded]:
        """The settled events keyed by position."""
        return {rec.position: rec for rec in self.records}


def settle(records: Iterable[Recorded]) -> Settled:
    """Apply every EntryRetracted and EntryCorrected of `records` to their targets."""
    live: dict[int, Recorded] = {}
    corrected: set[int] = set()
    retracted: set[int] = set()
    for rec in sorted(records, key=lambda r: r.position):
        e = rec.event
        if isinstance(e, ev.EntryRetracted):
            retracted.add(e.position)
            live.pop(e.position, None)
        elif isinstance(e, ev.EntryCorrected):
            target = live.get(e.position)
            if target is not None:
                live[target.position] = target._replace(
                    event=with_fields(target.event, e.fields))
                corrected.add(target.position)
        else:
            live[rec.position] = rec
    ordered = tuple(live[p] for p in sorted(live))
    return Settled(ordered, frozenset(corrected), frozenset(retracted))


def with_fields(event: Event, fields: dict[str, Any]) -> Event:
    """`event` with corrected content fields (lists as tuples, as events hold them)."""
    allowed = correctable_fields(type(event))
    changes = {name: tuple(value) if isinstance(value, list) else value
               for name, value in fields.items() if name in allowed}
    return dataclasses.replace(event, **changes) if changes else event
