"""The decisions: given the state of the whole log and a command, refuse or return new events.

One decider per event type enforces DESIGN's "Who acts"; the checks shared by every type
(time, erased and unknown people) and the membership timeline (membership in time, role
at a moment, history that a back-dated event would break, the last facilitator) are here
too, so every rule has one home.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from journey import errors
from journey.clock import EARLIEST_YEAR, from_micros, to_micros
from journey.events import (CONTENT_TYPES, ActionPlanCreated, ActionPlanRevised, Event,
                            RoleChanged, correctable_fields)
from journey.records import Command, HandOverFacilitation, Proposed, Recorded, RecordEvent
from journey.state import (ANY_ROLE, FACILITATOR, FACILITATOR_OR_COORDINATOR, JOIN, LEAVE, ROLE,
                           DomainState, Entry, status_at, timeline_problem)

Lookup = Callable[[int], "Recorded | None"]

# Fields that name people: every one must be registered and not erased.
PERSON_FIELDS = ("member_id", "leaders", "attendees", "planned_leaders", "agreed_by",
                 "invited_by", "from_member_id", "to_member_id", "member_ids", "awarded_by",
                 "revoked_by", "corrected_by", "retracted_by")


def day(at: int) -> str:
    """A moment as a teacher reads it in a refusal: the UTC date, with the time if any."""
    moment = from_micros(at)
    if moment.hour or moment.minute or moment.second or moment.microsecond:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d")


@dataclass
class Decision:
    """What a decider reads: the state, the command's actor and moment, and a log lookup."""

    state: DomainState
    actor: str
    at: int
    privileged: bool
    lookup: Lookup
    pending: tuple[tuple[str, str, Entry], ...] = ()
    now: int = 0  # when the decision is made (reading rights are judged now: access)

    # -- shared checks -------------------------------------------------------------------

    def role_of(self, community_id: str, person: str) -> str | None:
        return status_at(self.timeline(community_id, person), self.at)

    def timeline(self, community_id: str, person: str) -> list[Entry]:
        base = self.state.timelines.get((community_id, person), [])
        if not self.pending:
            return base
        extra = [e for c, p, e in self.pending if c == community_id and p == person]
        return sorted(base + extra) if extra else base

    def member(self, community_id: str, person: str, needs: frozenset[str] = ANY_ROLE,
               rule: str = "not_a_facilitator", what: str = "", field: str | None = None
               ) -> str:
        """Require `person` to be a member of the community now, holding one of `needs`.

        `field` names the command's field that names `person`, when it is not the actor
        (whom no field of a request names: the signed-in member)."""
        role = self.role_of(community_id, person)
        wanted = " or ".join(sorted(needs))
        if role is None:
            outside = f"{person} is not a member of {community_id} on {day(self.at)}"
            if needs == ANY_ROLE:
                raise errors.NotAMember(outside, fields=named(field, outside))
            # Someone outside lacks the role as much as a member without it does: the same
            # 403 and rule (DESIGN "Errors"), not a membership refusal.
            message = f"{outside}, and only a {wanted} can {what}"
            raise errors.RoleRequired(message, rule=rule, fields=named(field, message))
        if role not in needs:
            message = f"{person} is a {role} of {community_id}, and only a {wanted} can {what}"
            raise errors.RoleRequired(message, rule=rule, fields=named(field, message))
        return role

    def community(self, community_id: str, field: str = "community_id"):
        community = self.state.communities.get(community_id)
        if community is None:
            message = f"there is no community {community_id}"
            raise errors.UnknownReference(message, rule="unknown_community",
                                          fields=named(field, message))
        return community

    def is_actor(self, person: str, field: str) -> None:
        if person != self.actor:
            message = f"{self.actor} cannot act for {person} ({field}): sign in as {person}"
            raise errors.NotTheActor(message, fields=named(field, message))

    def target(self, position: int, field: str = "position") -> Recorded:
        rec = self.lookup(position) if 0 < position <= self.state.position else None
        if rec is None:
            message = f"there is no event at position {position}"
            raise errors.UnknownReference(message, rule="unknown_position",
                                          fields=named(field, message))
        return rec


def named(field: str | None, message: str) -> dict[str, list[str]] | None:
    """A refusal's `fields` (DESIGN "Errors"): the command's field it is about, if any."""
    return {field: [message]} if field is not None else None


def decide(state: DomainState, command: Command, *, now: datetime, lookup: Lookup
           ) -> list[Proposed]:
    """Refuse the command with the rule it breaks, or return the events to append."""
    at = to_micros(command.occurred_at)
    if at > to_micros(now):
        message = f"{day(at)} is in the future: record what has happened, schedule what will"
        raise errors.FutureOccurredAt(message, fields={"occurred_at": [message]})
    if from_micros(at).year < EARLIEST_YEAR:
        message = (f"occurred_at {from_micros(at).date().isoformat()} is before the year "
                   f"{EARLIEST_YEAR}: check the year")
        raise errors.InvalidValue(message, fields={"occurred_at": [message]})
    ctx = Decision(state, command.actor, at, command.privileged, lookup,
                   now=max(at, to_micros(now)))
    if isinstance(command, HandOverFacilitation):
        return hand_over(ctx, command)
    event = command.event
    check_people(ctx, event)
    stream = DECIDERS[event.type](ctx, event)
    return [Proposed(stream, event, command.actor, command.occurred_at)]


def people_named(event: Event) -> Iterable[tuple[str, str]]:
    """(field, person) for every person an event names."""
    for name in PERSON_FIELDS:
        value = getattr(event, name, None)
        if value is None:
            continue
        for person in (value if isinstance(value, tuple) else (value,)):
            yield name, person
    for field in ("steps", "steps_added"):
        for index, step in enumerate(getattr(event, field, None) or ()):
            for owner in step.owners:
                yield f"{field}.{index}.owners", owner


def check_people(ctx: Decision, event: Event) -> None:
    """Nothing is accepted about an erased person, or about someone never registered."""
    state = ctx.state
    registering = event.type == "MemberRegistered"
    erasing = event.type == "MemberErased"
    named = [("actor", ctx.actor)] if not (registering or erasing) else []
    if not registering:
        named += list(people_named(event))
    for field, person in named:
        if person in state.erased:
            message = f"{person} was erased: nothing more can be recorded about them"
            raise errors.MemberIsErased(message, fields={field: [message]})
        if person not in state.members:
            if field == "actor" and ctx.privileged:
                continue
            message = f"{person} ({field}) is not a registered member"
            raise errors.UnknownReference(message, rule="unknown_member",
                                          fields={field: [message]})


def community_stream(community_id: str) -> str:
    return f"community-{community_id}"


# -- deciders, one per event type ----------------------------------------------------------

DECIDERS: dict[str, Callable[[Decision, Event], str]] = {}


def decider(type_name: str):
    def register(fn):
        DECIDERS[type_name] = fn
        return fn
    return register


def unique(ctx_ids, key: str, kind: str) -> None:
    """Refuse an id already taken; the refusal names the event's field ({kind}_id)."""
    if key in ctx_ids:
        message = f"a {kind} with id {key} already exists"
        raise errors.DuplicateId(message, fields={f"{kind}_id": [message]})


@decider("NetworkCreated")
def network_created(ctx: Decision, ev) -> str:
    unique(ctx.state.networks, ev.network_id, "network")
    return f"network-{ev.network_id}"


@decider("CommunityFounded")
def community_founded(ctx: Decision, ev) -> str:
    unique(ctx.state.communities, ev.community_id, "community")
    if ev.network_id is not None and ev.network_id not in ctx.state.networks:
        message = f"there is no network {ev.network_id}"
        raise errors.UnknownReference(message, rule="unknown_network",
                                      fields=named("network_id", message))
    return community_stream(ev.community_id)


@decider("MemberRegistered")
def member_registered(ctx: Decision, ev) -> str:
    if ev.member_id in ctx.state.erased:
        message = f"{ev.member_id} was erased and cannot be registered again"
        raise errors.MemberIsErased(message, fields={"member_id": [message]})
    if ev.member_id != ctx.actor and not ctx.privileged:
        message = (f"{ctx.actor} cannot register {ev.member_id}: people register "
                   "themselves, or an admin registers them")
        raise errors.NotTheActor(message, fields=named("member_id", message))
    unique(ctx.state.members, ev.member_id, "member")
    return f"member-{ev.member_id}"


@decider("MemberErased")
def member_erased(ctx: Decision, ev) -> str:
    if not ctx.privileged:
        raise errors.RoleRequired("only an admin can erase a member", rule="not_an_admin")
    return f"member-{ev.member_id}"


@decider("MemberJoined")
def member_joined(ctx: Decision, ev) -> str:
    community = ctx.community(ev.community_id)
    first_join = not ctx.state.timelines.get((ev.community_id, ev.member_id))
    founder_join = (ev.member_id == community.founder == ctx.actor and first_join
                    and ev.role == "facilitator" and ev.invited_by is None)
    if founder_join and ctx.at < community.founded_at:
        message = f"{ev.community_id} was founded on {day(community.founded_at)}, after " \
                  f"{day(ctx.at)}"
        raise errors.NotYetExisting(message, fields=named("occurred_at", message))
    if not founder_join:
        # The inviter records the join, or a facilitator or coordinator does. A member's
        # own invitation brings a member: a facilitator (who may change roles) can only
        # be made by a facilitator or coordinator, or a member could make a facilitator
        # who then makes them one.
        if ctx.actor == ev.invited_by and ev.role == "member":
            ctx.member(ev.community_id, ctx.actor)
        else:
            role = ctx.role_of(ev.community_id, ctx.actor)
            if role not in FACILITATOR_OR_COORDINATOR:
                if ctx.actor == ev.invited_by:
                    message = (f"{ctx.actor} is not a facilitator or coordinator of "
                               f"{ev.community_id} on {day(ctx.at)}, so invites "
                               f"{ev.member_id} as a member only")
                    raise errors.RoleRequired(message, rule="not_facilitator_or_coordinator",
                                              fields=named("role", message))
                raise errors.RoleRequired(
                    f"{ctx.actor} is not a facilitator or coordinator of {ev.community_id} "
                    f"on {day(ctx.at)}, nor the one who invited {ev.member_id}",
                    rule="not_facilitator_or_coordinator")
    if ev.role == "coordinator":
        check_reach_handed_on(ctx, community, ev.member_id)
    change_membership(ctx, ev.community_id, ev.member_id, Entry(ctx.at, _next(ctx), JOIN, ev.role),
                      "member_id")
    return community_stream(ev.community_id)


@decider("RoleChanged")
def role_changed(ctx: Decision, ev) -> str:
    community = ctx.community(ev.community_id)
    stepping_down = ctx.actor == ev.member_id and ev.to_role == "member"
    if not stepping_down:
        if ctx.role_of(ev.community_id, ctx.actor) not in FACILITATOR_OR_COORDINATOR:
            raise errors.RoleRequired(
                f"{ctx.actor} is not a facilitator or coordinator of {ev.community_id} on "
                f"{day(ctx.at)}, so cannot change {ev.member_id}'s role",
                rule="not_facilitator_or_coordinator")
    if ev.from_role == ev.to_role:
        message = f"{ev.member_id} would stay a {ev.to_role}: nothing changes"
        raise errors.RoleMismatch(message, fields=named("to_role", message))
    if ev.to_role == "coordinator":
        check_reach_handed_on(ctx, community, ev.member_id)
    change_membership(ctx, ev.community_id, ev.member_id,
                      Entry(ctx.at, _next(ctx), ROLE, ev.to_role, ev.from_role), "member_id")
    return community_stream(ev.community_id)


def check_reach_handed_on(ctx: Decision, community, person: str) -> None:
    """A coordinator reads every community of the network (journey.access): only someone
    who reaches the network hands that on (its creator, or a coordinator of one of its
    communities), or it goes to someone who already reaches it — at the grant's moment
    and now, since reading rights are judged now: a grant back-dated into a reach that
    has ended would hand on what its author no longer has. A facilitator alone would
    otherwise found a community in any network and read all of it. No override: the
    operator's trust (import, record) is about who acts, not about what this rule guards.
    The fold pins the role this leaned on (DomainState._pin_reach)."""
    network = community.network_id
    if network is None:
        return
    state = ctx.state
    for who in (ctx.actor, person):
        if state.network_reach(network, who, ctx.at) is not None and \
                state.network_reach(network, who, ctx.now) is not None:
            return
    raise errors.RoleRequired(
        f"{ctx.actor} does not coordinate in the network {network} on {day(ctx.at)} and "
        f"now, so cannot make {person} a coordinator of {community.community_id}: a "
        "coordinator reads the whole network, and only its coordinators or its creator "
        "hand that on", rule="not_a_network_coordinator")


@decider("MemberLeft")
def member_left(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    if ctx.actor != ev.member_id:
        ctx.member(ev.community_id, ctx.actor, FACILITATOR, "not_a_facilitator",
                   f"remove {ev.member_id}")
    change_membership(ctx, ev.community_id, ev.member_id, Entry(ctx.at, _next(ctx), LEAVE),
                      "member_id")
    return community_stream(ev.community_id)


@decider("NormsAgreed")
def norms_agreed(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    if ctx.actor not in ev.agreed_by:
        message = f"{ctx.actor} must be among those who agreed the norms"
        raise errors.NotTheActor(message, fields=named("agreed_by", message))
    ctx.member(ev.community_id, ctx.actor, FACILITATOR, "not_a_facilitator", "record norms")
    for person in ev.agreed_by:
        ctx.member(ev.community_id, person, field="agreed_by")
    return community_stream(ev.community_id)


def _scheduler(ctx: Decision, community_id: str, planned: tuple[str, ...], what: str) -> None:
    if ctx.actor in planned:
        ctx.member(community_id, ctx.actor)
        return
    role = ctx.role_of(community_id, ctx.actor)
    if role is None:
        raise errors.NotAMember(f"{ctx.actor} is not a member of {community_id} on {day(ctx.at)}")
    if role != "facilitator":
        raise errors.RoleRequired(
            f"only a facilitator or a planned leader can {what} in {community_id}",
            rule="not_a_leader")


@decider("SessionScheduled")
def session_scheduled(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    planned = tuple(ev.planned_leaders or ())
    # Who may act is judged before whether the id is taken: someone without the right
    # learns that, not which ids exist.
    _scheduler(ctx, ev.community_id, planned, "schedule a session")
    if ev.session_id in ctx.state.scheduled or ev.session_id in ctx.state.held:
        message = f"a session with id {ev.session_id} already exists"
        raise errors.DuplicateId(message, fields={"session_id": [message]})
    for person in planned:
        ctx.member(ev.community_id, person, field="planned_leaders")
    return community_stream(ev.community_id)


@decider("SessionCancelled")
def session_cancelled(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    session = ctx.state.scheduled.get(ev.session_id)
    if session is None or session.community_id != ev.community_id:
        message = f"no session {ev.session_id} is scheduled in {ev.community_id}"
        raise errors.UnknownReference(message, rule="unknown_session",
                                      fields=named("session_id", message))
    # Who may cancel is judged before the session's state.
    _scheduler(ctx, ev.community_id, session.planned_leaders, "cancel a session")
    if session.cancelled:
        message = f"session {ev.session_id} is already cancelled"
        raise errors.Refused(message, rule="session_cancelled",
                             fields=named("session_id", message))
    if ev.session_id in ctx.state.held:
        message = f"session {ev.session_id} already took place"
        raise errors.InvalidTarget(message, fields=named("session_id", message))
    return community_stream(ev.community_id)


@decider("SessionLed")
def session_led(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    # A leader records it: judged before the session's state (held, cancelled).
    if ctx.actor not in ev.leaders:
        raise errors.RoleRequired(
            f"{ctx.actor} is not among the leaders of this session; a leader records it",
            rule="not_a_leader")
    if ev.session_id in ctx.state.held:
        message = f"session {ev.session_id} was already recorded as held"
        raise errors.DuplicateId(message, fields={"session_id": [message]})
    scheduled = ctx.state.scheduled.get(ev.session_id)
    if scheduled is not None:
        if scheduled.community_id != ev.community_id:
            message = f"session {ev.session_id} belongs to {scheduled.community_id}"
            raise errors.DuplicateId(message, fields={"session_id": [message]})
        if scheduled.cancelled:
            message = f"session {ev.session_id} was cancelled"
            raise errors.Refused(message, rule="session_cancelled",
                                 fields=named("session_id", message))
    for person in ev.leaders:
        ctx.member(ev.community_id, person, field="leaders")
    for person in ev.attendees or ():
        if person not in ev.leaders:
            ctx.member(ev.community_id, person, field="attendees")
    return community_stream(ev.community_id)


@decider("ResourceShared")
def resource_shared(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    ctx.is_actor(ev.member_id, "member_id")
    ctx.member(ev.community_id, ev.member_id)
    unique(ctx.state.resources, ev.resource_id, "resource")
    return community_stream(ev.community_id)


def _existing_at(ctx: Decision, created_at: int, what: str) -> None:
    if created_at > ctx.at:
        message = f"{what} only exists from {day(created_at)}, after {day(ctx.at)}"
        raise errors.NotYetExisting(message, fields=named("occurred_at", message))


def _resource(ctx: Decision, resource_id: str, field: str = "resource_id"):
    resource = ctx.state.resources.get(resource_id)
    if resource is None or resource.position in ctx.state.retracted:
        message = f"there is no resource {resource_id}"
        raise errors.UnknownReference(message, rule="unknown_resource",
                                      fields=named(field, message))
    _existing_at(ctx, resource.at, f"resource {resource_id}")
    return resource


@decider("ResourceReused")
def resource_reused(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    ctx.is_actor(ev.member_id, "member_id")
    _resource(ctx, ev.resource_id)
    ctx.member(ev.community_id, ev.member_id)
    return community_stream(ev.community_id)


@decider("FeedbackGiven")
def feedback_given(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    ctx.is_actor(ev.from_member_id, "from_member_id")
    if ev.from_member_id == ev.to_member_id:
        message = "feedback goes to someone else, not to oneself"
        raise errors.InvalidValue(message, rule="self_feedback",
                                  fields=named("to_member_id", message))
    if ev.about_kind == "resource":
        _resource(ctx, ev.about_id, "about_id")
    else:
        held = ctx.state.held.get(ev.about_id)
        scheduled = ctx.state.scheduled.get(ev.about_id)
        if held is not None:
            _existing_at(ctx, held.at, f"session {ev.about_id}")
        elif scheduled is None:
            message = f"there is no session {ev.about_id}"
            raise errors.UnknownReference(message, rule="unknown_session",
                                          fields=named("about_id", message))
    ctx.member(ev.community_id, ev.from_member_id)
    ctx.member(ev.community_id, ev.to_member_id, field="to_member_id")
    return community_stream(ev.community_id)


@decider("ReflectionRecorded")
def reflection_recorded(ctx: Decision, ev) -> str:
    ctx.is_actor(ev.member_id, "member_id")
    unique(ctx.state.reflections, ev.reflection_id, "reflection")
    for index, position in enumerate(ev.about or ()):
        ctx.target(position, f"about.{index}")
    if ev.community_id is None:
        if ev.visibility != "private":
            raise errors.InvalidValue(
                f"a reflection shared with the {ev.visibility} needs a community_id",
                rule="community_required", fields={"community_id": ["required unless private"]})
        return f"member-{ev.member_id}"
    ctx.community(ev.community_id)
    ctx.member(ev.community_id, ev.member_id)
    return community_stream(ev.community_id)


@decider("ReflectionVisibilityChanged")
def reflection_visibility_changed(ctx: Decision, ev) -> str:
    ctx.is_actor(ev.member_id, "member_id")
    reflection = ctx.state.reflections.get(ev.reflection_id)
    if reflection is None or reflection.position in ctx.state.retracted:
        message = f"there is no reflection {ev.reflection_id}"
        raise errors.UnknownReference(message, rule="unknown_reflection",
                                      fields=named("reflection_id", message))
    if reflection.member_id != ev.member_id:
        # Not naming its author: the reflection may be private (theirs alone to know of).
        message = f"only the author of reflection {ev.reflection_id} can change who sees it"
        raise errors.NotTheActor(message, fields=named("reflection_id", message))
    if reflection.community_id is None and ev.visibility != "private":
        message = "this reflection has no community, so it stays private"
        raise errors.InvalidValue(message, rule="community_required",
                                  fields=named("visibility", message))
    return reflection.stream


def _steps(ctx: Decision, community_id: str, steps, existing: Iterable[str] = (),
           field: str = "steps") -> None:
    seen = set(existing)
    for index, step in enumerate(steps or ()):
        if step.step_id in seen:
            message = f"the plan already has a step {step.step_id}"
            raise errors.DuplicateId(message, fields={f"{field}.{index}.step_id": [message]})
        seen.add(step.step_id)
        for owner in step.owners:
            ctx.member(community_id, owner, field=f"{field}.{index}.owners")


@decider("ActionPlanCreated")
def action_plan_created(ctx: Decision, ev: ActionPlanCreated) -> str:
    ctx.community(ev.community_id)
    ctx.member(ev.community_id, ctx.actor)
    unique(ctx.state.plans, ev.plan_id, "plan")
    if not ev.steps and not ctx.privileged:
        # A plan is its steps: without one there is nothing to own, complete or monitor.
        # The operator's paths (import, record) may bring history older versions accepted.
        raise errors.InvalidValue("an action plan needs at least one step",
                                  rule="schema_invalid",
                                  fields={"steps": ["needs at least 1 item(s)"]})
    _steps(ctx, ev.community_id, ev.steps)
    return community_stream(ev.community_id)


def _plan(ctx: Decision, community_id: str, plan_id: str):
    plan = ctx.state.plans.get(plan_id)
    if plan is None or plan.community_id != community_id:
        message = f"there is no plan {plan_id} in {community_id}"
        raise errors.UnknownReference(message, rule="unknown_plan",
                                      fields=named("plan_id", message))
    _existing_at(ctx, plan.at, f"plan {plan_id}")
    return plan


@decider("ActionPlanRevised")
def action_plan_revised(ctx: Decision, ev: ActionPlanRevised) -> str:
    ctx.community(ev.community_id)
    plan = _plan(ctx, ev.community_id, ev.plan_id)
    ctx.member(ev.community_id, ctx.actor)
    _steps(ctx, ev.community_id, ev.steps_added, plan.steps, "steps_added")
    for index, step_id in enumerate(ev.steps_dropped or ()):
        step = plan.steps.get(step_id)
        if step is None or step.dropped:
            message = f"plan {ev.plan_id} has no step {step_id}"
            raise errors.UnknownReference(message, rule="unknown_step",
                                          fields=named(f"steps_dropped.{index}", message))
    # A revision changes the plan or says why it stands (its note, which the timeline shows):
    # one with neither would show as a revision that revised nothing. The operator's paths
    # (import, record) may bring such revisions from older versions, which accepted them.
    if not ev.steps_added and not ev.steps_dropped and not ev.note and \
            ev.inquiry_question in (None, plan.question) and not ctx.privileged:
        raise errors.InvalidValue(
            f"this revision leaves plan {ev.plan_id} as it is: give a new inquiry question, "
            "steps to add or drop, or a note on why the plan stands", rule="nothing_changed")
    # A plan is made with at least one step; a revision may not take its last one away.
    # (A plan an earlier version let through without steps may still be revised.)
    kept = [s for s, step in plan.steps.items()
            if not step.dropped and s not in (ev.steps_dropped or ())]
    if ev.steps_dropped and not kept and not ev.steps_added and not ctx.privileged:
        message = (f"this revision drops every step of plan {ev.plan_id}: keep one, or add "
                   "the steps that replace them")
        raise errors.InvalidValue(message, rule="no_steps_left",
                                  fields=named("steps_dropped", message))
    return community_stream(ev.community_id)


@decider("ActionStepCompleted")
def action_step_completed(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    plan = _plan(ctx, ev.community_id, ev.plan_id)
    step = plan.steps.get(ev.step_id)
    if step is None or step.dropped:
        message = f"plan {ev.plan_id} has no step {ev.step_id}"
        raise errors.UnknownReference(message, rule="unknown_step",
                                      fields=named("step_id", message))
    # Who may complete it is judged before the step's state (already completed or not).
    if ctx.actor not in ev.member_ids:
        message = f"{ctx.actor} is not among those who completed the step"
        raise errors.RoleRequired(message, rule="not_an_owner",
                                  fields=named("member_ids", message))
    for person in ev.member_ids:
        if person not in step.owners:
            message = f"{person} is not an owner of step {ev.step_id}"
            raise errors.RoleRequired(message, rule="not_an_owner",
                                      fields=named("member_ids", message))
    _existing_at(ctx, step.at, f"step {ev.step_id}")
    if step.completed and step.completed not in ctx.state.retracted:
        message = (f"step {ev.step_id} of plan {ev.plan_id} is already completed (position "
                   f"{step.completed}); retract that entry to reopen it")
        raise errors.Refused(message, rule="step_completed", fields=named("step_id", message))
    for person in ev.member_ids:
        ctx.member(ev.community_id, person, field="member_ids")
    return community_stream(ev.community_id)


@decider("BadgeDefined")
def badge_defined(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    ctx.member(ev.community_id, ctx.actor, FACILITATOR, "not_a_facilitator", "define badges")
    unique(ctx.state.badges, ev.badge_id, "badge")
    return community_stream(ev.community_id)


@decider("RecognitionAwarded")
def recognition_awarded(ctx: Decision, ev) -> str:
    ctx.community(ev.community_id)
    ctx.is_actor(ev.awarded_by, "awarded_by")
    if ev.awarded_by == ev.member_id:
        message = "a facilitator cannot award a recognition to themselves"
        raise errors.RoleRequired(message, rule="cannot_award_self",
                                  fields=named("member_id", message))
    ctx.member(ev.community_id, ev.awarded_by, FACILITATOR, "not_a_facilitator",
               "award recognitions")
    unique(ctx.state.awards, ev.award_id, "award")
    # A community recognises its own members (the page offers no one else; an award to a
    # stranger would be published yet missing from the community's list of recognitions).
    ctx.member(ev.community_id, ev.member_id, field="member_id")
    if ctx.state.badges.get(ev.badge_id) != ev.community_id:
        message = f"{ev.community_id} has defined no badge {ev.badge_id}"
        raise errors.UnknownReference(message, rule="unknown_badge",
                                      fields=named("badge_id", message))
    for index, position in enumerate(ev.evidence or ()):
        check_evidence(ctx, ev, ctx.target(position, f"evidence.{index}"), f"evidence.{index}")
    return community_stream(ev.community_id)


def doers(event: Event, actor: str) -> set[str]:
    """The people an event is by: its actor and the people it names as doing it."""
    found = {actor}
    for name in ("member_id", "leaders", "member_ids", "from_member_id"):
        value = getattr(event, name, None)
        if value is not None:
            found.update(value if isinstance(value, tuple) else (value,))
    return found


def check_evidence(ctx: Decision, award, rec: Recorded, field: str | None = None) -> None:
    """Evidence: a non-retracted content event of the community, by the awardee, not private."""
    event = rec.event
    problem = None
    if rec.position in ctx.state.retracted:
        problem = "was retracted"
    elif getattr(event, "community_id", None) != award.community_id:
        problem = f"is not an event of {award.community_id}"
    elif award.member_id not in doers(event, rec.actor):
        problem = f"is not by {award.member_id}"
    elif event.type == "ReflectionRecorded":
        reflection = ctx.state.reflections.get(event.reflection_id)
        if reflection is None or reflection.visibility == "private":
            problem = "is a private reflection"
    if problem:
        message = f"evidence at position {rec.position} {problem}"
        raise errors.InvalidTarget(message, rule="invalid_evidence",
                                   fields=named(field, message))


@decider("RecognitionRevoked")
def recognition_revoked(ctx: Decision, ev) -> str:
    ctx.is_actor(ev.revoked_by, "revoked_by")
    award = ctx.state.awards.get(ev.award_id)
    if award is None:
        message = f"there is no award {ev.award_id}"
        raise errors.UnknownReference(message, rule="unknown_award",
                                      fields=named("award_id", message))
    # Who may act is judged before the award's state: someone without the right learns
    # that, not whether the award was already revoked.
    ctx.member(award.community_id, ev.revoked_by, FACILITATOR, "not_a_facilitator",
               "revoke recognitions")
    if award.revoked:
        message = f"award {ev.award_id} is already revoked"
        raise errors.InvalidTarget(message, rule="already_revoked",
                                   fields=named("award_id", message))
    return community_stream(award.community_id)


def _amend(ctx: Decision, position: int, by: str, field: str, verb: str) -> Recorded:
    ctx.is_actor(by, field)
    rec = ctx.target(position)
    # Who may act first: someone without the right learns that, whatever the target is.
    if rec.actor != by:
        community_id = getattr(rec.event, "community_id", None)
        if community_id is None or not ctx.privileged and _private_reflection(ctx, rec) or \
                ctx.role_of(community_id, by) not in FACILITATOR_OR_COORDINATOR:
            # Not naming the author, nor saying why: whoever walks positions here would
            # learn who wrote what, and where the private reflections are.
            raise errors.RoleRequired(
                f"only the author of the entry at position {position}, or a facilitator or "
                f"coordinator of its community (a private reflection: only its author), can "
                f"have it {verb}", rule="not_facilitator_or_coordinator")
    if rec.event.type not in CONTENT_TYPES:
        message = (f"a {rec.event.type} cannot be {verb}; only content (sessions, resources, "
                   "reflections, feedback, steps, norms) can")
        raise errors.InvalidTarget(message, fields=named("position", message))
    if position in ctx.state.retracted:
        message = f"the entry at position {position} is already retracted"
        raise errors.InvalidTarget(message, fields=named("position", message))
    return rec


def _private_reflection(ctx: Decision, rec: Recorded) -> bool:
    """Whether the entry is a reflection its author keeps private now.

    DESIGN lets a facilitator or coordinator of the community retract or correct any of
    its entries; a private reflection that names the community is its author's alone
    (no one else may read it), so no one else may rewrite or withdraw it either. The
    operator's commands (`journey import`, `journey record`, an admin) are not held to
    it: a log recorded under DESIGN's rule, where a facilitator did so, must import again.
    """
    if rec.event.type != "ReflectionRecorded":
        return False
    reflection = ctx.state.reflections.get(rec.event.reflection_id)
    return reflection is not None and reflection.visibility == "private"


@decider("EntryRetracted")
def entry_retracted(ctx: Decision, ev) -> str:
    return _amend(ctx, ev.position, ev.retracted_by, "retracted_by", "retracted").stream


@decider("EntryCorrected")
def entry_corrected(ctx: Decision, ev) -> str:
    rec = _amend(ctx, ev.position, ev.corrected_by, "corrected_by", "corrected")
    allowed = correctable_fields(type(rec.event))
    wrong = sorted(set(ev.fields) - allowed)
    if wrong or not ev.fields:
        raise errors.InvalidValue(
            f"{', '.join(wrong) or 'nothing'} cannot be corrected on a {rec.event.type}: "
            f"only {', '.join(sorted(allowed))} can",
            rule="not_correctable", fields={f"fields.{w}": ["not correctable"] for w in wrong})
    return rec.stream


# -- membership in time --------------------------------------------------------------------

def _next(ctx: Decision) -> int:
    """The position a new membership entry will get (after anything pending)."""
    return ctx.state.position + 1 + len(ctx.pending)


def change_membership(ctx: Decision, community_id: str, person: str, entry: Entry,
                      field: str) -> None:
    """Judge a join, role change or leave on the whole timeline, past and future of it
    (`field`: the command's field that names `person`)."""
    timeline = sorted(ctx.timeline(community_id, person) + [entry])
    found = timeline_problem(timeline)
    if found is not None:
        broken, rule = found
        if broken is entry:
            refusal = _membership_refusal(rule, community_id, person, entry, timeline)
            refusal.fields = {field: [refusal.message]}
            raise refusal
        raise errors.WouldInvalidateHistory(
            f"this would break {person}'s membership of {community_id} recorded for "
            f"{day(broken.at)}")
    for act in ctx.state.acts.get((community_id, person), ()):
        if act.at >= entry.at and status_at(timeline, act.at) not in act.needs:
            raise errors.WouldInvalidateHistory(
                f"{person} {act.what} in {community_id} on {day(act.at)} "
                "(an event already recorded), which this would make impossible")
    if entry.kind == LEAVE or entry.from_role == "facilitator":
        keep_a_facilitator(ctx, community_id, person, timeline, entry, field)


def _membership_refusal(rule: str, community_id: str, person: str, entry: Entry,
                        timeline: list[Entry]) -> errors.Refused:
    if rule == "already_member":
        return errors.AlreadyMember(
            f"{person} is already a member of {community_id} on {day(entry.at)}")
    if rule == "not_a_member":
        return errors.NotAMember(f"{person} is not a member of {community_id} on {day(entry.at)}")
    held = status_at([e for e in timeline if e is not entry], entry.at)
    return errors.RoleMismatch(
        f"{person} is a {held} of {community_id} on {day(entry.at)}, not a {entry.from_role}")


def keep_a_facilitator(ctx: Decision, community_id: str, person: str,
                       new_timeline: list[Entry], entry: Entry, field: str) -> None:
    """A community keeps at least one facilitator at every moment from `entry` on."""
    moments: dict[int, list[tuple[str, Entry]]] = {}
    people = {mid: ctx.timeline(community_id, mid)
              for mid, _ in ctx.state.members_of(community_id)}
    for _, pid, pending_entry in ctx.pending:
        people.setdefault(pid, ctx.timeline(community_id, pid))
    people[person] = new_timeline
    for pid, timeline in people.items():
        for e in timeline:
            moments.setdefault(e.at, []).append((pid, e))
    roles: dict[str, str | None] = {}
    for at in sorted(moments):
        for pid, e in sorted(moments[at], key=lambda pe: pe[1]):
            roles[pid] = None if e.kind == LEAVE else e.role
        if at >= entry.at and not any(r == "facilitator" for r in roles.values()):
            message = (f"{community_id} would have no facilitator from {day(at)}: hand "
                       "facilitation over to someone first")
            raise errors.LastFacilitator(message, fields=named(field, message))


# -- hand-over -----------------------------------------------------------------------------

def hand_over(ctx: Decision, cmd: HandOverFacilitation) -> list[Proposed]:
    """RoleChanged(new: member → facilitator) then RoleChanged(old: facilitator → member)."""
    _registered(ctx, cmd.actor, "actor")
    ctx.community(cmd.community_id)
    # Who may hand over is judged before the people it names.
    ctx.member(cmd.community_id, cmd.actor, FACILITATOR, "not_a_facilitator",
               "hand facilitation over")
    for field, person in (("from_member", cmd.from_member), ("to_member", cmd.to_member)):
        _registered(ctx, person, field)
    if cmd.from_member == cmd.to_member:
        message = "facilitation goes from one person to another"
        raise errors.InvalidValue(message, rule="role_mismatch",
                                  fields=named("to_member", message))
    promote = RoleChanged(community_id=cmd.community_id, member_id=cmd.to_member,
                          from_role="member", to_role="facilitator")
    step_down = RoleChanged(community_id=cmd.community_id, member_id=cmd.from_member,
                            from_role="facilitator", to_role="member")
    stream = community_stream(cmd.community_id)
    first = Entry(ctx.at, _next(ctx), ROLE, "facilitator", "member")
    change_membership(ctx, cmd.community_id, cmd.to_member, first, "to_member")
    after = Decision(ctx.state, ctx.actor, ctx.at, ctx.privileged, ctx.lookup,
                     ctx.pending + ((cmd.community_id, cmd.to_member, first),), ctx.now)
    change_membership(after, cmd.community_id, cmd.from_member,
                      Entry(ctx.at, _next(after), ROLE, "member", "facilitator"), "from_member")
    return [Proposed(stream, promote, cmd.actor, cmd.occurred_at),
            Proposed(stream, step_down, cmd.actor, cmd.occurred_at)]


def _registered(ctx: Decision, person: str, field: str) -> None:
    """Nothing is accepted about an erased person, or about someone never registered; the
    refusal names the command's field that names them."""
    if person in ctx.state.erased:
        message = f"{person} was erased"
        raise errors.MemberIsErased(message, fields={field: [message]})
    if person not in ctx.state.members:
        message = f"{person} is not a registered member"
        raise errors.UnknownReference(message, rule="unknown_member",
                                      fields={field: [message]})
