"""Event factories for domain tests: realistic defaults, so a test names only what it is about.

Sequences are given as lists or tuples and always stored as tuples, the way
`journey.events.from_data` builds them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journey.events import (
    ActionPlanCreated, ActionPlanRevised, ActionStepCompleted, BadgeDefined, CommunityFounded,
    EntryCorrected, EntryRetracted, FeedbackGiven, MemberErased, MemberJoined, MemberLeft,
    MemberRegistered, NetworkCreated, NormsAgreed, RecognitionAwarded, RecognitionRevoked,
    ReflectionRecorded, ReflectionVisibilityChanged, ResourceReused, ResourceShared, RoleChanged,
    SessionCancelled, SessionLed, SessionScheduled, Step,
)

DISPLAY_NAMES = {
    "ana": "Ana Petrović", "ivan": "Ivan Jovanović", "mila": "Mila Nikolić",
    "zoran": "Zoran Ilić", "jelena": "Jelena Marković",
}


def _tuple(values: Iterable[Any] | None) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)


def registered(member: str) -> MemberRegistered:
    """MemberRegistered with a display name."""
    return MemberRegistered(member_id=member,
                            display_name=DISPLAY_NAMES.get(member, member.title()),
                            school="OŠ Vuk Karadžić")


def network_created(network: str = "serbia-sel") -> NetworkCreated:
    """NetworkCreated for the Serbian SEL programme."""
    return NetworkCreated(network_id=network, name="Serbia SEL network",
                          programme="Social-emotional learning in schools")


def founded(community: str, network: str | None = "serbia-sel") -> CommunityFounded:
    """CommunityFounded of a school CoP, in `network` (None: outside any network)."""
    return CommunityFounded(community_id=community, name=f"CoP {community}",
                            domain="Social-emotional learning", network_id=network,
                            mode="in_person")


def joined(member: str, role: str = "member", community: str = "vrsac-1",
           invited_by: str | None = None) -> MemberJoined:
    """MemberJoined."""
    return MemberJoined(community_id=community, member_id=member, role=role,
                        invited_by=invited_by)


def role_changed(member: str, from_role: str, to_role: str,
                 community: str = "vrsac-1") -> RoleChanged:
    """RoleChanged."""
    return RoleChanged(community_id=community, member_id=member, from_role=from_role,
                       to_role=to_role)


def left(member: str, community: str = "vrsac-1") -> MemberLeft:
    """MemberLeft."""
    return MemberLeft(community_id=community, member_id=member)


def norms(agreed_by: Iterable[str] = ("ana", "ivan", "mila"), community: str = "vrsac-1",
          texts: Iterable[str] = ("We start on time", "Every voice is heard")) -> NormsAgreed:
    """NormsAgreed."""
    return NormsAgreed(community_id=community, norms=tuple(texts), agreed_by=tuple(agreed_by))


def scheduled(session: str = "s-1", planned_leaders: Iterable[str] | None = None,
              community: str = "vrsac-1",
              starts_at: str = "2024-04-10T14:00:00Z") -> SessionScheduled:
    """SessionScheduled of a planning meeting."""
    return SessionScheduled(community_id=community, session_id=session, starts_at=starts_at,
                            title="Planning the student survey", format="meeting",
                            planned_leaders=_tuple(planned_leaders))


def cancelled(session: str = "s-1", community: str = "vrsac-1",
              reason: str | None = "School trip") -> SessionCancelled:
    """SessionCancelled."""
    return SessionCancelled(community_id=community, session_id=session, reason=reason)


def led(session: str = "s-1", leaders: Iterable[str] = ("ana",),
        attendees: Iterable[str] | None = None, community: str = "vrsac-1",
        title: str = "Student survey results") -> SessionLed:
    """SessionLed of a workshop."""
    return SessionLed(community_id=community, session_id=session, leaders=tuple(leaders),
                      title=title, format="workshop", attendees=_tuple(attendees))


def shared(resource: str = "r-1", member: str = "ivan",
           community: str = "vrsac-1") -> ResourceShared:
    """ResourceShared of a rubric."""
    return ResourceShared(community_id=community, resource_id=resource, member_id=member,
                          title="Rubric for peer observation", kind="rubric",
                          tags=("observation",))


def reused(resource: str = "r-1", member: str = "mila", community: str = "vrsac-1",
           note: str | None = "Used it with 7th grade") -> ResourceReused:
    """ResourceReused."""
    return ResourceReused(community_id=community, resource_id=resource, member_id=member,
                          note=note)


def feedback(from_member: str, to_member: str, about_id: str = "s-1",
             about_kind: str = "session", community: str = "vrsac-1",
             text: str | None = "Clear and warm facilitation") -> FeedbackGiven:
    """FeedbackGiven."""
    return FeedbackGiven(community_id=community, from_member_id=from_member,
                         to_member_id=to_member, about_kind=about_kind, about_id=about_id,
                         text=text)


def reflection(reflection: str = "rf-1", member: str = "ivan", visibility: str = "community",
               community: str | None = "vrsac-1",
               about: Iterable[int] | None = None) -> ReflectionRecorded:
    """ReflectionRecorded (community None: a reflection outside any community)."""
    return ReflectionRecorded(reflection_id=reflection, member_id=member,
                              text="My students opened up in the circle today.",
                              community_id=community, visibility=visibility,
                              value_cycle="immediate", about=_tuple(about))


def visibility(reflection: str, member: str, to: str) -> ReflectionVisibilityChanged:
    """ReflectionVisibilityChanged."""
    return ReflectionVisibilityChanged(reflection_id=reflection, member_id=member, visibility=to)


def step(step_id: str = "st-1", owners: Iterable[str] = ("ivan", "mila"),
         title: str = "Run the parents' survey") -> Step:
    """One step of an action plan."""
    return Step(step_id=step_id, title=title, owners=tuple(owners))


def plan(plan_id: str = "p-1", steps: Iterable[Step] | None = None,
         community: str = "vrsac-1") -> ActionPlanCreated:
    """ActionPlanCreated with one step owned by ivan and mila unless `steps` is given."""
    return ActionPlanCreated(community_id=community, plan_id=plan_id,
                             inquiry_question="How do students feel at school?",
                             involves=("students", "parents"),
                             steps=tuple(steps) if steps is not None else (step(),))


def revised(plan_id: str = "p-1", steps_added: Iterable[Step] | None = None,
            steps_dropped: Iterable[str] | None = None,
            community: str = "vrsac-1") -> ActionPlanRevised:
    """ActionPlanRevised."""
    return ActionPlanRevised(community_id=community, plan_id=plan_id,
                             steps_added=_tuple(steps_added),
                             steps_dropped=_tuple(steps_dropped), note="After the first survey")


def completed(plan_id: str = "p-1", step_id: str = "st-1", member_ids: Iterable[str] = ("ivan",),
              community: str = "vrsac-1") -> ActionStepCompleted:
    """ActionStepCompleted."""
    return ActionStepCompleted(community_id=community, plan_id=plan_id, step_id=step_id,
                               member_ids=tuple(member_ids),
                               outcome="84 parents answered the survey")


def badge(badge_id: str = "b-1", community: str = "vrsac-1") -> BadgeDefined:
    """BadgeDefined."""
    return BadgeDefined(badge_id=badge_id, community_id=community, name="Circle keeper",
                        description="Keeps the morning circle", criteria="Led three circles")


def award(award_id: str = "a-1", member: str = "ivan", badge_id: str = "b-1",
          awarded_by: str = "ana", community: str = "vrsac-1",
          evidence: Iterable[int] | None = None) -> RecognitionAwarded:
    """RecognitionAwarded."""
    return RecognitionAwarded(award_id=award_id, community_id=community, member_id=member,
                              badge_id=badge_id, awarded_by=awarded_by,
                              evidence=_tuple(evidence), note="Thank you")


def revoke(award_id: str = "a-1", revoked_by: str = "ana") -> RecognitionRevoked:
    """RecognitionRevoked."""
    return RecognitionRevoked(award_id=award_id, revoked_by=revoked_by,
                              reason="Awarded to the wrong person")


def retract(position: int, by: str) -> EntryRetracted:
    """EntryRetracted."""
    return EntryRetracted(position=position, retracted_by=by, reason="Recorded by mistake")


def correct(position: int, by: str, fields: dict[str, Any]) -> EntryCorrected:
    """EntryCorrected."""
    return EntryCorrected(position=position, corrected_by=by, fields=dict(fields),
                          reason="Typo")


def erased(member: str, requested_by: str) -> MemberErased:
    """MemberErased."""
    return MemberErased(member_id=member, requested_by=requested_by)
