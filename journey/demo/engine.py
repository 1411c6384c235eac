"""The demo's machinery: items on a timeline, communities that know who holds which role when.

A scenario writes *items* (a command, when it occurred, how long after that it was
recorded) in any order; `Script.timeline()` sorts them by occurred_at (ties keep the
order they were written in, so write a dependency before what depends on it) and gives
each a recorded_at that never goes backwards. Items marked `late` (a reflection written
up a few days afterwards) are recorded later and placed there; nothing may refer to them.
References to other items (evidence, retractions, corrections, `about`) are kept as items
and turned into positions only when the final order is known (see journey/demo/__init__).

Everything draws on one `random.Random`, and nothing iterates a set, so a seed gives the
same items on every run and every machine.
"""
from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from journey.clock import UTC, format_time
from journey.events import (ActionPlanCreated, ActionPlanRevised, ActionStepCompleted,
                            BadgeDefined, CommunityFounded, EntryCorrected, EntryRetracted,
                            Event, FeedbackGiven, MemberJoined, MemberLeft, MemberRegistered,
                            NetworkCreated, NormsAgreed, RecognitionAwarded, RecognitionRevoked,
                            ReflectionRecorded, ReflectionVisibilityChanged, ResourceReused,
                            ResourceShared, RoleChanged, SessionCancelled, SessionLed,
                            SessionScheduled, Step)
from journey.records import HandOverFacilitation, RecordEvent

from journey.demo import names as nm
from journey.demo import texts as tx

#: Nothing in the demo is recorded after this moment.
END = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
CYCLES = ("immediate", "potential", "applied", "realized", "reframing")
ANY = ("member", "facilitator", "coordinator")
LEADING = ("facilitator",)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)


class Item:
    """One command on the demo's timeline, before it has a position."""

    __slots__ = ("occ", "seq", "delay", "late", "command", "refs", "rec", "position", "size")

    def __init__(self, occ: datetime, seq: int, delay: timedelta, late: bool, command: Any,
                 refs: tuple[tuple[str, tuple["Item", ...]], ...]) -> None:
        self.occ = occ
        self.seq = seq
        self.delay = delay
        self.late = late
        self.command = command
        self.refs = refs  # (field, items): filled with the items' positions when emitted
        self.rec: datetime | None = None
        self.position = 0  # the demo position of its first event, once emitted
        self.size = 2 if isinstance(command, HandOverFacilitation) else 1


class Program:
    """What the whole demo shares: the random source, the sequence, minted ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seq = 0
        self._member_ids: set[str] = set()  # membership tests only, never iterated
        self._emails: set[str] = set()
        self._towns: dict[str, int] = {}

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def community_id(self, town: str) -> str:
        """`vrsac-1` for the first community in a town, `vrsac-2` for the next."""
        n = self._towns.get(town, 0) + 1
        self._towns[town] = n
        return f"{town}-{n}"

    def member_id(self) -> str:
        """DESIGN: ids that Journey mints are opaque, `m-` + random."""
        while True:
            mid = f"m-{self.rng.getrandbits(40):010x}"
            if mid not in self._member_ids:
                self._member_ids.add(mid)
                return mid

    def email(self, first: str, last: str) -> str:
        base = f"{nm.ascii_slug(first)}.{nm.ascii_slug(last)}"
        candidate, n = base, 1
        while candidate in self._emails:
            n += 1
            candidate = f"{base}{n}"
        self._emails.add(candidate)
        return f"{candidate}@example.org"


class Script:
    """The items of one scenario."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.rng = program.rng
        self.items: list[Item] = []

    def add(self, event: Event | HandOverFacilitation, actor: str | None, occ: datetime, *,
            delay: timedelta | None = None, late: bool = False,
            refs: tuple[tuple[str, tuple[Item, ...]], ...] = ()) -> Item:
        if occ > END:
            raise ValueError(f"demo event after {END}: {event}")
        for _, targets in refs:
            for target in targets:
                if target.late:
                    raise ValueError("nothing may refer to a late item")
        if isinstance(event, HandOverFacilitation):
            command: Any = event
        else:
            command = RecordEvent(event, actor, occ)  # type: ignore[arg-type]
        if delay is None:
            delay = minutes(self.rng.randint(2, 40))
        if late:
            delay = days(self.rng.randint(1, 5)) + minutes(self.rng.randint(0, 600))
        item = Item(occ, self.program.next_seq(), delay, late, command, refs)
        self.items.append(item)
        return item

    def timeline(self) -> list[Item]:
        """The items in the order they are recorded, each with its recorded_at."""
        self.items.sort(key=lambda i: (i.occ, i.seq))
        last = datetime.min.replace(tzinfo=UTC)
        for item in self.items:
            rec = min(item.occ + item.delay, END)
            if item.late:
                item.rec = max(rec, last)
            else:
                last = item.rec = max(rec, last)
        self.items.sort(key=lambda i: i.rec)  # stable: non-late items keep their order
        return self.items


# -- people and communities -------------------------------------------------------------------

@dataclass
class Person:
    mid: str
    first: str
    last: str
    job: str
    school: str | None = None
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Held:
    """A session that took place, as the follow-ups need it."""

    item: Item
    session_id: str
    title: str
    leaders: tuple[str, ...]
    attendees: tuple[str, ...]
    when: datetime


@dataclass
class Shared:
    item: Item
    resource_id: str
    title: str
    sharer: str
    when: datetime


@dataclass
class Texts:
    """The words of one scenario: its reflections, resources and badges."""

    reflections: dict[str, tuple[str, ...]]
    resources: tuple[tuple[str, str, tuple[str, ...]], ...]

    def reflection(self, rng: random.Random, cycle: str) -> str:
        own = self.reflections.get(cycle, ())
        pool = own + tx.REFLECTIONS_COMMON[cycle]
        # The scenario's own words first: half of the time, when it has some.
        return rng.choice(own) if own and rng.random() < 0.5 else rng.choice(pool)


class Community:
    """One community's membership timeline and what happened in it, for valid choices."""

    def __init__(self, script: Script, cid: str, texts: Texts, *, virtual: bool = False) -> None:
        self.s = script
        self.rng = script.rng
        self.cid = cid
        self.texts = texts
        self.virtual = virtual
        self.roles: dict[str, list[tuple[datetime, int, str | None]]] = {}
        self.order: list[str] = []  # people in the order they first joined
        self.people: dict[str, Person] = {}
        self.held: list[Held] = []
        self.shared: list[Shared] = []
        self.evidence: dict[str, list[Item]] = {}
        self.reflections: list[tuple[Item, str, str]] = []  # (item, reflection id, member)
        self.counters: dict[str, int] = {}
        self.badges: list[str] = []
        self.awards: list[tuple[str, str, datetime]] = []  # (award id, member, when)
        self.plan_steps: dict[str, tuple[str, tuple[str, ...], datetime]] = {}
        self.founded_at = END

    # -- reading the timeline ---------------------------------------------------------------

    def role(self, mid: str, moment: datetime) -> str | None:
        role = None
        for t, _, r in self.roles.get(mid, ()):
            if t > moment:
                break
            role = r
        return role

    def members(self, moment: datetime, roles: Sequence[str] = ANY) -> list[str]:
        return [m for m in self.order if self.role(m, moment) in roles]

    def facilitator(self, moment: datetime, avoid: str | None = None) -> str:
        found = [m for m in self.members(moment, LEADING) if m != avoid]
        if not found:
            raise ValueError(f"{self.cid} has no facilitator on {moment}")
        return found[0]

    def next_id(self, kind: str) -> str:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return f"{kind}-{self.cid}-{n}"

    def _mark(self, mid: str, moment: datetime, role: str | None) -> None:
        entries = self.roles.setdefault(mid, [])
        bisect.insort(entries, (moment, self.s.program.next_seq(), role))

    # -- membership --------------------------------------------------------------------------

    def found(self, founder: Person, moment: datetime, name: str, domain: str, *,
              network_id: str | None, schools: tuple[str, ...] | None = None,
              mode: str | None = None, cadence: str | None = None) -> None:
        self.s.add(CommunityFounded(community_id=self.cid, name=name, domain=domain,
                                    network_id=network_id, schools=schools, mode=mode,
                                    cadence=cadence), founder.mid, moment)
        self.founded_at = moment
        self.s.add(MemberJoined(community_id=self.cid, member_id=founder.mid,
                                role="facilitator"), founder.mid, moment + minutes(1))
        self._joined(founder, moment + minutes(1), "facilitator")

    def join(self, person: Person, moment: datetime, role: str = "member",
             by: str | None = None) -> None:
        by = by or self.facilitator(moment)
        assert self.role(by, moment) is not None, (self.cid, by, moment)
        assert self.role(person.mid, moment) is None
        self.s.add(MemberJoined(community_id=self.cid, member_id=person.mid, role=role,
                                invited_by=by), by, moment)
        self._joined(person, moment, role)

    def join_coordinators(self, staff: tuple[Person, ...], moments: list[datetime],
                          mentor: Person) -> None:
        """Programme staff join as coordinators: the first, the network's creator, invited
        by the mentor; the others by the creator, once a coordinator here (only someone who
        reaches the network hands that reach on: journey.decide.check_reach_handed_on)."""
        creator, *others = staff
        first, *rest = sorted(moments)
        self.join(creator, first, "coordinator", by=mentor.mid)
        for person, moment in zip(others, rest):
            self.join(person, max(moment, first + minutes(1)), "coordinator", by=creator.mid)

    def _joined(self, person: Person, moment: datetime, role: str) -> None:
        if person.mid not in self.people:
            self.people[person.mid] = person
            self.order.append(person.mid)
        self._mark(person.mid, moment, role)

    def change_role(self, mid: str, to_role: str, moment: datetime, by: str) -> None:
        from_role = self.role(mid, moment)
        assert from_role is not None and from_role != to_role
        assert self.role(by, moment) in ("facilitator", "coordinator")
        self.s.add(RoleChanged(community_id=self.cid, member_id=mid, from_role=from_role,
                               to_role=to_role), by, moment)
        self._mark(mid, moment, to_role)

    def hand_over(self, from_mid: str, to_mid: str, moment: datetime) -> None:
        """DESIGN's hand-over: to_mid becomes facilitator, from_mid a member, at once."""
        assert self.role(from_mid, moment) == "facilitator"
        assert self.role(to_mid, moment) == "member"
        self.s.add(HandOverFacilitation(community_id=self.cid, from_member=from_mid,
                                        to_member=to_mid, actor=from_mid, occurred_at=moment),
                   from_mid, moment)
        self._mark(to_mid, moment, "facilitator")
        self._mark(from_mid, moment, "member")

    def leave(self, mid: str, moment: datetime) -> None:
        assert self.role(mid, moment) is not None
        self.s.add(MemberLeft(community_id=self.cid, member_id=mid), mid, moment)
        self._mark(mid, moment, None)

    # -- community work -------------------------------------------------------------------------

    def norms(self, moment: datetime, norms: Sequence[str], agreed_by: Sequence[str],
              by: str | None = None) -> None:
        by = by or self.facilitator(moment)
        people = [by] + [m for m in agreed_by if m != by and self.role(m, moment)]
        self.s.add(NormsAgreed(community_id=self.cid, norms=tuple(norms),
                               agreed_by=tuple(people)), by, moment)

    def session(self, when: datetime, leaders: Sequence[str], title: str, fmt: str,
                attendees: Sequence[str], *, link: str | None = None,
                cancel: str | None = None, typo: str | None = None,
                schedule: bool = True) -> Held | None:
        """Schedule a session one or two weeks ahead, then hold it (or cancel it)."""
        rng = self.rng
        session_id = self.next_id("s")
        leaders = tuple(dict.fromkeys(leaders))
        if schedule:
            planned_at = (when - days(rng.randint(6, 14))).replace(
                hour=rng.randint(7, 11), minute=rng.choice((0, 10, 20, 30, 40, 50)))
            if planned_at <= self.founded_at + minutes(1):
                planned_at = self.founded_at + minutes(rng.randint(5, 120))
            planned = tuple(m for m in leaders if self.role(m, planned_at))
            scheduler = planned[0] if planned else self.facilitator(planned_at)
            self.s.add(SessionScheduled(community_id=self.cid, session_id=session_id,
                                        starts_at=format_time(when), title=title, format=fmt,
                                        planned_leaders=planned or None, link=link),
                       scheduler, planned_at, delay=minutes(rng.randint(1, 15)))
            if cancel:
                cancelled_at = (when - days(rng.randint(1, 3))).replace(hour=rng.randint(6, 9))
                actor = (scheduler if scheduler in planned and self.role(scheduler, cancelled_at)
                         else self.facilitator(cancelled_at))
                self.s.add(SessionCancelled(community_id=self.cid, session_id=session_id,
                                            reason=cancel), actor, cancelled_at)
                return None
        for m in leaders + tuple(attendees):
            assert self.role(m, when) is not None, (self.cid, m, when, title)
        present = tuple(m for m in dict.fromkeys(attendees) if m not in leaders)
        item = self.s.add(SessionLed(community_id=self.cid, session_id=session_id,
                                     leaders=leaders, title=typo or title, format=fmt,
                                     attendees=present or None),
                          leaders[0], when, delay=minutes(rng.randint(70, 200)))
        held = Held(item, session_id, title, leaders, present, when)
        self.held.append(held)
        for m in leaders:
            self.evidence.setdefault(m, []).append(item)
        if typo:
            self.s.add(EntryCorrected(position=0, corrected_by=leaders[0],
                                      fields={"title": title}, reason=tx.SESSION_TITLE_REASON),
                       leaders[0], when + days(1) + minutes(rng.randint(0, 300)),
                       refs=(("position", (item,)),))
        return held

    def duplicate(self, held: Held, retracted_by: str) -> None:
        """The same session recorded twice by its leader, then the copy retracted."""
        rng = self.rng
        copy = self.s.add(SessionLed(community_id=self.cid, session_id=self.next_id("s"),
                                     leaders=held.leaders, title=held.title,
                                     format=held.item.command.event.format,
                                     attendees=held.attendees or None),
                          held.leaders[0], held.when + minutes(1),
                          delay=minutes(rng.randint(200, 400)))
        moment = held.when + days(rng.randint(1, 3))
        assert self.role(retracted_by, moment) in ("facilitator", "coordinator") or \
            retracted_by == held.leaders[0]
        self.s.add(EntryRetracted(position=0, retracted_by=retracted_by,
                                  reason=tx.RETRACT_DUPLICATE), retracted_by, moment,
                   refs=(("position", (copy,)),))

    def share(self, mid: str, moment: datetime, title: str, kind: str,
              tags: tuple[str, ...] = (), url: str | None = None,
              wrong_first: bool = False) -> Shared:
        rng = self.rng
        if wrong_first:
            wrong = self.s.add(ResourceShared(
                community_id=self.cid, resource_id=self.next_id("r"), member_id=mid,
                title=f"{title} (old draft)", kind=kind, tags=tags or None), mid, moment)
            self.s.add(EntryRetracted(position=0, retracted_by=mid, reason=tx.RETRACT_WRONG_FILE),
                       mid, moment + minutes(rng.randint(20, 90)), refs=(("position", (wrong,)),))
            moment = moment + minutes(rng.randint(95, 150))
        if url is None and kind == "link":
            url = f"https://resources.example.org/{self.cid}/{self.counters.get('r', 0) + 1}"
        item = self.s.add(ResourceShared(community_id=self.cid, resource_id=self.next_id("r"),
                                         member_id=mid, title=title, kind=kind, url=url,
                                         tags=tags or None), mid, moment)
        shared = Shared(item, item.command.event.resource_id, title, mid, moment)
        self.shared.append(shared)
        self.evidence.setdefault(mid, []).append(item)
        return shared

    def reuse(self, mid: str, moment: datetime, shared: Shared, note: str | None) -> None:
        assert self.role(mid, moment) and shared.when < moment
        self.s.add(ResourceReused(community_id=self.cid, resource_id=shared.resource_id,
                                  member_id=mid, note=note), mid, moment,
                   late=self.rng.random() < 0.1)

    def feedback(self, giver: str, to: str, moment: datetime, kind: str, about_id: str,
                 text: str | None) -> None:
        assert giver != to and self.role(giver, moment) and self.role(to, moment)
        self.s.add(FeedbackGiven(community_id=self.cid, from_member_id=giver, to_member_id=to,
                                 about_kind=kind, about_id=about_id, text=text), giver, moment,
                   late=self.rng.random() < 0.15)

    def reflect(self, mid: str, moment: datetime, cycle: str, text: str, *,
                visibility: str = "community", about: Item | None = None,
                late: bool = False, with_community: bool = True) -> Item:
        rid = self.next_id("rf")
        refs = (("about", (about,)),) if about is not None else ()
        item = self.s.add(ReflectionRecorded(
            reflection_id=rid, member_id=mid, text=text,
            community_id=self.cid if with_community else None, prompt=tx.PROMPTS[cycle],
            visibility=visibility, value_cycle=cycle, about=(0,) if about else None),
            mid, moment, late=late, refs=refs)
        if not late and visibility != "private" and with_community:
            self.evidence.setdefault(mid, []).append(item)
            self.reflections.append((item, rid, mid))
        return item

    def define_badge(self, moment: datetime, slug: str, name: str, description: str,
                     criteria: str) -> None:
        badge_id = f"{self.cid}-{slug}"
        self.s.add(BadgeDefined(badge_id=badge_id, community_id=self.cid, name=name,
                                description=description, criteria=criteria),
                   self.facilitator(moment), moment)
        self.badges.append(badge_id)

    def award(self, moment: datetime, mid: str, badge_id: str, by: str) -> str | None:
        """A recognition with the awardee's latest evidence; None when they have none."""
        assert self.role(by, moment) == "facilitator" and by != mid
        evidence = [i for i in self.evidence.get(mid, ()) if i.occ < moment - minutes(30)][-3:]
        if not evidence:
            return None
        award_id = self.next_id("aw")
        note = tx.AWARD_NOTES.get(badge_id[len(self.cid) + 1:])
        self.s.add(RecognitionAwarded(award_id=award_id, community_id=self.cid, member_id=mid,
                                      badge_id=badge_id, awarded_by=by,
                                      evidence=tuple(0 for _ in evidence), note=note),
                   by, moment, refs=(("evidence", tuple(evidence)),))
        self.awards.append((award_id, mid, moment))
        return award_id

    def revoke(self, award_id: str, moment: datetime, by: str, reason: str) -> None:
        assert self.role(by, moment) == "facilitator"
        self.s.add(RecognitionRevoked(award_id=award_id, revoked_by=by, reason=reason), by, moment)

    def plan(self, moment: datetime, by: str, inquiry: str, involves: Sequence[str],
             steps: Sequence[tuple[str, Sequence[str], str | None]]) -> str:
        plan_id = f"par-{self.cid}"
        built = self._steps(steps, moment)
        self.s.add(ActionPlanCreated(community_id=self.cid, plan_id=plan_id,
                                     inquiry_question=inquiry, involves=tuple(involves),
                                     steps=built), by, moment)
        return plan_id

    def _steps(self, steps, moment: datetime) -> tuple[Step, ...]:
        built = []
        for title, owners, due in steps:
            step_id = f"{self.cid}-st{len(self.plan_steps) + 1}"
            owners = tuple(dict.fromkeys(owners))
            for o in owners:
                assert self.role(o, moment), (o, moment)
            self.plan_steps[step_id] = (title, owners, moment)
            built.append(Step(step_id=step_id, title=title, owners=owners, due_on=due))
        return tuple(built)

    def revise(self, moment: datetime, by: str, plan_id: str, *,
               added: Sequence[tuple[str, Sequence[str], str | None]] = (),
               dropped: Sequence[str] = (), inquiry: str | None = None,
               note: str | None = None) -> tuple[str, ...]:
        before = len(self.plan_steps)
        built = self._steps(added, moment)
        self.s.add(ActionPlanRevised(community_id=self.cid, plan_id=plan_id,
                                     inquiry_question=inquiry, steps_added=built or None,
                                     steps_dropped=tuple(dropped) or None, note=note),
                   by, moment)
        return tuple(list(self.plan_steps)[before:])

    def complete(self, plan_id: str, step_id: str, moment: datetime, outcome: str,
                 evidence_url: str | None = None) -> bool:
        _, owners, created = self.plan_steps[step_id]
        doers = [o for o in owners if self.role(o, moment)]
        if not doers or moment <= created:
            return False
        item = self.s.add(ActionStepCompleted(community_id=self.cid, plan_id=plan_id,
                                              step_id=step_id, member_ids=tuple(doers),
                                              outcome=outcome, evidence_url=evidence_url),
                          doers[0], moment)
        for o in doers:
            self.evidence.setdefault(o, []).append(item)
        return True


# -- the activity that follows a session ------------------------------------------------------

@dataclass
class Activity:
    """How much a community does around its sessions (probabilities per person)."""

    reflect: float = 0.35
    feedback: float = 0.12
    share: float = 0.45
    reuse: float = 0.12
    private: float = 0.12
    network: float = 0.1
    late: float = 0.2
    #: other communities whose resources this one may reuse (cross-school reuse)
    neighbours: list[Community] = field(default_factory=list)


def cycle_for(rng: random.Random, progress: float) -> str:
    """A value-creation cycle, weighted by how far the community is in its journey (0..1)."""
    weights = (1.2 - 0.8 * progress, 0.9, 0.3 + 0.9 * progress, 0.1 + 0.8 * progress,
               0.03 + 0.35 * progress)
    return rng.choices(CYCLES, weights=weights)[0]


def follow_up(c: Community, held: Held, progress: float, act: Activity,
              window: timedelta = days(4)) -> None:
    """Reflections, feedback, resources and reuse in the days after a session."""
    rng = c.rng
    people = list(held.leaders) + list(held.attendees)

    span = int(window.total_seconds() // 60)

    def later(lo_hours: float = 1.0) -> datetime:
        """A moment in the days after the session, to the minute."""
        return held.when + minutes(int(lo_hours * 60) + rng.randint(0, span))

    # The leader brings a resource to the session.
    if c.texts.resources and rng.random() < act.share:
        title, kind, tags = c.texts.resources[c.counters.get("r", 0) % len(c.texts.resources)]
        sharer = rng.choice(held.leaders)
        c.share(sharer, held.when + minutes(rng.randint(5, 80)), title, kind, tags)
    for m in people:
        moment = later()
        if not c.role(m, moment):
            continue
        if rng.random() < act.reflect:
            cycle = cycle_for(rng, progress)
            text = _fill(c, cycle, held, m)
            roll = rng.random()
            visibility = ("private" if roll < act.private else
                          "network" if roll < act.private + act.network else "community")
            late = rng.random() < act.late
            about = held.item if rng.random() < 0.4 else None
            c.reflect(m, moment, cycle, text, visibility=visibility, about=about, late=late,
                      with_community=not (visibility == "private" and rng.random() < 0.3))
        if m not in held.leaders and rng.random() < act.feedback:
            to = rng.choice(held.leaders)
            given = later()
            if to != m and c.role(m, given) and c.role(to, given):
                c.feedback(m, to, given, "session", held.session_id,
                           rng.choice(tx.FEEDBACK_SESSION))
        if rng.random() < act.reuse:
            pool = [s for s in c.shared if s.sharer != m and s.when < held.when]
            if act.neighbours and rng.random() < 0.35:
                # Horizontal learning: a resource from another school of the network.
                pool = sorted((s for n in act.neighbours for s in n.shared
                               if s.sharer != m and s.when < held.when),
                              key=lambda s: (s.when, s.resource_id)) or pool
            when = later(2.0)
            if pool and c.role(m, when):
                shared = rng.choice(pool[-12:])
                c.reuse(m, when, shared, rng.choice(tx.REUSE_NOTES))
                told = when + minutes(rng.randint(5, 120))
                if (shared.sharer in c.people and rng.random() < 0.3
                        and c.role(shared.sharer, told) and c.role(m, told)):
                    c.feedback(m, shared.sharer, told, "resource", shared.resource_id,
                               rng.choice(tx.FEEDBACK_RESOURCE))


def _fill(c: Community, cycle: str, held: Held, author: str) -> str:
    rng = c.rng
    template = c.texts.reflection(rng, cycle)
    others = [m for m in list(held.leaders) + list(held.attendees) if m != author]
    colleague = c.people[rng.choice(others)].first if others else "A colleague"
    resource = (rng.choice(c.shared[-6:]).title if c.shared
                else c.texts.resources[0][0] if c.texts.resources else held.title)
    return template.format(session=held.title, resource=resource, colleague=colleague)


def typo(title: str, rng: random.Random) -> str:
    """The title with two adjacent letters of one word swapped (a slip of the keyboard)."""
    words = title.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return title + "."
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randint(1, len(w) - 3)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


# -- people -------------------------------------------------------------------------------------

def register(script: Script, pool: nm.Pool, job: str, school: str | None,
             moment: datetime) -> Person:
    program = script.program
    first, last = pool.pick(script.rng)
    person = Person(program.member_id(), first, last, job, school)
    person.email = program.email(first, last)
    script.add(MemberRegistered(member_id=person.mid, display_name=person.name,
                                email=person.email, school=school, job_title=job),
               person.mid, moment)
    return person


def network(script: Script, network_id: str, name: str, programme: str, by: Person,
            moment: datetime, starts_on: str, ends_on: str) -> None:
    script.add(NetworkCreated(network_id=network_id, name=name, programme=programme,
                              starts_on=starts_on, ends_on=ends_on), by.mid, moment)


def visibility_change(c: Community, moment: datetime) -> bool:
    """Someone shares a reflection they had kept private (the last one still private)."""
    for item in reversed(c.s.items):
        ev = item.command.event if isinstance(item.command, RecordEvent) else None
        if (isinstance(ev, ReflectionRecorded) and ev.community_id == c.cid
                and ev.visibility == "private" and item.occ < moment and not item.late
                and c.role(ev.member_id, moment)):
            c.s.add(ReflectionVisibilityChanged(reflection_id=ev.reflection_id,
                                                member_id=ev.member_id,
                                                visibility="community"), ev.member_id, moment)
            return True
    return False


def correct_cycle(c: Community, moment: datetime) -> bool:
    """An author moves a reflection from `potential` to `applied` value (a correction)."""
    for item, _rid, mid in reversed(c.reflections):
        ev = item.command.event
        if ev.value_cycle == "potential" and item.occ < moment and c.role(mid, moment):
            c.s.add(EntryCorrected(position=0, corrected_by=mid,
                                   fields={"value_cycle": "applied"}, reason=tx.CORRECTED_NOTE),
                    mid, moment, refs=(("position", (item,)),))
            c.reflections.remove((item, _rid, mid))
            c.evidence[mid] = [i for i in c.evidence.get(mid, []) if i is not item] + [item]
            return True
    return False


def retract_reflection(c: Community, moment: datetime) -> bool:
    """An author withdraws a community reflection (never one used as evidence later)."""
    for item, rid, mid in reversed(c.reflections):
        if item.occ < moment and c.role(mid, moment):
            c.s.add(EntryRetracted(position=0, retracted_by=mid,
                                   reason=tx.RETRACT_UNFINISHED), mid, moment,
                    refs=(("position", (item,)),))
            c.reflections.remove((item, rid, mid))
            c.evidence[mid] = [i for i in c.evidence.get(mid, []) if i is not item]
            return True
    return False


def school_days(year: int, month: int, rng: random.Random, weekdays=(1, 2, 3),
                first_day: int = 5, last_day: int = 26) -> datetime:
    """A working day (Tue-Thu by default) in the month."""
    while True:
        d = rng.randint(first_day, last_day)
        moment = at(year, month, d)
        if moment.weekday() in weekdays:
            return moment


def months(start: tuple[int, int], end: tuple[int, int], skip=(7, 8)) -> list[tuple[int, int]]:
    """(year, month) from start to end inclusive, without the summer holidays."""
    out = []
    y, m = start
    while (y, m) <= end:
        if m not in skip:
            out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def attendees(c: Community, moment: datetime, share: float,
              exclude: Sequence[str] = ()) -> list[str]:
    """Who of the members comes, each with probability `share`."""
    rng = c.rng
    return [m for m in c.members(moment) if m not in exclude and rng.random() < share]


def slug(text: str) -> str:
    return "-".join(nm.ascii_slug(w) for w in text.replace("-", " ").split())
