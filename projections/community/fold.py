"""The community fold: one community as of the end of the records it is given.

Pure: the whole log, or just the events the index files under the community (plus the
reuses of its resources elsewhere and the names of its people) give the same answer.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from journey import errors
from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded
from projections.community.calendar import calendar
from projections.folds.communities import describe, founded
from projections.folds.history import Settled, settle
from projections.folds.membership import periods
from projections.folds.personal import People
from projections.folds.plans import plans
from projections.folds.resources import library, tags


def community(records: Sequence[Recorded], community_id: str, *,
              erased: Collection[str] = ()) -> dict[str, Any]:
    """Members and roles over time, norms, calendar, library, plans and badges of a community."""
    records = sorted(records, key=lambda r: r.position)
    known = founded(records)
    if community_id not in known:
        raise errors.UnknownReference(f"there is no community {community_id}",
                                      rule="unknown_community")
    people = People(records, erased)
    settled = settle(records)
    resources = library(settled, people, lambda e: e.community_id == community_id)
    return {
        "community": describe(known[community_id], people),
        "members": _members(records, community_id, people),
        "norms": _norms(settled, community_id, people),
        "calendar": calendar(settled, community_id, people),
        "resources": resources,
        "tags": tags(resources),
        "plans": [p for p in plans(settled, people).values() if p["community_id"] == community_id],
        "badges": _badges(settled, community_id),
    }


def _members(records: Sequence[Recorded], community_id: str, people: People
             ) -> list[dict[str, Any]]:
    """Everyone who ever belonged, by when they first joined, with their roles over time."""
    mine = sorted(((member, spans) for (community, member), spans in periods(records).items()
                   if community == community_id and spans),
                  key=lambda pair: (pair[1][0].start, pair[0]))
    return [{"member": people.ref(member),
             "current_role": spans[-1].role if spans[-1].end is None else None,
             "periods": [p.to_dict() for p in spans]} for member, spans in mine]


def _norms(settled: Settled, community_id: str, people: People) -> dict[str, Any]:
    """The norms agreed last (by occurred_at, then position) and the ones they replaced."""
    agreed = sorted(((r, r.event) for r in settled.records if isinstance(r.event, ev.NormsAgreed)
                     and r.event.community_id == community_id),
                    key=lambda pair: (pair[0].occurred_at, pair[0].position))
    shown = [{"position": r.position, "agreed_at": format_time(r.occurred_at),
              "norms": list(e.norms), "agreed_by": people.refs(e.agreed_by),
              "corrected": r.position in settled.corrected} for r, e in agreed]
    return {"current": shown[-1] if shown else None, "past": shown[:-1][::-1]}


def _badges(settled: Settled, community_id: str) -> list[dict[str, Any]]:
    out = []
    for rec in settled.records:
        e = rec.event
        if isinstance(e, ev.BadgeDefined) and e.community_id == community_id:
            out.append({"badge_id": e.badge_id, "name": e.name, "description": e.description,
                        "criteria": e.criteria, "image": e.image,
                        "defined_at": format_time(rec.occurred_at)})
    return out
