"""A plain list of Recorded for the badge tests: positions 1..n, no domain, no database.

`Log.add(event, at=...)` appends one event as the store would have recorded it, with the
actor the domain's "who acts" table expects (unless given) and a correlation id of its
own (a hand-over shares one between its two RoleChanged).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from journey import events as ev
from journey.clock import parse_time
from journey.records import Recorded

C = "vrsac-1"
C2 = "stepojevac-1"


def when(text: str) -> datetime:
    return parse_time(text)


def actor_of(e: ev.Event) -> str:
    """Who the domain lets append `e` (the first person a who-acts field names)."""
    for name in ("leaders", "member_ids"):
        if hasattr(e, name):
            return getattr(e, name)[0]
    for name in ("from_member_id", "awarded_by", "revoked_by", "retracted_by", "corrected_by",
                 "member_id"):
        if hasattr(e, name):
            return getattr(e, name)
    return "ana"


class Log:
    """Recorded events at positions 1, 2, 3, … (occurred_at one hour apart unless given)."""

    def __init__(self, start: str = "2024-02-01T09:00:00Z") -> None:
        self.records: list[Recorded] = []
        self._next = when(start)

    def add(self, event: ev.Event, at: str | datetime | None = None, actor: str | None = None,
            correlation: str | None = None) -> int:
        position = len(self.records) + 1
        if at is None:
            occurred = self._next
        else:
            occurred = at if isinstance(at, datetime) else when(at)
        self._next = occurred + timedelta(hours=1)
        community = getattr(event, "community_id", None)
        self.records.append(Recorded(
            position=position, event_id=f"e-{position}",
            stream=f"community-{community}" if community else f"member-{actor_of(event)}",
            version=position, event=event, actor=actor or actor_of(event),
            occurred_at=occurred, recorded_at=occurred,
            meta={"correlation_id": correlation or f"c-{position}"}))
        return position

    def hand_over(self, old: str, new: str, community: str = C,
                  at: str | None = None) -> tuple[int, int]:
        """The two RoleChanged of a hand-over (new first, as the command appends them)."""
        correlation = f"ho-{len(self.records) + 1}"
        first = self.add(role_changed(new, "member", "facilitator", community), at=at,
                         actor=old, correlation=correlation)
        second = self.add(role_changed(old, "facilitator", "member", community),
                          at=self.records[-1].occurred_at, actor=old, correlation=correlation)
        return first, second

    def retract(self, position: int, by: str | None = None) -> int:
        return self.add(ev.EntryRetracted(position=position,
                                          retracted_by=by or self.records[position - 1].actor,
                                          reason="Recorded by mistake"))

    def correct(self, position: int, fields: dict[str, Any], by: str | None = None) -> int:
        return self.add(ev.EntryCorrected(position=position,
                                          corrected_by=by or self.records[position - 1].actor,
                                          fields=fields, reason="Typo"))


# -- event factories with seed-like defaults ----------------------------------------------------

def shared(member: str, resource: str, community: str = C) -> ev.ResourceShared:
    return ev.ResourceShared(community_id=community, resource_id=resource, member_id=member,
                             title="Circle time activity cards", kind="activity")


def reused(member: str, resource: str, community: str = C) -> ev.ResourceReused:
    return ev.ResourceReused(community_id=community, resource_id=resource, member_id=member,
                             note="Used it with 7th grade")


def led(leaders: Iterable[str], session: str, community: str = C, fmt: str = "meeting",
        attendees: Iterable[str] | None = None) -> ev.SessionLed:
    return ev.SessionLed(community_id=community, session_id=session, leaders=tuple(leaders),
                         title="Student survey results", format=fmt,
                         attendees=tuple(attendees) if attendees is not None else None)


def reflection(member: str, rid: str, visibility: str = "community",
               community: str | None = C, cycle: str | None = "immediate") -> ev.ReflectionRecorded:
    return ev.ReflectionRecorded(reflection_id=rid, member_id=member,
                                 text="My students opened up in the circle today.",
                                 community_id=community, visibility=visibility,
                                 value_cycle=cycle)


def visibility(member: str, rid: str, to: str) -> ev.ReflectionVisibilityChanged:
    return ev.ReflectionVisibilityChanged(reflection_id=rid, member_id=member, visibility=to)


def plan(plan_id: str, involves: Iterable[str] | None, owners: Iterable[str],
         community: str = C) -> ev.ActionPlanCreated:
    return ev.ActionPlanCreated(
        community_id=community, plan_id=plan_id,
        inquiry_question="How can we improve peer cooperation and trust among students?",
        involves=tuple(involves) if involves is not None else None,
        steps=(ev.Step(step_id=f"{plan_id}-s1", title="Survey the students",
                       owners=tuple(owners)),))


def revised(plan_id: str, step_id: str, owners: Iterable[str],
            community: str = C) -> ev.ActionPlanRevised:
    return ev.ActionPlanRevised(community_id=community, plan_id=plan_id,
                                steps_added=(ev.Step(step_id=step_id, title="Workshop with students",
                                                     owners=tuple(owners)),))


def completed(members: Iterable[str], plan_id: str, step_id: str | None = None,
              community: str = C) -> ev.ActionStepCompleted:
    return ev.ActionStepCompleted(community_id=community, plan_id=plan_id,
                                  step_id=step_id or f"{plan_id}-s1", member_ids=tuple(members),
                                  outcome="Students suggested three ways to cooperate")


def feedback(giver: str, to: str, about: str = "s-1", community: str = C) -> ev.FeedbackGiven:
    return ev.FeedbackGiven(community_id=community, from_member_id=giver, to_member_id=to,
                            about_kind="session", about_id=about, text="Warm and clear")


def role_changed(member: str, from_role: str, to_role: str,
                 community: str = C) -> ev.RoleChanged:
    return ev.RoleChanged(community_id=community, member_id=member, from_role=from_role,
                          to_role=to_role)


def joined(member: str, role: str = "member", community: str = C) -> ev.MemberJoined:
    return ev.MemberJoined(community_id=community, member_id=member, role=role)


def badge(badge_id: str, community: str = C) -> ev.BadgeDefined:
    return ev.BadgeDefined(badge_id=badge_id, community_id=community, name="Circle keeper",
                           description="Keeps the morning circle going",
                           criteria="Led the morning circle for a term")


def award(award_id: str, member: str, badge_id: str, by: str = "ana",
          evidence: Iterable[int] | None = None, community: str = C) -> ev.RecognitionAwarded:
    return ev.RecognitionAwarded(award_id=award_id, community_id=community, member_id=member,
                                 badge_id=badge_id, awarded_by=by,
                                 evidence=tuple(evidence) if evidence is not None else None,
                                 note="Thank you for the circles")


def revoke(award_id: str, by: str = "ana",
           reason: str = "Awarded to the wrong person") -> ev.RecognitionRevoked:
    return ev.RecognitionRevoked(award_id=award_id, revoked_by=by, reason=reason)
