"""The decision state: what the rules need to know of everything recorded so far.

It is a fold of the log (``apply`` one recorded event after another), kept by the store's
writer and advanced inside the serialised append, so a decision always sees the whole log.
Times are kept as microseconds since the epoch: the rules compare them constantly.
"""
from __future__ import annotations

from bisect import insort
from sys import intern
from dataclasses import dataclass, field
from typing import Iterator

from journey.clock import to_micros
from journey.records import Recorded

JOIN, ROLE, LEAVE = "join", "role", "leave"

# What an act needs of the person at its moment: any membership, or a role.
ANY_ROLE = frozenset({"member", "facilitator", "coordinator"})
FACILITATOR = frozenset({"facilitator"})
FACILITATOR_OR_COORDINATOR = frozenset({"facilitator", "coordinator"})
COORDINATOR = frozenset({"coordinator"})


@dataclass(frozen=True, order=True, slots=True)
class Entry:
    """One membership event of a person in a community, ordered by (occurred_at, position)."""

    at: int
    position: int
    kind: str  # join, role, leave
    role: str | None = None  # role after the entry (join, role)
    from_role: str | None = None  # RoleChanged.from_role


@dataclass(frozen=True, order=True, slots=True)
class Act:
    """Something a person did or took part in that needed them to hold a role at `at`."""

    at: int
    position: int
    needs: frozenset[str] = field(compare=False)
    what: str = field(compare=False, default="")


def _in_order(items: list, item: Entry | Act) -> None:
    """Insert `item` in (at, position) order. Events mostly come in time order, so the
    common case is one comparison and an append, not a bisection of dataclass compares."""
    if not items or (items[-1].at, items[-1].position) < (item.at, item.position):
        items.append(item)
    else:
        insort(items, item)


def status_at(timeline: list[Entry], at: int) -> str | None:
    """The role held at `at` (None when not a member), folding entries with time ≤ at."""
    role: str | None = None
    for entry in timeline:
        if entry.at > at:
            break
        role = None if entry.kind == LEAVE else entry.role
    return role


def timeline_problem(timeline: list[Entry]) -> tuple[Entry, str] | None:
    """The first entry that breaks the membership grammar, with the broken rule."""
    role: str | None = None
    for entry in timeline:
        if entry.kind == JOIN:
            if role is not None:
                return entry, "already_member"
            role = entry.role
        elif entry.kind == ROLE:
            if role is None:
                return entry, "not_a_member"
            if entry.from_role != role:
                return entry, "role_mismatch"
            role = entry.role
        else:
            if role is None:
                return entry, "not_a_member"
            role = None
    return None


@dataclass(slots=True)
class Community:
    community_id: str
    network_id: str | None
    founder: str
    founded_at: int
    stream: str


@dataclass(slots=True)
class ScheduledSession:
    community_id: str
    position: int
    planned_leaders: tuple[str, ...]
    cancelled: bool = False


@dataclass(slots=True)
class HeldSession:
    community_id: str
    position: int
    at: int


@dataclass(slots=True)
class Resource:
    community_id: str
    member_id: str
    position: int
    at: int


@dataclass(slots=True)
class Reflection:
    member_id: str
    community_id: str | None
    visibility: str
    position: int
    stream: str


@dataclass(slots=True)
class PlanStep:
    owners: tuple[str, ...]
    at: int
    dropped: bool = False
    #: The position of the event that completed it (0: open). Retracting that event
    #: reopens the step (`retracted`).
    completed: int = 0


@dataclass(slots=True)
class Plan:
    community_id: str
    at: int
    #: The inquiry question as last set (created or revised): a revision that restates it
    #: changes nothing.
    question: str
    steps: dict[str, PlanStep] = field(default_factory=dict)


@dataclass(slots=True)
class Award:
    community_id: str
    member_id: str
    position: int
    revoked: bool = False


@dataclass(slots=True)
class DomainState:
    """Everything the rules consult, folded from the log in position order."""

    position: int = 0
    last_recorded_at: int = 0
    stream_versions: dict[str, int] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    erased: set[str] = field(default_factory=set)
    networks: dict[str, int] = field(default_factory=dict)  # network_id -> its position
    network_creators: dict[str, str] = field(default_factory=dict)  # network_id -> actor
    network_communities: dict[str, list[str]] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    timelines: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    acts: dict[tuple[str, str], list[Act]] = field(default_factory=dict)
    scheduled: dict[str, ScheduledSession] = field(default_factory=dict)
    held: dict[str, HeldSession] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    reflections: dict[str, Reflection] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    badges: dict[str, str] = field(default_factory=dict)  # badge_id -> community_id
    awards: dict[str, Award] = field(default_factory=dict)
    retracted: set[int] = field(default_factory=set)
    # position -> the (community, person) keys whose acts it pinned, to unpin on retraction
    pins: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    _canonical: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    # -- queries -------------------------------------------------------------------------

    def role_at(self, community_id: str, member_id: str, at: int) -> str | None:
        """The person's role in the community at `at`, or None when not a member then."""
        timeline = self.timelines.get((community_id, member_id))
        return status_at(timeline, at) if timeline else None

    def network_reach(self, network_id: str, person: str, at: int) -> str | None:
        """Why `person` reaches the whole network at `at` (journey.access): "" as its
        creator, else a community of it they coordinate then; None when they do not."""
        if self.network_creators.get(network_id) == person:
            return ""
        for community_id in self.network_communities.get(network_id, ()):
            if self.role_at(community_id, person, at) == "coordinator":
                return community_id
        return None

    def members_of(self, community_id: str) -> Iterator[tuple[str, list[Entry]]]:
        """Every person who ever joined the community, with their timeline."""
        for (cid, mid), timeline in self.timelines.items():
            if cid == community_id:
                yield mid, timeline

    def next_version(self, stream: str) -> int:
        return self.stream_versions.get(stream, 0) + 1

    # -- the fold ------------------------------------------------------------------------

    def apply(self, rec: Recorded) -> None:
        """Fold one recorded event (in position order) into the state."""
        self.position = rec.position
        self.stream_versions[rec.stream] = rec.version
        recorded_us = to_micros(rec.recorded_at)
        if recorded_us > self.last_recorded_at:
            self.last_recorded_at = recorded_us
        handler = getattr(self, "_on_" + rec.event.type, None)
        if handler is not None:
            handler(rec, rec.event, to_micros(rec.occurred_at))

    def _pin(self, rec: Recorded, community_id: str, person: str, needs: frozenset[str],
             at: int, what: str) -> None:
        # Ids repeat across a million events: keep one string and one key tuple of each.
        key = (intern(community_id), intern(person))
        key = self._canonical.setdefault(key, key)
        _in_order(self.acts.setdefault(key, []), Act(at, rec.position, needs, what))
        self.pins.setdefault(rec.position, []).append(key)

    def _membership(self, community_id: str, member_id: str, entry: Entry) -> None:
        _in_order(self.timelines.setdefault((community_id, member_id), []), entry)

    def _on_MemberRegistered(self, rec, ev, at):
        self.members.add(ev.member_id)

    def _on_MemberErased(self, rec, ev, at):
        self.erased.add(ev.member_id)

    def _on_NetworkCreated(self, rec, ev, at):
        self.networks[ev.network_id] = rec.position
        self.network_creators[ev.network_id] = rec.actor

    def _on_CommunityFounded(self, rec, ev, at):
        self.communities[ev.community_id] = Community(
            ev.community_id, ev.network_id, rec.actor, at, rec.stream)
        if ev.network_id is not None:
            self.network_communities.setdefault(ev.network_id, []).append(ev.community_id)

    def _on_MemberJoined(self, rec, ev, at):
        if ev.role == "coordinator":
            self._pin_reach(rec, ev.community_id, ev.member_id, at)
        self._membership(ev.community_id, ev.member_id, Entry(at, rec.position, JOIN, ev.role))
        if rec.actor != ev.member_id:
            own_invitation = rec.actor == ev.invited_by and ev.role == "member"
            needs = ANY_ROLE if own_invitation else FACILITATOR_OR_COORDINATOR
            self._pin(rec, ev.community_id, rec.actor, needs, at, "added a member")

    def _pin_reach(self, rec, community_id: str, person: str, at: int) -> None:
        """A coordinator was made on the strength of someone's reach of the network
        (journey.decide.check_reach_handed_on, judged at `at` and when it was recorded):
        the coordinator role that reach came from must stay."""
        community = self.communities.get(community_id)
        if community is None or community.network_id is None:
            return
        network, recorded = community.network_id, max(at, to_micros(rec.recorded_at))
        for who in (rec.actor, person):
            through = self.network_reach(network, who, at)
            if through is not None and self.network_reach(network, who, recorded) is not None:
                if through:
                    self._pin(rec, through, who, COORDINATOR, at,
                              f"made {person} a coordinator of {community_id}, as a "
                              "coordinator" if who == rec.actor else
                              f"was made a coordinator of {community_id}, being a coordinator")
                return

    def _on_RoleChanged(self, rec, ev, at):
        if ev.to_role == "coordinator":
            self._pin_reach(rec, ev.community_id, ev.member_id, at)
        self._membership(ev.community_id, ev.member_id,
                         Entry(at, rec.position, ROLE, ev.to_role, ev.from_role))
        if rec.actor != ev.member_id:
            # Only membership is pinned: in a hand-over the actor steps down at this moment.
            self._pin(rec, ev.community_id, rec.actor, ANY_ROLE, at, "changed a role")

    def _on_MemberLeft(self, rec, ev, at):
        self._membership(ev.community_id, ev.member_id, Entry(at, rec.position, LEAVE))
        if rec.actor != ev.member_id:
            self._pin(rec, ev.community_id, rec.actor, FACILITATOR, at, "removed a member")

    def _on_NormsAgreed(self, rec, ev, at):
        self._pin(rec, ev.community_id, rec.actor, FACILITATOR, at, "agreed norms")
        for person in ev.agreed_by:
            self._pin(rec, ev.community_id, person, ANY_ROLE, at, "agreed norms")

    def _on_SessionScheduled(self, rec, ev, at):
        planned = tuple(ev.planned_leaders or ())
        self.scheduled[ev.session_id] = ScheduledSession(ev.community_id, rec.position, planned)
        self._pin_scheduler(rec, ev.community_id, planned, at, "scheduled a session")
        for person in planned:
            self._pin(rec, ev.community_id, person, ANY_ROLE, at, "was to lead a session")

    def _pin_scheduler(self, rec, community_id, planned, at, what):
        needs = ANY_ROLE if rec.actor in planned else FACILITATOR
        self._pin(rec, community_id, rec.actor, needs, at, what)

    def _on_SessionCancelled(self, rec, ev, at):
        session = self.scheduled.get(ev.session_id)
        if session is not None:
            session.cancelled = True
            self._pin_scheduler(rec, ev.community_id, session.planned_leaders, at,
                                "cancelled a session")

    def _on_SessionLed(self, rec, ev, at):
        self.held[ev.session_id] = HeldSession(intern(ev.community_id), rec.position, at)
        for person in ev.leaders:
            self._pin(rec, ev.community_id, person, ANY_ROLE, at, "led a session")
        for person in ev.attendees or ():
            if person not in ev.leaders:
                self._pin(rec, ev.community_id, person, ANY_ROLE, at, "attended a session")

    def _on_ResourceShared(self, rec, ev, at):
        self.resources[ev.resource_id] = Resource(intern(ev.community_id), intern(ev.member_id),
                                                  rec.position, at)
        self._pin(rec, ev.community_id, ev.member_id, ANY_ROLE, at, "shared a resource")

    def _on_ResourceReused(self, rec, ev, at):
        self._pin(rec, ev.community_id, ev.member_id, ANY_ROLE, at, "reused a resource")

    def _on_FeedbackGiven(self, rec, ev, at):
        self._pin(rec, ev.community_id, ev.from_member_id, ANY_ROLE, at, "gave feedback")
        self._pin(rec, ev.community_id, ev.to_member_id, ANY_ROLE, at, "received feedback")

    def _on_ReflectionRecorded(self, rec, ev, at):
        self.reflections[ev.reflection_id] = Reflection(
            ev.member_id, ev.community_id, ev.visibility, rec.position, rec.stream)
        if ev.community_id:
            self._pin(rec, ev.community_id, ev.member_id, ANY_ROLE, at, "reflected")

    def _on_ReflectionVisibilityChanged(self, rec, ev, at):
        reflection = self.reflections.get(ev.reflection_id)
        if reflection is not None:
            reflection.visibility = ev.visibility

    def _on_ActionPlanCreated(self, rec, ev, at):
        plan = Plan(ev.community_id, at, ev.inquiry_question)
        self.plans[ev.plan_id] = plan
        self._pin(rec, ev.community_id, rec.actor, ANY_ROLE, at, "created an action plan")
        self._add_steps(rec, plan, ev.steps, at)

    def _add_steps(self, rec, plan, steps, at):
        for step in steps or ():
            plan.steps[step.step_id] = PlanStep(tuple(step.owners), at)
            for owner in step.owners:
                self._pin(rec, plan.community_id, owner, ANY_ROLE, at, "owns an action step")

    def _on_ActionPlanRevised(self, rec, ev, at):
        plan = self.plans.get(ev.plan_id)
        if plan is None:
            return
        self._pin(rec, ev.community_id, rec.actor, ANY_ROLE, at, "revised an action plan")
        if ev.inquiry_question is not None:
            plan.question = ev.inquiry_question
        self._add_steps(rec, plan, ev.steps_added, at)
        for step_id in ev.steps_dropped or ():
            if step_id in plan.steps:
                plan.steps[step_id].dropped = True

    def _on_ActionStepCompleted(self, rec, ev, at):
        plan = self.plans.get(ev.plan_id)
        step = plan.steps.get(ev.step_id) if plan is not None else None
        if step is not None:
            step.completed = rec.position
        for person in ev.member_ids:
            self._pin(rec, ev.community_id, person, ANY_ROLE, at, "completed an action step")

    def _on_BadgeDefined(self, rec, ev, at):
        self.badges[ev.badge_id] = ev.community_id
        self._pin(rec, ev.community_id, rec.actor, FACILITATOR, at, "defined a badge")

    def _on_RecognitionAwarded(self, rec, ev, at):
        self.awards[ev.award_id] = Award(ev.community_id, ev.member_id, rec.position)
        self._pin(rec, ev.community_id, ev.awarded_by, FACILITATOR, at, "awarded a recognition")

    def _on_RecognitionRevoked(self, rec, ev, at):
        award = self.awards.get(ev.award_id)
        if award is not None:
            award.revoked = True
            self._pin(rec, award.community_id, ev.revoked_by, FACILITATOR, at,
                      "revoked a recognition")

    def _on_EntryRetracted(self, rec, ev, at):
        self.retracted.add(ev.position)
        # A retracted event no longer holds anyone to a membership.
        for key in self.pins.pop(ev.position, ()):
            acts = self.acts.get(key)
            if acts:
                acts[:] = [a for a in acts if a.position != ev.position]
