"""The community fold: members over time, norms, calendar, library, plans."""
from __future__ import annotations

import pytest

from journey import errors
from journey import events as ev
from projections.community.fold import community
from projections.folds.personal import ERASED
from tests.unit.domain import make
from tests.unit.views.build import world


def members(view):
    return {m["member"]["member_id"]: m for m in view["members"]}


def test_members_and_roles_over_time_left_and_rejoined():
    log = world()
    log.add(make.role_changed("mila", "member", "facilitator"), "ana", "2024-03-01")
    log.add(make.left("ivan"), "ivan", "2024-04-01")
    log.add(make.joined("ivan", invited_by="ana"), "ana", "2024-06-01")
    log.add(make.left("mila"), "mila", "2024-07-01")

    view = members(community(log.records, "vrsac-1"))

    assert view["mila"]["current_role"] is None
    assert view["mila"]["periods"] == [
        {"role": "member", "from": "2024-01-10T00:00:00Z", "to": "2024-03-01T00:00:00Z"},
        {"role": "facilitator", "from": "2024-03-01T00:00:00Z", "to": "2024-07-01T00:00:00Z"}]
    assert view["ivan"]["current_role"] == "member"
    assert [p["to"] for p in view["ivan"]["periods"]] == ["2024-04-01T00:00:00Z", None]
    assert list(view) == ["ana", "ivan", "mila"]


def test_members_as_of_an_earlier_cut():
    log = world()
    cut = len(log.records)
    log.add(make.left("mila"), "mila", "2024-07-01")

    assert members(community(log.upto(cut), "vrsac-1"))["mila"]["current_role"] == "member"


def test_an_erased_member_is_listed_as_erased_member():
    log = world()
    log.add(make.erased("mila", "mila"), "admin", "2025-01-01")

    assert members(community(log.records, "vrsac-1"))["mila"]["member"]["name"] == ERASED


def test_norms_current_and_past_by_occurred_at_with_corrections_and_retractions():
    log = world()
    first = log.add(make.norms(texts=["Start on time"]), "ana", "2024-02-01")
    log.add(make.norms(texts=["Phones away"]), "ana", "2024-01-20")   # back-dated: older
    third = log.add(make.norms(texts=["Listen first"]), "ana", "2024-03-01")
    wrong = log.add(make.norms(texts=["Typo"]), "ana", "2024-04-01")
    log.add(make.retract(wrong, "ana"), "ana")
    log.add(make.correct(first, "ana", {"norms": ["Start on time, end on time"]}), "ana")

    norms = community(log.records, "vrsac-1")["norms"]

    assert norms["current"]["position"] == third
    assert [n["norms"] for n in norms["past"]] == [["Start on time, end on time"],
                                                   ["Phones away"]]
    assert norms["past"][0]["corrected"]


def test_the_calendar_shows_scheduled_cancelled_and_held_sessions():
    log = world()
    log.add(make.scheduled("s-1", ["ivan"], starts_at="2024-04-10T14:00:00Z"), "ana")
    log.add(make.scheduled("s-2", starts_at="2024-04-17T14:00:00Z"), "ana")
    log.add(make.scheduled("s-3", starts_at="2024-04-24T14:00:00Z"), "ana")
    log.add(make.cancelled("s-2"), "ana")
    cancel = log.add(make.cancelled("s-3"), "ana")
    log.add(make.retract(cancel, "ana"), "ana")
    log.add(make.led("s-1", ["ivan"], attendees=["mila"]), "ivan", "2024-04-10T14:05:00Z")
    log.add(make.led("s-9", ["mila"]), "mila", "2024-04-20T14:00:00Z")

    calendar = community(log.records, "vrsac-1")["calendar"]

    assert [(s["session_id"], s["status"]) for s in calendar] == [
        ("s-1", "held"), ("s-2", "cancelled"), ("s-9", "held"), ("s-3", "scheduled")]
    assert calendar[0]["held_at"] == "2024-04-10T14:05:00Z"
    assert [p["member_id"] for p in calendar[0]["planned_leaders"]] == ["ivan"]
    assert calendar[1]["cancel_reason"] == "School trip"


def test_a_retracted_held_session_is_scheduled_again():
    log = world()
    log.add(make.scheduled("s-1"), "ana")
    held = log.add(make.led("s-1", ["ana"]), "ana", "2024-04-10T14:00:00Z")
    log.add(make.retract(held, "ana"), "ana")

    [session] = community(log.records, "vrsac-1")["calendar"]

    assert session["status"] == "scheduled"


def test_the_library_with_tags_and_reuse_by_others_from_any_community():
    log = world()
    log.add(make.shared("r-1", "ivan"), "ivan")
    log.add(ev.ResourceShared(community_id="vrsac-1", resource_id="r-2", member_id="mila",
                              title="Exit ticket", kind="activity", tags=("sel", "observation")),
            "mila")
    log.add(make.shared("r-3", "zoran", community="vrsac-2"), "zoran")
    log.add(make.reused("r-1", "zoran", community="vrsac-2"), "zoran")
    log.add(make.reused("r-1", "ivan"), "ivan")

    view = community(log.records, "vrsac-1")

    assert [(r["resource_id"], r["reuses_by_others"]) for r in view["resources"]] == [
        ("r-1", 1), ("r-2", 0)]
    assert view["tags"] == {"observation": ["r-1", "r-2"], "sel": ["r-2"]}


def test_plans_with_revisions_and_step_progress():
    log = world()
    log.add(make.plan(steps=[make.step("st-1", ["ivan"]), make.step("st-2", ["mila"])]),
            "ana", "2024-02-01")
    log.add(make.revised(steps_added=[make.step("st-3", ["mila"])], steps_dropped=["st-2"]),
            "ana", "2024-02-15")
    log.add(make.completed(step_id="st-1", member_ids=["ivan"]), "ivan", "2024-03-01")
    wrong = log.add(make.completed(step_id="st-3", member_ids=["mila"]), "mila", "2024-03-02")
    log.add(make.retract(wrong, "mila"), "mila")

    [plan] = community(log.records, "vrsac-1")["plans"]

    assert plan["progress"] == {"steps": 2, "completed": 1, "open": 1, "dropped": 1}
    assert [(s["step_id"], s["dropped"], s["completed"]) for s in plan["steps"]] == [
        ("st-1", False, True), ("st-2", True, False), ("st-3", False, False)]
    [revision] = plan["revisions"]
    assert (revision["steps_added"], revision["steps_dropped"]) == (["st-3"], ["st-2"])


def test_an_unknown_community_and_one_not_yet_founded_at_the_cut():
    log = world()
    with pytest.raises(errors.UnknownReference) as raised:
        community(log.records, "nowhere")
    assert raised.value.rule == "unknown_community"
    with pytest.raises(errors.UnknownReference):
        community(log.upto(7), "skopje-1")
