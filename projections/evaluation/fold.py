"""The evaluation fold: communities × periods side by side, with value-creation stories.

Each column is one community over one period [from, to) of occurred_at. Stories are the
reflections of that community the viewer may read, grouped by value-creation cycle
(immediate, potential, applied, realized, reframing; "unassigned" when none was given).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from journey import errors
from journey import events as ev
from journey.clock import BadTime, parse_time
from journey.events import VALUE_CYCLES
from journey.records import Recorded
from projections.folds.communities import founded
from projections.folds.history import Settled, settle
from projections.folds.personal import People
from projections.folds.reflections import reflections
from projections.visibility import can_see_since, memberships_at

UNASSIGNED = "unassigned"
CYCLES = (*VALUE_CYCLES, UNASSIGNED)
Period = tuple[str | None, str | None]

# What each summary figure counts: events of the community that occurred in the period.
_COUNTED = {"sessions_held": ev.SessionLed, "sessions_cancelled": ev.SessionCancelled,
            "resources_shared": ev.ResourceShared, "resources_reused": ev.ResourceReused,
            "feedback_given": ev.FeedbackGiven, "steps_completed": ev.ActionStepCompleted}


def parse_period(period: Period) -> tuple[datetime | None, datetime | None]:
    """A period's bounds as times (YYYY-MM-DD is 00:00 UTC); InvalidValue when malformed."""
    start, end = period
    try:
        lo = parse_time(start) if start else None
        hi = parse_time(end) if end else None
    except BadTime as exc:
        raise errors.InvalidValue(str(exc), rule="bad_window") from exc
    if lo is not None and hi is not None and hi < lo:
        raise errors.InvalidValue(f"the period ends ({end}) before it starts ({start})",
                                  rule="bad_window")
    return lo, hi


def evaluation(records: Sequence[Recorded], communities: Sequence[str],
               periods: Sequence[Period], *, viewer: str | None = None,
               erased: Collection[str] = (), later: Mapping[str, str] | None = None
               ) -> dict[str, Any]:
    """One column per (community, period), communities first, in the order asked.

    `later` (reflection id -> visibility), for a view of the past: what the authors set
    after its records; a story shows only if the viewer may read it then and now."""
    records = sorted(records, key=lambda r: r.position)
    known = founded(records)
    for community_id in communities:
        if community_id not in known:
            raise errors.UnknownReference(f"there is no community {community_id}",
                                          rule="unknown_community")
    periods = list(periods) or [(None, None)]
    bounds = [parse_period(p) for p in periods]
    people = People(records, erased)
    settled = settle(records)
    notes = sorted(reflections(settled, people).values(),
                   key=lambda n: (n.occurred_at, n.position))
    memberships = memberships_at(records, viewer)
    visible = [n for n in notes
               if can_see_since(n, n.reflection_id, viewer, memberships, later)]
    columns = []
    for community_id in communities:
        for (start, end), (lo, hi) in zip(periods, bounds):
            inside = _within(lo, hi)
            stories: dict[str, list[dict[str, Any]]] = {cycle: [] for cycle in CYCLES}
            for note in visible:
                if note.community_id == community_id and inside(note.occurred_at):
                    stories[note.value_cycle or UNASSIGNED].append(note.to_dict(people))
            columns.append({
                "community_id": community_id, "name": _name(known[community_id]),
                "from": start, "to": end,
                "summary": {**_summary(settled, community_id, inside),
                            "stories": sum(len(s) for s in stories.values())},
                "counts": {cycle: len(items) for cycle, items in stories.items()},
                "stories": stories})
    return {"viewer": viewer, "communities": list(communities),
            "periods": [{"from": s, "to": e} for s, e in periods],
            "cycles": list(CYCLES), "columns": columns}


def _within(lo: datetime | None, hi: datetime | None) -> Callable[[datetime], bool]:
    return lambda at: (lo is None or at >= lo) and (hi is None or at < hi)


def _name(rec: Recorded) -> str:
    return rec.event.name if isinstance(rec.event, ev.CommunityFounded) else ""


def _summary(settled: Settled, community_id: str, inside: Callable[[datetime], bool]
             ) -> dict[str, int]:
    counts = dict.fromkeys(_COUNTED, 0)
    for rec in settled.records:
        if getattr(rec.event, "community_id", None) != community_id or \
                not inside(rec.occurred_at):
            continue
        for name, kind in _COUNTED.items():
            if isinstance(rec.event, kind):
                counts[name] += 1
    return counts
