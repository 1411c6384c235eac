"""Communities as founded: names, domains and which network each is in."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded
from projections.folds.personal import People


def founded(records: Iterable[Recorded]) -> dict[str, Recorded]:
    """community_id -> its CommunityFounded."""
    out: dict[str, Recorded] = {}
    for rec in records:
        if isinstance(rec.event, ev.CommunityFounded):
            out.setdefault(rec.event.community_id, rec)
    return out


def network_of(records: Iterable[Recorded]) -> dict[str, str | None]:
    """community_id -> network_id (None outside any network)."""
    return {c: _event(rec).network_id for c, rec in founded(records).items()}


def describe(rec: Recorded, people: People) -> dict[str, Any]:
    """A community as views show it, from its CommunityFounded."""
    e = _event(rec)
    return {"community_id": e.community_id, "name": e.name, "domain": e.domain,
            "network_id": e.network_id, "schools": list(e.schools or ()), "mode": e.mode,
            "cadence": e.cadence, "founded_at": format_time(rec.occurred_at),
            "founded_by": people.ref(rec.actor)}


def _event(rec: Recorded) -> ev.CommunityFounded:
    assert isinstance(rec.event, ev.CommunityFounded)
    return rec.event
