"""The leadership projection on a real database: live == rebuild == a pure fold, as of any cut."""
from __future__ import annotations

import multiprocessing
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import errors
from journey import events as E
from journey.records import RecordEvent
from projections.app import open_journey
from projections.leadership.metrics import fold, leadership, trend
from projections.leadership.queries import Scope
from projections.leadership.report import Window
from tests.integration.story import installation_config, open_test_journey

UTC = timezone.utc
PEOPLE = [f"p{i}" for i in range(6)]
COMMUNITIES = ["c0", "c1"]
WINDOWS = [Window(), Window("2024-03-01", "2024-09-01"), Window(None, "2024-06-15")]


class Clock:
    """recorded_at advances an hour per append, as if recorded live in 2025."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now


def open_installation(url: str, tmp_path: Path):
    journey = open_test_journey(url, tmp_path)
    journey.store.clock = Clock()
    return journey


def setup_communities(journey) -> None:
    day0 = datetime(2024, 1, 1, tzinfo=UTC)
    run = journey.store.submit
    for person in PEOPLE:
        run(RecordEvent(E.MemberRegistered(member_id=person, display_name=person.upper()),
                        person, day0))
    run(RecordEvent(E.NetworkCreated(network_id="n", name="Network"), "p0", day0))
    for index, community in enumerate(COMMUNITIES):
        founder = PEOPLE[index]
        run(RecordEvent(E.CommunityFounded(community_id=community, name=community,
                                           domain="SEL", network_id="n"), founder, day0))
        run(RecordEvent(E.MemberJoined(community_id=community, member_id=founder,
                                       role="facilitator"), founder, day0))


operations = st.lists(st.tuples(
    st.sampled_from(["join", "leave", "lead", "share", "reuse", "feedback", "reflect",
                     "retract", "promote", "demote"]),
    st.integers(0, len(PEOPLE) - 1), st.integers(0, len(COMMUNITIES) - 1),
    st.integers(1, 330), st.integers(0, len(PEOPLE) - 1)), min_size=5, max_size=45)


class Made:
    """What earlier operations made: shared resources, and content events to retract."""

    def __init__(self) -> None:
        self.shared: list[str] = []
        self.content: list[int] = [1]  # positions of content events


def apply_operations(journey, ops, *, first: int = 0, made: Made | None = None) -> None:
    """Try every operation; the domain refuses what would break a rule (that is fine).

    Ids are numbered from `first`, so operations applied in several calls stay distinct.
    """
    store = journey.store
    made = made or Made()
    shared, content = made.shared, made.content
    for n, (kind, who, which, day, other) in enumerate(ops, start=first):
        person, mate, community = PEOPLE[who], PEOPLE[other], COMMUNITIES[which]
        facilitator = PEOPLE[which]
        at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=day)
        event, actor = {
            "join": (lambda: (E.MemberJoined(community_id=community, member_id=person,
                                             role="member"), facilitator)),
            "leave": (lambda: (E.MemberLeft(community_id=community, member_id=person), person)),
            "lead": (lambda: (E.SessionLed(community_id=community, session_id=f"s{n}",
                                           leaders=(person,), title="Session",
                                           format="meeting", attendees=(mate,)), person)),
            "share": (lambda: (E.ResourceShared(community_id=community, resource_id=f"r{n}",
                                                member_id=person, title="Plan",
                                                kind="lesson_plan"), person)),
            "reuse": (lambda: (E.ResourceReused(community_id=community,
                                                resource_id=shared[other % len(shared)]
                                                if shared else "none", member_id=person),
                               person)),
            "feedback": (lambda: (E.FeedbackGiven(community_id=community,
                                                  from_member_id=person, to_member_id=mate,
                                                  about_kind="resource",
                                                  about_id=shared[0] if shared else "none"),
                                  person)),
            "reflect": (lambda: (E.ReflectionRecorded(reflection_id=f"f{n}", member_id=person,
                                                      text="I learned", community_id=community,
                                                      visibility="community"), person)),
            "retract": (lambda: (E.EntryRetracted(position=content[-1 - other % len(content)],
                                                  retracted_by=facilitator, reason="mistake"),
                                 facilitator)),
            "promote": (lambda: (E.RoleChanged(community_id=community, member_id=person,
                                               from_role="member", to_role="facilitator"),
                                 facilitator)),
            "demote": (lambda: (E.RoleChanged(community_id=community, member_id=person,
                                              from_role="facilitator", to_role="member"),
                                person)),
        }[kind]()
        try:
            result = store.submit(RecordEvent(event, actor, at))
        except errors.Refused:
            continue
        if kind in ("lead", "share", "reuse", "feedback", "reflect"):
            content.append(result.position)
        if kind == "share":
            shared.append(f"r{n}")
        if n % 7 == 0:
            journey.runner.catch_up()  # fold in steps, like a live installation


def reports(journey, window: Window) -> list[dict]:
    out = [journey.leadership.community(c, window) for c in COMMUNITIES]
    out.append(journey.leadership.network("n", window))
    return out


def pure_reports(records, window: Window, position: int) -> list[dict]:
    facts = fold(records)
    start, end = window.bounds()
    out = []
    for communities in ([c] for c in COMMUNITIES):
        out.append(leadership(facts, communities=communities, start=start, end=end,
                              as_of_position=position))
    out.append(leadership(facts, communities=COMMUNITIES, start=start, end=end,
                          as_of_position=position))
    return out


def trends(journey, window: Window) -> list[list[dict]]:
    """The trend of each community and of the network, as the database computes it."""
    out = [journey.leadership.community(c, window, with_trend=True)["trend"]
           for c in COMMUNITIES]
    out.append(journey.leadership.network("n", window, with_trend=True)["trend"])
    return out


def pure_trends(records, window: Window, position: int) -> list[list[dict]]:
    facts = fold(records)
    start, end = window.bounds()
    return [trend(facts, communities=chosen, start=start, end=end, as_of_position=position)
            for chosen in [[c] for c in COMMUNITIES] + [COMMUNITIES]]


def metrics_only(report: dict) -> dict:
    return {k: v for k, v in report.items()
            if k not in ("community_id", "network_id", "from", "to", "as_of", "as_of_position")}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations, data=st.data())
def test_live_equals_rebuild_equals_pure_fold_as_of_any_cut(database_factory, tmp_path, ops,
                                                             data):
    journey = open_installation(database_factory(), tmp_path)
    try:
        setup_communities(journey)
        apply_operations(journey, ops)
        journey.runner.catch_up()
        records = list(journey.store.read())
        live = {w: reports(journey, w) for w in WINDOWS}
        for window in WINDOWS:
            expected = pure_reports(records, window, len(records))
            assert [metrics_only(r) for r in live[window]] == expected
            assert all(r["as_of_position"] == len(records) for r in live[window])
            assert trends(journey, window) == pure_trends(records, window, len(records))

        journey.runner.rebuild()
        assert {w: reports(journey, w) for w in WINDOWS} == live

        # as_of(latest) is the live answer; as_of(T) folds only what was recorded by T.
        latest = records[-1].recorded_at
        for window in WINDOWS:
            cut = Window(window.start, window.end, latest)
            assert [metrics_only(r) for r in reports(journey, cut)] == \
                [metrics_only(r) for r in live[window]]
        k = data.draw(st.integers(len(PEOPLE) + 5, len(records)), label="cut")
        as_of = records[k - 1].recorded_at
        for window in WINDOWS:
            cut = Window(window.start, window.end, as_of)
            got = reports(journey, cut)
            assert all(r["as_of_position"] == k for r in got)
            assert [metrics_only(r) for r in got] == pure_reports(records[:k], window, k)
            assert trends(journey, cut) == pure_trends(records[:k], window, k)
    finally:
        journey.close()


def _fold_in_another_process(url: str, tmp_path: str) -> None:
    journey = open_journey(installation_config(url, Path(tmp_path)))
    try:
        for _ in range(3):
            journey.runner.catch_up()
    finally:
        journey.close()


def test_two_processes_folding_at_once_leave_what_a_rebuild_gives(database_url, tmp_path):
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        ops = [(kind, i % 6, i % 2, 1 + (i * 7) % 300, (i * 5) % 6)
               for i, kind in enumerate(["join", "lead", "share", "reuse", "feedback",
                                         "reflect", "lead", "retract"] * 60)]
        apply_operations(journey, ops)
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=_fold_in_another_process,
                                   args=(database_url, str(tmp_path)))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
            assert worker.exitcode == 0
        journey.runner.catch_up()
        folded = {w: reports(journey, w) for w in WINDOWS}
        assert journey.runner.status()[0].lag == 0
        journey.runner.rebuild()
        assert {w: reports(journey, w) for w in WINDOWS} == folded
    finally:
        journey.close()


def test_an_unknown_community_or_network_is_refused_by_name(database_url, tmp_path):
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        journey.runner.catch_up()
        with pytest.raises(errors.Refused) as info:
            journey.leadership.community("nowhere", Window())
        assert info.value.rule == "unknown_community"
        with pytest.raises(errors.Refused) as info:
            journey.leadership.network("nowhere", Window())
        assert info.value.rule == "unknown_network"
        with pytest.raises(errors.Refused) as info:
            journey.leadership.community("c0", Window("2024-05-01", "2024-01-01"))
        assert info.value.rule == "bad_window"
    finally:
        journey.close()


def test_cached_reports_follow_every_change_and_only_then(database_url, tmp_path):
    """Reports asked between appends (so the cache fills at every step) equal the pure fold.

    The cache answers a report from an earlier computation only while no fact of its
    communities changed, and counts forward from one only while nothing but additions
    happened; retractions (of a shared resource too), joins, role changes and new facts in
    another community are exercised, as-of reports at earlier cuts included.
    """
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        ops = [(kind, i % 6, i % 2, 1 + (i * 11) % 300, (i * 5) % 6)
               for i, kind in enumerate(["join", "join", "lead", "share", "reuse", "feedback",
                                         "retract", "lead", "reflect", "share", "reuse",
                                         "retract", "promote", "lead", "demote"] * 4)]
        window = WINDOWS[1]
        made = Made()
        for step in range(0, len(ops), 3):
            apply_operations(journey, ops[step:step + 3], first=step, made=made)
            journey.runner.catch_up()
            records = list(journey.store.read())
            for w in (Window(), window):
                got = [metrics_only(r) for r in reports(journey, w)]
                assert got == pure_reports(records, w, len(records)), f"step {step}"
            # An earlier cut, after later changes: never the cached live answer.
            k = max(len(PEOPLE) + 5, len(records) - 4)
            cut = Window(None, None, records[k - 1].recorded_at)
            assert [metrics_only(r) for r in reports(journey, cut)] == \
                pure_reports(records[:k], Window(), k)
        assert journey.leadership.cache.hits > 0
        assert journey.leadership.cache.advanced > 0  # counted forward from a basis

        # A change in c1 alone leaves c0's cached report standing (a hit, same answer).
        before = journey.leadership.community("c0", Window())
        hits = journey.leadership.cache.hits
        journey.store.submit(RecordEvent(
            E.SessionLed(community_id="c1", session_id="s-extra", leaders=("p1",),
                         title="Extra", format="meeting"),
            "p1", datetime(2024, 12, 1, tzinfo=UTC)))
        journey.runner.catch_up()
        after = journey.leadership.community("c0", Window())
        assert journey.leadership.cache.hits == hits + 1
        assert metrics_only(after) == metrics_only(before)
        assert after["as_of_position"] == before["as_of_position"] + 1
        network = journey.leadership.network("n", Window())
        assert network["sessions"] == journey.leadership.network("n", Window())["sessions"]
    finally:
        journey.close()


def test_a_network_report_recounts_only_the_community_that_changed(database_url, tmp_path,
                                                                  monkeypatch):
    """A network's report is made of its communities' tallies: after a membership change in
    one community (which no report can count forward over), only that one is counted
    again; the others' cached tallies stand. Each answer equals the pure fold."""
    journey = open_installation(database_url, tmp_path)
    counted: list[list[str]] = []
    tallies = Scope.tallies
    monkeypatch.setattr(Scope, "tallies", lambda self, *args: (
        counted.append(list(self.communities)), tallies(self, *args))[1])
    try:
        setup_communities(journey)
        apply_operations(journey, [(kind, i % 6, i % 2, 1 + (i * 17) % 300, (i * 5 + 1) % 6)
                                   for i, kind in enumerate(["join", "join", "lead", "share",
                                                             "reuse", "feedback", "lead"] * 3)])
        journey.runner.catch_up()
        records = list(journey.store.read())
        expected = pure_reports(records, Window(), len(records))
        # The network first, from nothing: its communities are counted together, and each
        # one's tallies answer its own report afterwards.
        assert metrics_only(journey.leadership.network("n", Window())) == expected[-1]
        assert counted == [COMMUNITIES]
        hits = journey.leadership.cache.hits
        assert [metrics_only(journey.leadership.community(c, Window()))
                for c in COMMUNITIES] == expected[:-1]
        assert journey.leadership.cache.hits == hits + len(COMMUNITIES)

        journey.store.submit(RecordEvent(
            E.MemberJoined(community_id="c1", member_id="p4", role="member",
                           invited_by="p1"), "p1", datetime(2024, 11, 1, tzinfo=UTC)))
        journey.runner.catch_up()
        records = list(journey.store.read())
        counted.clear()
        got = journey.leadership.network("n", Window())
        assert counted == [["c1"]]
        assert [metrics_only(r) for r in reports(journey, Window())] == \
            pure_reports(records, Window(), len(records))
        assert metrics_only(got) == pure_reports(records, Window(), len(records))[-1]

        # A resource of c0 reused in c1, then retracted: c1's reuse edge goes with it,
        # though no fact of c1 changed.
        at = datetime(2024, 11, 2, tzinfo=UTC)
        shared = journey.store.submit(RecordEvent(E.ResourceShared(
            community_id="c0", resource_id="r-late", member_id="p0", title="Plan",
            kind="lesson_plan"), "p0", at)).position
        journey.store.submit(RecordEvent(E.ResourceReused(
            community_id="c1", resource_id="r-late", member_id="p1"), "p1", at))
        journey.runner.catch_up()
        reports(journey, Window())  # each community's tallies cached with the reuse
        journey.store.submit(RecordEvent(E.EntryRetracted(
            position=shared, retracted_by="p0", reason="mistake"), "p0", at))
        journey.runner.catch_up()
        records = list(journey.store.read())
        counted.clear()
        expected = pure_reports(records, Window(), len(records))
        assert metrics_only(journey.leadership.network("n", Window())) == expected[-1]
        assert counted == [COMMUNITIES]
        assert expected[-1] != pure_reports(records[:-1], Window(), len(records) - 1)[-1]
    finally:
        journey.close()


def test_reports_counted_forward_from_a_cached_one_equal_the_pure_fold(database_url,
                                                                      tmp_path):
    """While only additions happen (sessions, shares, reuses, feedback, reflections), a
    report is its cached tallies plus the facts added since; it equals the pure fold."""
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        made = Made()
        apply_operations(journey, [("join", p, c, 1, 0) for p in range(6) for c in range(2)],
                         made=made)
        ops = [(kind, i % 6, (i // 3) % 2, 2 + (i * 13) % 300, (i * 5 + 1) % 6)
               for i, kind in enumerate(["lead", "share", "reuse", "feedback", "reflect",
                                         "lead"] * 5)]
        windows = (Window(), WINDOWS[1], WINDOWS[2])
        for step in range(0, len(ops), 2):
            apply_operations(journey, ops[step:step + 2], first=100 + step, made=made)
            journey.runner.catch_up()
            records = list(journey.store.read())
            for w in windows:
                got = [metrics_only(r) for r in reports(journey, w)]
                assert got == pure_reports(records, w, len(records)), f"step {step}"
        # Most reports after the first were counted forward (the others were cache hits:
        # a step that added nothing to their communities).
        assert journey.leadership.cache.advanced >= 2 * len(ops)
        assert journey.leadership.network("n", Window())["sessions"] >= 8
    finally:
        journey.close()


def test_rotation_counts_the_last_sessions_by_when_they_were_held(database_url, tmp_path):
    """Rotation reads the last six sessions by occurred_at, not by log position, before the
    window's end: a back-dated session recorded last is the oldest, not the newest."""
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        day = datetime(2024, 1, 1, tzinfo=UTC)
        run = journey.store.submit
        for person in PEOPLE[1:]:
            run(RecordEvent(E.MemberJoined(community_id="c0", member_id=person, role="member"),
                            "p0", day))
        leaders = ["p0", "p1", "p2", "p3", "p4", "p4"]
        for n, person in enumerate(leaders):
            run(RecordEvent(E.SessionLed(community_id="c0", session_id=f"s{n}",
                                         leaders=(person,), title="Session", format="meeting"),
                            person, day + timedelta(days=10 * (n + 1))))
        run(RecordEvent(E.SessionLed(community_id="c0", session_id="back", leaders=("p1",),
                                     title="Session", format="meeting"),
                        "p1", day + timedelta(days=5)))
        journey.runner.catch_up()
        records = list(journey.store.read())
        for window, rotation in ((Window(), 5), (Window(None, "2024-02-15"), 4)):
            got = journey.leadership.community("c0", window)
            assert got["rotation"] == rotation
            assert metrics_only(got) == pure_reports(records, window, len(records))[0]
    finally:
        journey.close()


def test_a_retraction_then_a_join_folded_in_one_batch_leave_the_later_stamp(database_url,
                                                                           tmp_path):
    """Stamps only move forward: a retraction folded in the same batch as a later join
    must not leave the community's last change at the retraction, or a report cached as
    of a cut between them would answer (or be counted forward) without the join."""
    journey = open_installation(database_url, tmp_path)
    try:
        setup_communities(journey)
        day = datetime(2024, 2, 1, tzinfo=UTC)
        run = journey.store.submit
        run(RecordEvent(E.MemberJoined(community_id="c0", member_id="p2", role="member"),
                        "p0", day))
        journey.runner.catch_up()
        led = run(RecordEvent(E.SessionLed(community_id="c0", session_id="s1",
                                           leaders=("p2",), title="S", format="meeting"),
                              "p2", day + timedelta(days=1)))
        run(RecordEvent(E.EntryRetracted(position=led.position, retracted_by="p0",
                                         reason="mistake"), "p0", day + timedelta(days=2)))
        run(RecordEvent(E.MemberJoined(community_id="c0", member_id="p3", role="member"),
                        "p0", day + timedelta(days=3)))
        journey.runner.catch_up()  # the three in one batch
        records = list(journey.store.read())
        between = Window(None, None, records[-2].recorded_at)  # after the retraction
        assert journey.leadership.community("c0", between)["enrolled"] == 2
        live = journey.leadership.community("c0", Window())
        assert live["enrolled"] == 3
        assert metrics_only(live) == pure_reports(records, Window(), len(records))[0]
    finally:
        journey.close()
