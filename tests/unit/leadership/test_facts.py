"""Events to facts: one event at a time (facts_of), and the reference fold."""
from __future__ import annotations

import pytest

from journey import errors, events as ev
from projections.leadership.metrics import (MAX_QUARTERS, Fact, facts_of, fold,
                                            network_communities, parse_day, quarters,
                                            retracted_position)
from tests.unit.leadership.build import Log, recorded

# 2024-03-05T14:00:00Z = 1709647200 s since the epoch.
T = "2024-03-05T14:00:00Z"
AT = 1_709_647_200_000_000


def only(event: ev.Event, position: int = 7) -> list[Fact]:
    return facts_of(recorded(position, event, T))


def test_parse_day_is_midnight_utc_or_a_full_time() -> None:
    assert parse_day("2024-01-01") == 1_704_067_200_000_000
    assert parse_day("2024-03-05T14:00:00Z") == AT
    assert parse_day("2024-03-05T16:00:00+02:00") == AT
    assert parse_day("2024-03-05T14:00:00.000001Z") == AT + 1


def test_community_founded_names_its_network_or_none() -> None:
    assert only(ev.CommunityFounded(community_id="c", name="C", domain="SEL",
                                    network_id="n")) == [Fact(7, 0, "c", "founded", None, AT,
                                                              ref="n")]
    assert only(ev.CommunityFounded(community_id="c", name="C", domain="SEL")) == [
        Fact(7, 0, "c", "founded", None, AT)]


def test_membership_facts_carry_the_role() -> None:
    assert only(ev.MemberJoined(community_id="c", member_id="ana", role="facilitator")) == [
        Fact(7, 0, "c", "join", "ana", AT, role="facilitator")]
    assert only(ev.RoleChanged(community_id="c", member_id="ana", from_role="facilitator",
                               to_role="member")) == [
        Fact(7, 0, "c", "role", "ana", AT, role="member", ref="facilitator")]
    assert only(ev.MemberLeft(community_id="c", member_id="ana")) == [
        Fact(7, 0, "c", "leave", "ana", AT)]


def test_a_session_gives_one_fact_then_one_per_distinct_leader_and_attendee() -> None:
    facts = only(ev.SessionLed(community_id="c", session_id="s-1", leaders=("ana", "ivan", "ana"),
                               title="t", format="meeting", attendees=("mila", "mila", "zoran")))
    assert facts == [Fact(7, 0, "c", "session", None, AT, ref="s-1"),
                     Fact(7, 1, "c", "led", "ana", AT, ref="s-1"),
                     Fact(7, 2, "c", "led", "ivan", AT, ref="s-1"),
                     Fact(7, 3, "c", "attended", "mila", AT, ref="s-1"),
                     Fact(7, 4, "c", "attended", "zoran", AT, ref="s-1")]


def test_a_session_without_attendees() -> None:
    facts = only(ev.SessionLed(community_id="c", session_id="s-1", leaders=("ana",),
                               title="t", format="meeting"))
    assert [f.kind for f in facts] == ["session", "led"]


def test_resources_feedback_reflections_and_steps() -> None:
    assert only(ev.ResourceShared(community_id="c", resource_id="r", member_id="ana",
                                  title="t", kind="rubric")) == [
        Fact(7, 0, "c", "shared", "ana", AT, ref="r")]
    assert only(ev.ResourceReused(community_id="c", resource_id="r", member_id="ivan")) == [
        Fact(7, 0, "c", "reused", "ivan", AT, ref="r")]
    assert only(ev.FeedbackGiven(community_id="c", from_member_id="ivan", to_member_id="ana",
                                 about_kind="resource", about_id="r")) == [
        Fact(7, 0, "c", "feedback", "ivan", AT, ref="ana")]
    assert only(ev.ReflectionRecorded(reflection_id="x", member_id="mila", text="t",
                                      community_id="c", visibility="community")) == [
        Fact(7, 0, "c", "reflected", "mila", AT)]
    assert only(ev.ActionStepCompleted(community_id="c", plan_id="p", step_id="s",
                                       member_ids=("ana", "ivan", "ana"), outcome="o")) == [
        Fact(7, 0, "c", "completed", "ana", AT), Fact(7, 1, "c", "completed", "ivan", AT)]


def test_events_the_metrics_do_not_read_give_no_facts() -> None:
    assert only(ev.ReflectionRecorded(reflection_id="x", member_id="mila", text="t",
                                      visibility="private")) == []
    assert only(ev.MemberRegistered(member_id="ana", display_name="Ana")) == []
    assert only(ev.NormsAgreed(community_id="c", norms=("n",), agreed_by=("ana",))) == []
    assert only(ev.SessionScheduled(community_id="c", session_id="s", starts_at=T, title="t",
                                    format="meeting")) == []
    assert only(ev.EntryRetracted(position=3, retracted_by="ana", reason="r")) == []
    assert only(ev.EntryCorrected(position=3, corrected_by="ana", fields={"title": "x"},
                                  reason="r")) == []


def test_retracted_position_only_for_retractions() -> None:
    assert retracted_position(recorded(9, ev.EntryRetracted(position=3, retracted_by="a",
                                                            reason="r"), T)) == 3
    assert retracted_position(recorded(9, ev.MemberLeft(community_id="c", member_id="a"),
                                       T)) is None


def test_fold_stamps_every_fact_of_the_retracted_event_with_the_retraction_position() -> None:
    log = Log()
    log.join("c", "ana", role="facilitator")                       # 1
    session = log.led("c", ["ana"], "2024-01-10", ["ivan"])         # 2
    log.share("c", "ana", "r", "2024-01-11")                        # 3
    log.retract(session)                                            # 4
    facts = log.facts()
    assert [(f.position, f.kind, f.retracted_at) for f in facts] == [
        (1, "join", None), (2, "session", 4), (2, "led", 4), (2, "attended", 4),
        (3, "shared", None)]
    # A prefix that ends before the retraction knows nothing of it.
    assert all(f.retracted_at is None for f in log.facts(3))


def test_fold_ignores_corrections() -> None:
    log = Log()
    session = log.led("c", ["ana"], "2024-01-10")
    before = log.facts()
    log.correct(session, {"title": "Better title"})
    assert log.facts() == before


def test_network_communities_by_the_cut() -> None:
    log = Log()
    log.found("a", network="n")    # 1
    log.found("b")                 # 2
    log.found("c", network="n")    # 3
    assert network_communities(log.facts(), "n") == {"a", "c"}
    assert network_communities(log.facts(), "n", as_of_position=2) == {"a"}


def test_quarters_are_whole_calendar_quarters_intersecting_the_window() -> None:
    q = quarters(parse_day("2023-11-15"), parse_day("2024-04-01"))
    assert q == [("2023-Q4", parse_day("2023-10-01"), parse_day("2024-01-01")),
                 ("2024-Q1", parse_day("2024-01-01"), parse_day("2024-04-01"))]
    # The end is exclusive: one microsecond into Q2 brings Q2 in.
    assert [label for label, _, _ in quarters(parse_day("2024-01-01"),
                                              parse_day("2024-04-01") + 1)] == [
        "2024-Q1", "2024-Q2"]
    assert quarters(parse_day("2024-02-01"), parse_day("2024-02-01")) == []


def test_the_calendar_ends_with_year_9999s_last_quarter() -> None:
    q = quarters(parse_day("9999-11-01"), parse_day("9999-12-31"))
    assert [label for label, _, _ in q] == ["9999-Q4"]
    assert q[0][2] > parse_day("9999-12-31")


@pytest.mark.parametrize("start,end", [("0001-01-01", "2024-01-01"),
                                       ("2020-01-01", "9999-12-31")])
def test_a_trend_over_more_than_fifty_years_is_refused(start: str, end: str) -> None:
    with pytest.raises(errors.InvalidValue) as refused:
        quarters(parse_day(start), parse_day(end))
    assert refused.value.rule == "bad_window"
    assert f"at most {MAX_QUARTERS}" in refused.value.message
    # Fifty years exactly is a trend.
    assert len(quarters(parse_day("2000-01-01"), parse_day("2050-01-01"))) == MAX_QUARTERS
