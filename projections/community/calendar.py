"""A community's calendar: sessions scheduled, cancelled and held.

A SessionLed may reuse a scheduled session's id: the scheduled session then took place.
Retracting the SessionLed or the SessionCancelled puts a session back to `scheduled`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from journey import events as ev
from journey.clock import format_time, parse_time
from projections.folds.history import Settled
from projections.folds.personal import People


def calendar(settled: Settled, community_id: str, people: People) -> list[dict[str, Any]]:
    """Sessions of the community by when they were held (or are to start)."""
    sessions: dict[str, dict[str, Any]] = {}
    when: dict[str, tuple[datetime, int]] = {}
    for rec in settled.records:
        e = rec.event
        if getattr(e, "community_id", None) != community_id:
            continue
        if isinstance(e, ev.SessionScheduled):
            sessions.setdefault(e.session_id, _blank(e.session_id)).update(
                title=e.title, format=e.format, starts_at=format_time(parse_time(e.starts_at)),
                planned_leaders=people.refs(e.planned_leaders), link=e.link,
                scheduled_position=rec.position)
            when.setdefault(e.session_id, (parse_time(e.starts_at), rec.position))
        elif isinstance(e, ev.SessionCancelled) and e.session_id in sessions:
            sessions[e.session_id].update(cancelled=True, cancel_reason=people.text(rec, "reason"))
        elif isinstance(e, ev.SessionLed):
            session = sessions.setdefault(e.session_id, _blank(e.session_id))
            session.update(title=e.title, format=e.format, held_at=format_time(rec.occurred_at),
                           leaders=people.refs(e.leaders), attendees=people.refs(e.attendees),
                           held_position=rec.position)
            when[e.session_id] = (rec.occurred_at, rec.position)
    for session in sessions.values():
        cancelled = session.pop("cancelled")
        session["status"] = ("held" if session["held_at"] else
                             "cancelled" if cancelled else "scheduled")
    return [sessions[s] for s in sorted(sessions, key=lambda s: when[s])]


def _blank(session_id: str) -> dict[str, Any]:
    return {"session_id": session_id, "status": "scheduled", "title": None, "format": None,
            "starts_at": None, "planned_leaders": [], "link": None, "scheduled_position": None,
            "cancelled": False, "cancel_reason": None, "held_at": None, "leaders": [],
            "attendees": [], "held_position": None}
