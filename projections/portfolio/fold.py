"""The portfolio fold: a member's record across communities, with the viewer's rights applied.

Pure: a list of Recorded in (the whole log, or just the events the index files under the
member — the same answer either way), a dict out. Reflections the viewer may not read
appear nowhere: not in the timeline, not as evidence.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from journey import errors
from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded
from projections.folds.communities import describe, founded
from projections.folds.history import Settled, settle
from projections.folds.membership import Period, periods
from projections.folds.personal import People
from projections.folds.plans import plans
from projections.folds.reflections import Reflection, reflections
from projections.folds.resources import library
from projections.index.keys import people_of
from projections.portfolio import awards
from projections.portfolio.tiers import tiers
from projections.portfolio.timeline import KINDS, Filters, entry
from projections.visibility import can_see_since, memberships_at


class _Seen:
    """What the viewer may see of the settled events: reflections by their current rights."""

    def __init__(self, settled: Settled, people: People, notes: dict[str, Reflection],
                 viewer: str | None, records: Sequence[Recorded],
                 later: Mapping[str, str] | None = None) -> None:
        self.settled = settled
        self.later = later
        self.people = people
        self.viewer = viewer
        self.memberships = memberships_at(records, viewer)
        self.notes = {n.position: n for n in notes.values()}

    def may(self, note: Reflection) -> bool:
        return can_see_since(note, note.reflection_id, self.viewer, self.memberships,
                             self.later)

    def show(self, rec: Recorded) -> dict[str, Any] | None:
        """The entry of `rec`, or None when it is a reflection the viewer may not read."""
        data = self.people.readable(rec)
        note = self.notes.get(rec.position)
        if note is not None:
            if not self.may(note):
                return None
            data["visibility"] = note.visibility  # as it stands now, not as recorded
        if data.get("evidence"):
            # A position names what stands there: not a reflection the viewer may not read.
            data["evidence"] = [p for p in data["evidence"]
                                if (n := self.notes.get(p)) is None or self.may(n)]
        return entry(rec, data, rec.position in self.settled.corrected)


def portfolio(records: Sequence[Recorded], member_id: str, *, viewer: str | None = None,
              erased: Collection[str] = (), moment: datetime | None = None,
              filters: Filters | Mapping[str, Any] | None = None,
              later: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The portfolio of `member_id` as `viewer` (None: the operator) may see it.

    `later` (reflection id -> visibility), for a view of the past: what the authors set
    after its records; a reflection shows only if the viewer may read it then and now.

    `moment` is the view's time (the recorded_at of its cut; by default the latest
    occurred_at): the tier quarters of a current membership run up to it.
    """
    records = sorted(records, key=lambda r: r.position)
    if not any(isinstance(r.event, ev.MemberRegistered) and r.event.member_id == member_id
               for r in records):
        raise errors.UnknownReference(f"there is no member {member_id}", rule="unknown_member")
    chosen = filters if isinstance(filters, Filters) else Filters.parse(filters)
    people = People(records, erased)
    settled = settle(records)
    live = settled.by_position()
    notes = reflections(settled, people)
    seen = _Seen(settled, people, notes, viewer, records, later)
    involved = [r for r in settled.records if r.type in KINDS and _names(r, member_id)]
    spans = {c: ps for (c, m), ps in periods(records).items() if m == member_id and ps}
    if moment is None:
        moment = max((r.occurred_at for r in records), default=None)
    standing, revoked = awards.recognitions(member_id, records, live, people, seen.show)
    return {
        "member": _member(member_id, people),
        "viewer": viewer,
        "filters": chosen.to_dict(),
        "communities": _communities(records, spans, people),
        "timeline": _timeline(involved, seen, chosen),
        "sessions_led": _sessions_led(settled, member_id, people),
        "resources": library(settled, people, lambda e: e.member_id == member_id),
        "reflections": [n.to_dict(people) for n in sorted(
            notes.values(), key=lambda n: (n.occurred_at, n.position))
            if n.member_id == member_id and seen.may(n)],
        "steps_completed": _steps(settled, member_id, people),
        "recognitions": standing,
        "revoked_recognitions": revoked,
        "rule_badges": awards.rule_badges(member_id, records, live, seen.show),
        "tiers": tiers(settled.records, member_id, spans, moment) if moment else {},
    }


def _names(rec: Recorded, member_id: str) -> bool:
    """Whether the index files `rec` under the member's key (as keys_of does)."""
    return member_id in people_of(rec)


def _timeline(involved: Sequence[Recorded], seen: _Seen, chosen: Filters
              ) -> list[dict[str, Any]]:
    """The entries the viewer may see and the filters keep, in `ordered`'s order.

    Sorted on the records' own times, which the entries' RFC 3339 strings render exactly,
    so the order is `ordered`'s without parsing every entry back."""
    keeps = chosen.keeper()
    kept = [(rec.occurred_at, rec.position, e) for rec in involved
            if (e := seen.show(rec)) is not None and keeps(e, rec.occurred_at)]
    kept.sort(key=lambda t: (t[0], t[1]))
    return [e for _, _, e in kept]


def _member(member_id: str, people: People) -> dict[str, Any]:
    erased = people.is_erased(member_id)
    return {**people.ref(member_id), "erased": erased,
            "school": None if erased else people.schools.get(member_id)}


def _communities(records: Sequence[Recorded], spans: dict[str, list[Period]],
                 people: People) -> list[dict[str, Any]]:
    known = founded(records)
    out = []
    for community, ps in sorted(spans.items(), key=lambda kv: (kv[1][0].start, kv[0])):
        info = describe(known[community], people) if community in known else {
            "community_id": community}
        out.append({**info, "current_role": ps[-1].role if ps[-1].end is None else None,
                    "periods": [p.to_dict() for p in ps]})
    return out


def _in_time(settled: Settled) -> list[Recorded]:
    return sorted(settled.records, key=lambda r: (r.occurred_at, r.position))


def _sessions_led(settled: Settled, member_id: str, people: People) -> list[dict[str, Any]]:
    out = []
    for rec in _in_time(settled):
        e = rec.event
        if isinstance(e, ev.SessionLed) and member_id in e.leaders:
            out.append({"position": rec.position, "session_id": e.session_id,
                        "community_id": e.community_id, "occurred_at": format_time(rec.occurred_at),
                        "title": e.title, "format": e.format,
                        "co_leaders": people.refs(m for m in e.leaders if m != member_id),
                        "attendees": people.refs(e.attendees),
                        "corrected": rec.position in settled.corrected})
    return out


def _steps(settled: Settled, member_id: str, people: People) -> list[dict[str, Any]]:
    known = plans(settled, people)
    out = []
    for rec in _in_time(settled):
        e = rec.event
        if isinstance(e, ev.ActionStepCompleted) and member_id in e.member_ids:
            plan = known.get(e.plan_id, {})
            step = next((s for s in plan.get("steps", ()) if s["step_id"] == e.step_id), {})
            out.append({"position": rec.position, "community_id": e.community_id,
                        "plan_id": e.plan_id, "inquiry_question": plan.get("inquiry_question"),
                        "step_id": e.step_id, "step_title": step.get("title"),
                        "completed_at": format_time(rec.occurred_at),
                        "with": people.refs(m for m in e.member_ids if m != member_id),
                        "outcome": people.text(rec, "outcome"),
                        "evidence_url": e.evidence_url,
                        "corrected": rec.position in settled.corrected})
    return out
