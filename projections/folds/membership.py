"""Membership in time: who belonged to which community, with which role, from when to when.

DESIGN "Membership in time": a person is a member of c at t iff joined_at ≤ t < left_at;
the role at t is that of the last MemberJoined / RoleChanged with occurred_at ≤ t,
ordered by (occurred_at, position).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded

@dataclass(frozen=True, slots=True)
class Period:
    """One role held in one community over [start, end) (end None: still held)."""

    community_id: str
    member_id: str
    role: str
    start: datetime
    end: datetime | None

    def to_dict(self) -> dict[str, str | None]:
        """{"role", "from", "to"} as RFC 3339 times."""
        return {"role": self.role, "from": format_time(self.start),
                "to": format_time(self.end) if self.end else None}


def periods(records: Iterable[Recorded]) -> dict[tuple[str, str], list[Period]]:
    """(community, member) -> the roles they held, in time order."""
    timelines: dict[tuple[str, str], list[Recorded]] = defaultdict(list)
    for rec in records:
        e = rec.event
        if isinstance(e, (ev.MemberJoined, ev.RoleChanged, ev.MemberLeft)):
            timelines[(e.community_id, e.member_id)].append(rec)
    out: dict[tuple[str, str], list[Period]] = {}
    for (community, member), timeline in timelines.items():
        timeline.sort(key=lambda r: (r.occurred_at, r.position))
        out[(community, member)] = _periods(community, member, timeline)
    return out


def _periods(community: str, member: str, timeline: list[Recorded]) -> list[Period]:
    found: list[Period] = []
    role: str | None = None
    since: datetime | None = None
    for rec in timeline:
        e = rec.event
        if role is not None and since is not None:
            found.append(Period(community, member, role, since, rec.occurred_at))
        if isinstance(e, ev.MemberJoined):
            role = e.role
        elif isinstance(e, ev.RoleChanged):
            role = e.to_role
        else:
            role = None
        since = rec.occurred_at
    if role is not None and since is not None:
        found.append(Period(community, member, role, since, None))
    # A role change at the very moment of a join leaves an empty period: drop it.
    return [p for p in found if p.end is None or p.end > p.start]


def current_roles(records: Iterable[Recorded], member_id: str) -> dict[str, str]:
    """community -> role of `member_id` now (after every event of `records`)."""
    return {community: spans[-1].role
            for (community, member), spans in periods(records).items()
            if member == member_id and spans and spans[-1].end is None}


def was_member(spans: Iterable[Period], start: datetime | None, end: datetime | None) -> bool:
    """Whether any period overlaps [start, end) as DESIGN's `enrolled` reads it."""
    return any((end is None or p.start < end) and
               (p.end is None or start is None or p.end >= start) for p in spans)
