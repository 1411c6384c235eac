"""Properties of rule badges over random histories of a small CoP (hypothesis).

Histories mix every event the rules read — shares and reuses, sessions led and attended,
reflections of every visibility and value cycle, feedback, plans and completed steps,
hand-overs — with retractions, corrections and visibility changes, at random days from
November 2023 to April 2025 (so months cross a year boundary, and back-dating is common).
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import events as ev
from journey.records import Recorded
from projections.badges.engine import Prefixes, award_id, earned_badges
from projections.badges.spec import load_rules
from tests.unit.badges.log import (
    C, C2, Log, completed, feedback, led, plan, reflection, reused, shared, visibility,
)

PEOPLE = ("ivan", "mila", "ana", "vesna")
START = datetime(2023, 11, 1, 9, tzinfo=timezone.utc)

people = st.sampled_from(PEOPLE)
groups = st.lists(people, min_size=1, max_size=2, unique=True)
communities = st.sampled_from((C, C2))
days = st.integers(min_value=0, max_value=520).map(lambda d: START + timedelta(days=d))
cycles = st.sampled_from(ev.VALUE_CYCLES)
visibilities = st.sampled_from(ev.VISIBILITIES)
formats = st.sampled_from(ev.SESSION_FORMATS)
index = st.integers(min_value=0, max_value=50)

additive = st.one_of(
    st.tuples(st.just("share"), people, communities, days),
    st.tuples(st.just("reuse"), people, index, days),
    st.tuples(st.just("lead"), groups, st.lists(people, max_size=2, unique=True), formats,
              communities, days),
    st.tuples(st.just("reflect"), people, visibilities, cycles, communities, days),
    st.tuples(st.just("feedback"), people, people, communities, days),
    st.tuples(st.just("plan"), st.lists(st.sampled_from(ev.INVOLVES), max_size=2, unique=True),
              groups, communities, days),
    st.tuples(st.just("complete"), index, days),
    st.tuples(st.just("handover"), people, people, communities, days),
    # bursts, so that the rules needing three or five events are met (or just missed) often
    st.tuples(st.just("sessions"), people, st.lists(days, min_size=2, max_size=5)),
    st.tuples(st.just("reflections"), people, visibilities,
              st.lists(days, min_size=4, max_size=6)),
    st.tuples(st.just("reuses"), people, st.lists(people, min_size=2, max_size=4), days),
    st.tuples(st.just("feedbacks"), people, st.lists(people, min_size=2, max_size=4), days),
    st.tuples(st.just("attended"), people, days,
              st.lists(st.integers(min_value=0, max_value=120), min_size=3, max_size=5)),
)
changing = st.one_of(
    st.tuples(st.just("retract"), index),
    st.tuples(st.just("correct"), index, cycles, formats),
    st.tuples(st.just("visibility"), index, visibilities),
)
histories = st.lists(st.one_of(additive, additive, additive, changing), max_size=60)
additive_histories = st.lists(additive, max_size=60)


def build(ops: list[tuple]) -> Log:
    """A log from abstract operations; impossible ones (nothing to reuse yet …) are skipped."""
    log = Log()
    resources: list[str] = []
    plans: list[tuple[str, tuple[str, ...], str]] = []
    content: list[int] = []
    reflections: list[tuple[str, str]] = []
    retracted: set[int] = set()
    for op in ops:
        kind = op[0]
        if kind == "share":
            _, who, community, day = op
            resources.append(f"r-{len(resources)}")
            content.append(log.add(shared(who, resources[-1], community), at=day))
        elif kind == "reuse" and resources:
            _, who, i, day = op
            r = resources[i % len(resources)]
            content.append(log.add(reused(who, r), at=day))
        elif kind == "lead":
            _, leaders, attendees, fmt, community, day = op
            others = [a for a in attendees if a not in leaders] or None
            content.append(log.add(led(leaders, f"s-{len(log.records)}", community, fmt, others),
                                   at=day))
        elif kind == "reflect":
            _, who, vis, cycle, community, day = op
            rid = f"rf-{len(reflections)}"
            reflections.append((who, rid))
            content.append(log.add(reflection(who, rid, vis, community, cycle), at=day))
        elif kind == "feedback":
            _, giver, to, community, day = op
            if giver != to:
                content.append(log.add(feedback(giver, to, community=community), at=day))
        elif kind == "plan":
            _, involves, owners, community, day = op
            plans.append((f"p-{len(plans)}", tuple(owners), community))
            log.add(plan(plans[-1][0], involves or None, owners, community), at=day)
        elif kind == "complete" and plans:
            _, i, day = op
            plan_id, owners, community = plans[i % len(plans)]
            content.append(log.add(completed(owners, plan_id, community=community), at=day))
        elif kind == "handover":
            _, old, new, community, day = op
            if old != new:
                log.hand_over(old=old, new=new, community=community, at=day)
        elif kind == "sessions":
            _, who, when = op
            for day in when:
                content.append(log.add(led([who], f"s-{len(log.records)}"), at=day))
        elif kind == "reflections":
            _, who, vis, when = op
            for day in when:
                rid = f"rf-{len(reflections)}"
                reflections.append((who, rid))
                content.append(log.add(reflection(who, rid, vis), at=day))
        elif kind == "reuses":
            _, owner, reusers, day = op
            for reuser in reusers:
                resources.append(f"r-{len(resources)}")
                content.append(log.add(shared(owner, resources[-1]), at=day))
                content.append(log.add(reused(reuser, resources[-1]), at=day))
        elif kind == "feedbacks":
            _, giver, receivers, day = op
            for to in receivers:
                if to != giver:
                    content.append(log.add(feedback(giver, to), at=day))
        elif kind == "attended":
            _, who, day, offsets = op
            for offset in offsets:
                leader = "ana" if who != "ana" else "mila"
                content.append(log.add(led([leader], f"s-{len(log.records)}", attendees=[who]),
                                       at=day + timedelta(days=offset)))
        elif kind == "retract":
            live = [p for p in content if p not in retracted]
            if live:
                target = live[op[1] % len(live)]
                retracted.add(target)
                log.retract(target)
        elif kind == "correct":
            live = [p for p in content if p not in retracted]
            if live:
                target = live[op[1] % len(live)]
                e = log.records[target - 1].event
                fields = ({"value_cycle": op[2]} if isinstance(e, ev.ReflectionRecorded) else
                          {"format": op[3]} if isinstance(e, ev.SessionLed) else
                          {"outcome": "Corrected"} if isinstance(e, ev.ActionStepCompleted) else
                          {"note": "Corrected"} if isinstance(e, ev.ResourceReused) else
                          {"text": "Corrected"} if isinstance(e, ev.FeedbackGiven) else
                          {"title": "Corrected"})
                log.correct(target, fields)
        elif kind == "visibility" and reflections:
            who, rid = reflections[op[1] % len(reflections)]
            log.add(visibility(who, rid, op[2]))
    return log


def all_awards(records: list[Recorded]) -> dict[str, list]:
    return {m: earned_badges(m, records) for m in PEOPLE}


def spread(records: list[Recorded], factor: int = 2) -> list[Recorded]:
    """The same log at positions factor·p (references moved along)."""
    out = []
    for rec in records:
        e = rec.event
        if isinstance(e, (ev.EntryRetracted, ev.EntryCorrected)):
            e = dataclasses.replace(e, position=e.position * factor)
        out.append(rec._replace(position=rec.position * factor, event=e))
    return out


def unrelated(count: int, rnd: random.Random) -> list[ev.Event | tuple]:
    """Events of zoran and jelena in another community, naming no one of PEOPLE."""
    made: list = []
    for k in range(count):
        choice = rnd.randrange(7)
        if choice == 0:
            made.append(shared("zoran", f"u-{k}", "nis-9"))
        elif choice == 1:
            made.append(reused("jelena", f"u-{max(k - 1, 0)}", "nis-9"))
        elif choice == 2:
            made.append(led(["zoran"], f"us-{k}", "nis-9", "workshop", ["jelena"]))
        elif choice == 3:
            made.append(reflection("jelena", f"urf-{k}", "community", "nis-9", "realized"))
        elif choice == 4:
            made.append(feedback("zoran", "jelena", community="nis-9"))
        elif choice == 5:
            made.append(plan(f"up-{k}", ["students"], ["zoran"], "nis-9"))
            made.append(completed(["zoran"], f"up-{k}", community="nis-9"))
        else:
            made.append(("handover", k))
    return made


def with_unrelated(records: list[Recorded], rnd: random.Random) -> list[Recorded]:
    """`records` spread to even positions, with unrelated events at odd ones."""
    base = spread(records)
    extra: list[Recorded] = []
    odd = iter(range(1, 10_000, 2))
    t = START
    for item in unrelated(len(records) + 3, rnd):
        t += timedelta(days=rnd.randrange(0, 30))
        if isinstance(item, tuple):
            pair = (ev.RoleChanged(community_id="nis-9", member_id="jelena",
                                   from_role="member", to_role="facilitator"),
                    ev.RoleChanged(community_id="nis-9", member_id="zoran",
                                   from_role="facilitator", to_role="member"))
            events, correlation = pair, f"u-ho-{item[1]}"
        else:
            events, correlation = (item,), None
        for e in events:
            p = next(odd)
            extra.append(Recorded(position=p, event_id=f"u-{p}", stream="community-nis-9",
                                  version=p, event=e, actor="zoran", occurred_at=t,
                                  recorded_at=t,
                                  meta={"correlation_id": correlation or f"u-{p}"}))
    if extra and rnd.random() < 0.5:       # a retraction of an unrelated event
        p = next(odd)
        extra.append(Recorded(position=p, event_id=f"u-{p}", stream="community-nis-9",
                              version=p, event=ev.EntryRetracted(position=extra[0].position,
                                                                 retracted_by="zoran",
                                                                 reason="Mistake"),
                              actor="zoran", occurred_at=t, recorded_at=t,
                              meta={"correlation_id": f"u-{p}"}))
    return sorted(base + extra, key=lambda r: r.position)


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories, st.randoms(use_true_random=False))
def test_order_of_the_input_does_not_matter(ops, rnd) -> None:
    records = build(ops).records
    expected = all_awards(records)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert all_awards(sorted(shuffled, key=lambda r: r.position)) == expected
    assert all_awards(shuffled) == expected


@SETTINGS
@given(histories, st.randoms(use_true_random=False))
def test_unrelated_events_change_nothing(ops, rnd) -> None:
    records = build(ops).records
    base = spread(records)
    assert all_awards(with_unrelated(records, rnd)) == all_awards(base)


@SETTINGS
@given(histories)
def test_every_award_rests_on_live_shared_evidence(ops) -> None:
    records = build(ops).records
    by_position = {r.position: r for r in records}
    retracted = {r.event.position for r in records if isinstance(r.event, ev.EntryRetracted)}
    final_visibility: dict[str, str] = {}
    for r in records:
        if isinstance(r.event, (ev.ReflectionRecorded, ev.ReflectionVisibilityChanged)):
            final_visibility[r.event.reflection_id] = r.event.visibility
    for member, awards in all_awards(records).items():
        for a in awards:
            assert a.positions == tuple(sorted(set(a.positions))) and a.positions
            assert a.award_id == award_id(a.rule_id, member, a.positions)
            assert a.earned_at == max(by_position[p].occurred_at for p in a.positions)
            for p in a.positions:
                assert p not in retracted
                e = by_position[p].event
                if isinstance(e, ev.ReflectionRecorded):
                    assert final_visibility[e.reflection_id] != "private"
            # Retracting any one piece of evidence removes the award or re-derives it.
            cut = Log()
            cut.records = list(records)
            cut.retract(a.positions[0], by="ana")
            again = {b.rule_id: b for b in earned_badges(member, cut.records)}
            assert a.rule_id not in again or again[a.rule_id].award_id != a.award_id


@SETTINGS
@given(additive_histories)
def test_without_retractions_an_award_keeps_its_id_as_the_log_grows(ops) -> None:
    records = build(ops).records
    full = {m: {a.award_id for a in awards} for m, awards in all_awards(records).items()}
    for cut in range(0, len(records), 3):
        for member, awards in all_awards(records[:cut]).items():
            assert {a.award_id for a in awards} <= full[member]


@SETTINGS
@given(histories, st.data())
def test_every_prefix_seen_between_cuts_earns_what_the_prefix_alone_earns(ops, data) -> None:
    # The catalogue indexes each stretch between retractions, corrections and visibility
    # changes once, and sees its prefixes as of their last position.
    records = spread(build(ops).records)   # gaps, as a member's records have
    rules = load_rules()
    for member in PEOPLE:
        prefixes = Prefixes(member, records, rules)
        each_rule = Prefixes(member, records, rules)   # `holds` evaluates one rule
        ns = data.draw(st.lists(st.integers(0, len(records)), max_size=6), label=member)
        for n in [len(records), *ns]:
            expected = earned_badges(member, records[:n], rules)
            assert list(prefixes.earned(n).values()) == expected, n
            for award in {*expected, *prefixes.earned(len(records)).values()}:
                assert each_rule.holds(award, n) == (award in expected), (n, award)
