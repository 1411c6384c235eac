"""Each rule of rules.json: earned with exactly its evidence, and not one event short."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from projections.badges.engine import RuleAward, earned_badges
from tests.unit.badges.log import (
    C, C2, Log, completed, feedback, led, plan, reflection, revised, reused, role_changed,
    shared,
)


def held(member: str, log: Log) -> dict[str, RuleAward]:
    return {a.rule_id: a for a in earned_badges(member, log.records)}


def positions(member: str, log: Log, rule: str) -> tuple[int, ...] | None:
    award = held(member, log).get(rule)
    return None if award is None else award.positions


# -- first resource shared -----------------------------------------------------------------------

def test_first_resource_names_the_first_share(log: Log) -> None:
    assert positions("ivan", log, "first-resource") is None
    p1 = log.add(shared("ivan", "r-1"))
    log.add(shared("ivan", "r-2"))
    log.add(shared("mila", "r-3"))
    assert positions("ivan", log, "first-resource") == (p1,)
    assert positions("mila", log, "first-resource") == (3,)
    assert positions("zoran", log, "first-resource") is None


# -- led a session ---------------------------------------------------------------------------

def test_every_co_leader_led_a_session_but_not_the_attendees(log: Log) -> None:
    p = log.add(led(["ana", "ivan"], "s-1", attendees=["mila"]))
    assert positions("ana", log, "led-a-session") == (p,)
    assert positions("ivan", log, "led-a-session") == (p,)
    assert positions("mila", log, "led-a-session") is None


# -- led sessions in three different months ------------------------------------------------------

def test_three_months_needs_three_distinct_months(log: Log) -> None:
    a = log.add(led(["ivan"], "s-1"), at="2024-01-10")
    log.add(led(["ivan"], "s-2"), at="2024-01-24")
    b = log.add(led(["ivan"], "s-3"), at="2024-02-07")
    log.add(led(["ivan"], "s-4"), at="2024-02-21")
    assert positions("ivan", log, "sessions-three-months") is None   # four sessions, two months
    c = log.add(led(["ivan", "mila"], "s-5"), at="2024-03-06")
    log.add(led(["ivan"], "s-6"), at="2024-04-06")
    assert positions("ivan", log, "sessions-three-months") == (a, b, c)
    award = held("ivan", log)["sessions-three-months"]
    assert award.earned_at == datetime(2024, 3, 6, tzinfo=timezone.utc)
    assert positions("mila", log, "sessions-three-months") is None


def test_months_are_calendar_months_of_their_year(log: Log) -> None:
    log.add(led(["ivan"], "s-1"), at="2023-12-12")
    log.add(led(["ivan"], "s-2"), at="2024-12-10")
    log.add(led(["ivan"], "s-3"), at="2023-12-20")
    assert positions("ivan", log, "sessions-three-months") is None   # December twice, not thrice
    p = log.add(led(["ivan"], "s-4"), at="2024-01-09")
    assert positions("ivan", log, "sessions-three-months") == (1, 2, p)


def test_months_are_taken_in_utc(log: Log) -> None:
    belgrade = timezone(timedelta(hours=1))
    log.add(led(["ivan"], "s-1"), at=datetime(2024, 1, 10, 12, tzinfo=belgrade))
    # 00:30 on 1 February in Belgrade is still January in UTC.
    log.add(led(["ivan"], "s-2"), at=datetime(2024, 2, 1, 0, 30, tzinfo=belgrade))
    log.add(led(["ivan"], "s-3"), at="2024-03-06")
    assert positions("ivan", log, "sessions-three-months") is None
    log.add(led(["ivan"], "s-4"), at="2024-02-15")
    assert positions("ivan", log, "sessions-three-months") == (1, 3, 4)


# -- three of their resources reused by others -------------------------------------------------

def test_three_resources_reused_by_others(log: Log) -> None:
    for r in ("r-1", "r-2", "r-3"):
        log.add(shared("ivan", r))
    log.add(shared("ana", "r-9"))
    a = log.add(reused("mila", "r-1"))
    log.add(reused("zoran", "r-1"))          # the same resource again
    b = log.add(reused("zoran", "r-2"))
    log.add(reused("ivan", "r-3"))           # reusing one's own resource
    log.add(reused("mila", "r-9"))           # someone else's resource
    assert positions("ivan", log, "resources-reused") is None
    c = log.add(reused("jelena", "r-3"))
    assert positions("ivan", log, "resources-reused") == (a, b, c)
    assert positions("mila", log, "resources-reused") is None
    assert positions("ana", log, "resources-reused") is None


def test_self_reuse_never_counts(log: Log) -> None:
    for r in ("r-1", "r-2", "r-3"):
        log.add(shared("ivan", r))
        log.add(reused("ivan", r))
    assert positions("ivan", log, "resources-reused") is None


# -- five reflections across three months ----------------------------------------------------

def test_five_reflections_across_three_months(log: Log) -> None:
    for i, day in enumerate(("2024-01-08", "2024-01-15", "2024-02-05", "2024-03-04")):
        log.add(reflection("ivan", f"rf-{i}"), at=day)
    assert positions("ivan", log, "reflective-practitioner") is None   # four, one short
    p = log.add(reflection("ivan", "rf-5", visibility="network"), at="2024-03-11")
    assert positions("ivan", log, "reflective-practitioner") == (1, 2, 3, 4, p)


def test_five_reflections_in_two_months_are_not_enough(log: Log) -> None:
    for i in range(6):
        log.add(reflection("ivan", f"rf-{i}"), at=f"2024-0{1 + i % 2}-1{i}")
    assert positions("ivan", log, "reflective-practitioner") is None
    p = log.add(reflection("ivan", "rf-9"), at="2024-05-02")
    # one event per month first (1: Jan, 2: Feb, p: May), then the earliest others.
    assert positions("ivan", log, "reflective-practitioner") == (1, 2, 3, 4, p)


# -- completed a step of a plan that involves students ------------------------------------------

def test_step_of_a_plan_involving_students(log: Log) -> None:
    log.add(plan("p-parents", ["parents"], ["ivan"]))
    log.add(completed(["ivan"], "p-parents"))
    assert positions("ivan", log, "students-in-the-inquiry") is None
    log.add(plan("p-students", ["students", "parents"], ["ivan", "mila"]))
    p = log.add(completed(["ivan", "mila"], "p-students"))
    assert positions("ivan", log, "students-in-the-inquiry") == (p,)
    assert positions("mila", log, "students-in-the-inquiry") == (p,)
    assert positions("ana", log, "students-in-the-inquiry") is None


def test_a_step_added_by_a_revision_counts(log: Log) -> None:
    log.add(plan("p-1", ["students"], ["mila"]))
    log.add(revised("p-1", "p-1-s2", ["ivan"]))
    p = log.add(completed(["ivan"], "p-1", "p-1-s2"))
    assert positions("ivan", log, "students-in-the-inquiry") == (p,)


def test_a_step_of_an_unknown_plan_does_not_count(log: Log) -> None:
    log.add(completed(["ivan"], "p-elsewhere"))
    assert positions("ivan", log, "students-in-the-inquiry") is None


# -- active in two communities ----------------------------------------------------------------

def test_active_in_two_communities(log: Log) -> None:
    a = log.add(shared("ivan", "r-1", community=C))
    log.add(feedback("ivan", "mila", community=C))
    log.add(led(["ana"], "s-2", community=C2, attendees=["ivan"]))   # attending is not acting
    log.add(reflection("ivan", "rf-1", visibility="private", community=C2))
    assert positions("ivan", log, "cross-school-learner") is None
    b = log.add(completed(["mila", "ivan"], "p-2", community=C2))
    assert positions("ivan", log, "cross-school-learner") == (a, b)


def test_every_kind_of_action_counts_across_communities(log: Log) -> None:
    log.add(led(["ivan"], "s-1", community=C))
    p = log.add(reflection("ivan", "rf-1", visibility="network", community=C2))
    assert positions("ivan", log, "cross-school-learner") == (1, p)


# -- took over facilitation in a hand-over ---------------------------------------------------

def test_hand_over_badge_goes_to_the_person_taking_over(log: Log) -> None:
    taker, giver = log.hand_over(old="ana", new="ivan")
    assert positions("ivan", log, "took-over-facilitation") == (taker,)
    assert positions("ana", log, "took-over-facilitation") is None
    assert giver == taker + 1


def test_a_promotion_is_not_a_hand_over(log: Log) -> None:
    log.add(role_changed("ivan", "member", "facilitator"), actor="ana")
    log.add(role_changed("ana", "facilitator", "member"), actor="ana")   # another command
    assert positions("ivan", log, "took-over-facilitation") is None


def test_a_hand_over_pairs_within_one_community(log: Log) -> None:
    log.add(role_changed("ivan", "member", "facilitator", community=C), actor="ana",
            correlation="k")
    log.add(role_changed("ana", "facilitator", "member", community=C2), actor="ana",
            correlation="k")
    assert positions("ivan", log, "took-over-facilitation") is None


# -- gave feedback to three colleagues --------------------------------------------------------

def test_feedback_to_three_different_colleagues(log: Log) -> None:
    a = log.add(feedback("ivan", "mila"))
    log.add(feedback("ivan", "mila", about="s-2"))
    b = log.add(feedback("ivan", "ana"))
    log.add(feedback("mila", "ivan"))
    assert positions("ivan", log, "critical-friend") is None
    c = log.add(feedback("ivan", "zoran", community=C2))
    assert positions("ivan", log, "critical-friend") == (a, b, c)
    assert positions("mila", log, "critical-friend") is None


# -- reflection in the realized or reframing value cycle ---------------------------------------

def test_realized_or_reframing_reflection(log: Log) -> None:
    log.add(reflection("ivan", "rf-1", cycle="applied"))
    log.add(reflection("ivan", "rf-2", cycle=None))
    assert positions("ivan", log, "value-realized") is None
    p = log.add(reflection("ivan", "rf-3", cycle="reframing"))
    assert positions("ivan", log, "value-realized") == (p,)


# -- facilitated a workshop -------------------------------------------------------------------

def test_workshop_facilitator(log: Log) -> None:
    log.add(led(["ivan"], "s-1", fmt="online_call"))
    assert positions("ivan", log, "workshop-facilitator") is None
    p = log.add(led(["mila", "ivan"], "s-2", fmt="workshop"))
    assert positions("ivan", log, "workshop-facilitator") == (p,)


# -- four sessions within ninety days ---------------------------------------------------------

def test_four_sessions_within_ninety_days(log: Log) -> None:
    log.add(led(["ana"], "s-1", attendees=["ivan"]), at="2024-01-10")
    log.add(led(["ivan"], "s-2"), at="2024-02-10")
    log.add(led(["ana"], "s-3", attendees=["ivan"]), at="2024-03-10")
    log.add(led(["ana"], "s-x", attendees=["mila"]), at="2024-03-20")   # without ivan
    log.add(led(["ana"], "s-4", attendees=["ivan"]), at="2024-05-10")   # 121 days after s-1
    assert positions("ivan", log, "regular-participant") is None
    log.add(led(["ana"], "s-5", attendees=["ivan"]), at="2024-05-20")
    # Feb 10 .. May 10 is 90 days but holds three; so does every other 90-day window.
    assert positions("ivan", log, "regular-participant") is None
    q = log.add(led(["ana"], "s-6", attendees=["ivan"]), at="2024-04-01")  # back-dated
    assert positions("ivan", log, "regular-participant") == (1, 2, 3, q)
    assert held("ivan", log)["regular-participant"].earned_at == datetime(
        2024, 4, 1, tzinfo=timezone.utc)


def test_the_window_may_leave_early_sessions_out(log: Log) -> None:
    log.add(led(["ivan"], "s-1"), at="2024-01-01")
    for i, day in enumerate(("2024-05-01", "2024-05-10", "2024-05-20", "2024-06-01")):
        log.add(led(["ana"], f"s-{i + 2}", attendees=["ivan"]), at=day)
    assert positions("ivan", log, "regular-participant") == (2, 3, 4, 5)
