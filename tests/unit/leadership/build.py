"""A tiny log builder for the leadership tests: Recorded events, no domain rules applied.

Positions are 1, 2, 3, ... in the order of the calls; `at` is occurred_at (YYYY-MM-DD
or RFC 3339), free to go back in time, as a back-dated event does.
"""
from __future__ import annotations

import itertools
from typing import Any

from journey import events as ev
from journey.clock import parse_time
from journey.records import Recorded
from projections.leadership.metrics import Fact, fold, leadership, parse_day, trend

_ids = itertools.count(1)


def recorded(position: int, event: ev.Event, at: str, actor: str = "someone") -> Recorded:
    """A Recorded as the store would hand it over (recorded_at is irrelevant here)."""
    moment = parse_time(at)
    return Recorded(position=position, event_id=f"e-{position}", stream="s", version=position,
                    event=event, actor=actor, occurred_at=moment, recorded_at=moment)


class Log:
    """An in-memory log grown by one call per event; every call returns the position."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []

    def add(self, event: ev.Event, at: str) -> int:
        position = len(self.records) + 1
        self.records.append(recorded(position, event, at))
        return position

    # -- one shorthand per event type the metrics read ----------------------------------

    def found(self, c: str, at: str = "2023-01-01", network: str | None = None) -> int:
        return self.add(ev.CommunityFounded(community_id=c, name=c, domain="SEL",
                                            network_id=network), at)

    def join(self, c: str, m: str, at: str = "2023-12-01", role: str = "member") -> int:
        return self.add(ev.MemberJoined(community_id=c, member_id=m, role=role), at)

    def role(self, c: str, m: str, from_role: str, to_role: str, at: str) -> int:
        return self.add(ev.RoleChanged(community_id=c, member_id=m, from_role=from_role,
                                       to_role=to_role), at)

    def leave(self, c: str, m: str, at: str) -> int:
        return self.add(ev.MemberLeft(community_id=c, member_id=m), at)

    def led(self, c: str, leaders: list[str], at: str, attendees: list[str] | None = None,
            session_id: str | None = None) -> int:
        return self.add(ev.SessionLed(
            community_id=c, session_id=session_id or f"s-{next(_ids)}", leaders=tuple(leaders),
            title="A session", format="workshop",
            attendees=tuple(attendees) if attendees is not None else None), at)

    def share(self, c: str, m: str, resource: str, at: str) -> int:
        return self.add(ev.ResourceShared(community_id=c, resource_id=resource, member_id=m,
                                          title="A rubric", kind="rubric"), at)

    def reuse(self, c: str, m: str, resource: str, at: str) -> int:
        return self.add(ev.ResourceReused(community_id=c, resource_id=resource, member_id=m),
                        at)

    def feedback(self, c: str, giver: str, to: str, at: str) -> int:
        return self.add(ev.FeedbackGiven(community_id=c, from_member_id=giver, to_member_id=to,
                                         about_kind="session", about_id="s-x"), at)

    def reflect(self, c: str | None, m: str, at: str) -> int:
        return self.add(ev.ReflectionRecorded(
            reflection_id=f"r-{next(_ids)}", member_id=m, text="I learned", community_id=c,
            visibility="private" if c is None else "community"), at)

    def complete(self, c: str, members: list[str], at: str) -> int:
        return self.add(ev.ActionStepCompleted(community_id=c, plan_id="p-1", step_id="st-1",
                                               member_ids=tuple(members), outcome="done"), at)

    def retract(self, position: int, at: str = "2025-01-01") -> int:
        return self.add(ev.EntryRetracted(position=position, retracted_by="ana",
                                          reason="mistake"), at)

    def correct(self, position: int, fields: dict[str, Any], at: str = "2025-01-01") -> int:
        return self.add(ev.EntryCorrected(position=position, corrected_by="ana", fields=fields,
                                          reason="typo"), at)

    # -- reading ------------------------------------------------------------------------

    def facts(self, upto: int | None = None) -> list[Fact]:
        return fold(self.records[:upto])

    def report(self, *communities: str, start: str | None = None, end: str | None = None,
               as_of: int | None = None) -> dict[str, Any]:
        return leadership(fold(self.records), communities=set(communities),
                          start=day(start), end=day(end), as_of_position=as_of)

    def trend(self, *communities: str, start: str | None = None, end: str | None = None,
              as_of: int | None = None) -> list[dict[str, Any]]:
        return trend(fold(self.records), communities=set(communities), start=day(start),
                     end=day(end), as_of_position=as_of)


def day(text: str | None) -> int | None:
    return None if text is None else parse_day(text)
