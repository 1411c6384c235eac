"""Properties of the leadership metrics over random logs (no domain rules: anything goes).

(1) as of P, the full fold cut at P equals the fold of the first P events;
(2) every ratio stays in [0, 1] (centralization ≥ 0); (3) tiers list exactly the enrolled;
and gini and centralization equal DESIGN's formulas taken literally, in exact fractions.
"""
from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import events as ev
from projections.leadership.metrics import fold, leadership, trend
from tests.unit.leadership.build import Log, day, recorded

COMMUNITIES = ("a", "b")
PEOPLE = ("m1", "m2", "m3", "m4", "m5")
RESOURCES = ("r1", "r2", "r3")
ROLES = ("member", "facilitator", "coordinator")
# A few days of 2024 and a few hours, so that ties in occurred_at are common.
TIMES = [f"2024-{month:02d}-{d:02d}T{h:02d}:00:00Z"
         for month in (1, 3, 4, 7) for d in (1, 15) for h in (0, 12)]
WINDOWS = [None, "2024-01-01", "2024-03-15", "2024-04-01", "2024-07-01", "2024-08-01"]

community = st.sampled_from(COMMUNITIES)
person = st.sampled_from(PEOPLE)
people = st.lists(person, min_size=1, max_size=4).map(tuple)


@st.composite
def logs(draw: st.DrawFn) -> list:
    """A random log: membership, sessions, resources, feedback, ..., retractions, corrections."""
    records: list = []
    for _ in range(draw(st.integers(0, 40))):
        c, m, at = draw(community), draw(person), draw(st.sampled_from(TIMES))
        kind = draw(st.sampled_from(("join", "join", "role", "leave", "led", "led", "share",
                                     "reuse", "feedback", "reflect", "complete", "retract",
                                     "correct", "found")))
        if kind == "join":
            event = ev.MemberJoined(community_id=c, member_id=m, role=draw(st.sampled_from(ROLES)))
        elif kind == "role":
            event = ev.RoleChanged(community_id=c, member_id=m, from_role="member",
                                   to_role=draw(st.sampled_from(ROLES)))
        elif kind == "leave":
            event = ev.MemberLeft(community_id=c, member_id=m)
        elif kind == "led":
            event = ev.SessionLed(community_id=c, session_id=f"s{len(records)}",
                                  leaders=draw(people), title="t", format="meeting",
                                  attendees=draw(st.none() | people))
        elif kind == "share":
            event = ev.ResourceShared(community_id=c, resource_id=draw(st.sampled_from(RESOURCES)),
                                      member_id=m, title="t", kind="rubric")
        elif kind == "reuse":
            event = ev.ResourceReused(community_id=c, resource_id=draw(st.sampled_from(RESOURCES)),
                                      member_id=m)
        elif kind == "feedback":
            event = ev.FeedbackGiven(community_id=c, from_member_id=m, to_member_id=draw(person),
                                     about_kind="session", about_id="s")
        elif kind == "reflect":
            event = ev.ReflectionRecorded(reflection_id=f"x{len(records)}", member_id=m, text="t",
                                          community_id=draw(st.none() | community),
                                          visibility="community")
        elif kind == "complete":
            event = ev.ActionStepCompleted(community_id=c, plan_id="p", step_id="s",
                                           member_ids=draw(people), outcome="o")
        elif kind == "found":
            event = ev.CommunityFounded(community_id=c, name=c, domain="d",
                                        network_id=draw(st.none() | st.just("n")))
        elif not records:
            continue
        elif kind == "retract":
            event = ev.EntryRetracted(position=draw(st.integers(1, len(records))),
                                      retracted_by="x", reason="r")
        else:
            event = ev.EntryCorrected(position=draw(st.integers(1, len(records))),
                                      corrected_by="x", fields={"title": "u"}, reason="r")
        records.append(recorded(len(records) + 1, event, at))
    return records


scope = st.sampled_from([{"a"}, {"b"}, {"a", "b"}])
bound = st.sampled_from(WINDOWS).map(day)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(logs(), scope, bound, bound)
def test_as_of_a_position_equals_the_fold_of_the_prefix(records, communities, start, end) -> None:
    everything = fold(records)
    for p in range(len(records) + 1):
        prefix = fold(records[:p])
        window = {"communities": communities, "start": start, "end": end}
        assert leadership(everything, as_of_position=p, **window) == leadership(prefix, **window)
        assert trend(everything, as_of_position=p, **window) == trend(prefix, **window)


@FAST
@given(logs(), scope, bound, bound, st.randoms(use_true_random=False))
def test_metrics_stay_in_range_and_tiers_list_the_enrolled(records, communities, start, end,
                                                            rnd: random.Random) -> None:
    facts = fold(records)
    report = leadership(facts, communities=communities, start=start, end=end)
    for key in ("breadth", "gini", "entropy", "member_led_share", "reciprocity"):
        assert report[key] is None or 0.0 <= report[key] <= 1.0, key
    assert report["in_degree_centralization"] is None \
        or 0.0 <= report["in_degree_centralization"] <= 1.0
    assert len(report["tiers"]) == report["enrolled"]
    assert set(report["tiers"].values()) <= {"core", "active", "peripheral", "inactive"}
    assert 0 <= report["rotation"] <= len(PEOPLE)
    assert (report["gini"] is None) == (report["enrolled"] == 0 or report["breadth"] == 0)
    rnd.shuffle(facts)  # rows come back from the database in any order
    assert leadership(facts, communities=communities, start=start, end=end) == report


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=6))
def test_gini_is_designs_formula_exactly(counts: list[int]) -> None:
    log = Log()
    for i, n in enumerate(counts):
        log.join("c", f"m{i}")
        for _ in range(n):
            log.led("c", [f"m{i}"], "2024-02-01")
    report = log.report("c")
    if sum(counts) == 0:
        assert report["gini"] is None
        return
    n, mean = len(counts), Fraction(sum(counts), len(counts))
    pairs = sum(abs(x - y) for x in counts for y in counts)
    assert report["gini"] == float(pairs / (2 * n * n * mean))  # correctly rounded, both


@settings(max_examples=100, deadline=None)
@given(st.sets(st.tuples(person, person)))
def test_centralization_and_reciprocity_are_designs_formulas_exactly(edges) -> None:
    log = Log()
    for m in PEOPLE:
        log.join("c", m)
    for u, v in edges:
        log.feedback("c", u, v, "2024-02-01")
    report = log.report("c")
    edges = {(u, v) for u, v in edges if u != v}
    indegree = {m: sum(1 for _, v in edges if v == m) for m in PEOPLE}
    top = max(indegree.values())
    assert report["in_degree_centralization"] == float(
        Fraction(sum(top - d for d in indegree.values()), (len(PEOPLE) - 1) ** 2))
    connected = {frozenset(e) for e in edges}
    mutual = {frozenset(e) for e in edges if (e[1], e[0]) in edges}
    assert report["reciprocity"] == (float(Fraction(len(mutual), len(connected)))
                                     if connected else None)
