"""Tier per community and calendar quarter (UTC): the path from periphery to core.

DESIGN's tier of a member in a window W: core (≥ 1 session led or action step completed,
and ≥ 3 actions), active (≥ 3 actions), peripheral (1–2), inactive (0). Actions are
SessionLed (as leader), ResourceShared, ResourceReused, FeedbackGiven (the giver),
ReflectionRecorded, ActionStepCompleted (each of member_ids) of that community, occurred
in W, retracted ones excluded, each event once. A quarter is listed while the member was
enrolled in it, up to the quarter of the view's moment.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from journey import events as ev
from journey.clock import UTC
from journey.records import Recorded
from projections.folds.membership import Period, was_member

_ONE = timedelta(microseconds=1)


def quarters(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """The calendar quarters (UTC) intersecting [start, end): (label, from, to)."""
    first = start.astimezone(UTC)
    year, q = first.year, (first.month - 1) // 3
    out = []
    while True:
        lo = datetime(year, 3 * q + 1, 1, tzinfo=UTC)
        if lo >= end:
            return out
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
        out.append((f"{lo.year}-Q{(lo.month - 1) // 3 + 1}", lo,
                    datetime(year, 3 * q + 1, 1, tzinfo=UTC)))


def action_of(rec: Recorded, member_id: str) -> tuple[str, bool] | None:
    """(community, leads) when `rec` is an action of `member_id`, else None."""
    e = rec.event
    if isinstance(e, ev.SessionLed) and member_id in e.leaders:
        return e.community_id, True
    if isinstance(e, ev.ActionStepCompleted) and member_id in e.member_ids:
        return e.community_id, True
    if isinstance(e, (ev.ResourceShared, ev.ResourceReused)) and e.member_id == member_id:
        return e.community_id, False
    if isinstance(e, ev.FeedbackGiven) and e.from_member_id == member_id:
        return e.community_id, False
    if isinstance(e, ev.ReflectionRecorded) and e.member_id == member_id and e.community_id:
        return e.community_id, False
    return None


def tier(count: int, leads: bool) -> str:
    """DESIGN's tier from a number of actions and whether one of them led."""
    if count >= 3:
        return "core" if leads else "active"
    return "peripheral" if count else "inactive"


def tiers(settled: Iterable[Recorded], member_id: str, spans: dict[str, list[Period]],
          moment: datetime) -> dict[str, list[dict[str, Any]]]:
    """community -> [{quarter, from, to, tier, actions}] over the quarters enrolled."""
    done: list[tuple[str, datetime, bool]] = []
    for rec in settled:
        found = action_of(rec, member_id)
        if found is not None:
            done.append((found[0], rec.occurred_at, found[1]))
    out: dict[str, list[dict[str, Any]]] = {}
    for community, periods in spans.items():
        if not periods:
            continue
        last = max((p.end for p in periods if p.end is not None), default=moment)
        end = moment if any(p.end is None for p in periods) else last
        rows = []
        for label, lo, hi in quarters(min(p.start for p in periods), end + _ONE):
            if not was_member(periods, lo, hi):
                continue
            mine = [(at, leads) for c, at, leads in done if c == community and lo <= at < hi]
            rows.append({"quarter": label, "from": lo.date().isoformat(),
                         "to": hi.date().isoformat(), "actions": len(mine),
                         "tier": tier(len(mine), any(leads for _, leads in mine))})
        out[community] = rows
    return out
