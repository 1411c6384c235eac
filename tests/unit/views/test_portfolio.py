"""The portfolio fold on plain lists of events."""
from __future__ import annotations

import pytest

from journey import errors
from journey import events as ev
from projections.csv_rows import RESOURCES_CSV_COLUMNS, resources_csv_rows
from projections.folds.personal import ERASED
from projections.portfolio.fold import portfolio
from tests.unit.domain import make
from tests.unit.views.build import CIPHER, Log, names, world


def test_the_timeline_runs_across_communities_in_occurred_order():
    log = world()
    log.add(make.joined("ivan", community="vrsac-2", invited_by="zoran"), "zoran", "2024-02-01")
    late = log.add(make.led("s-1", ["ivan"], community="vrsac-1"), "ivan", "2024-05-01")
    early = log.add(make.shared("r-1", "ivan", community="vrsac-2"), "ivan", "2024-03-01")

    view = portfolio(log.records, "ivan")

    entries = [(e["position"], e["community_id"]) for e in view["timeline"]]
    assert entries[-2:] == [(early, "vrsac-2"), (late, "vrsac-1")]
    assert [c["community_id"] for c in view["communities"]] == ["vrsac-1", "vrsac-2"]


def test_timeline_filters_by_community_type_kind_and_date_range():
    log = world()
    led = log.add(make.led("s-1", ["ivan"]), "ivan", "2024-03-01")
    shared = log.add(make.shared("r-1", "ivan"), "ivan", "2024-04-01")
    log.reflect("rf-1", "ivan", "community", at="2024-05-01")

    def positions(**filters):
        return [e["position"] for e in portfolio(log.records, "ivan",
                                                 filters=filters)["timeline"]]

    assert positions(type="SessionLed") == [led]
    assert positions(kinds=["session", "resource"]) == [led, shared]
    assert positions(**{"from": "2024-03-01", "to": "2024-05-01"}) == [led, shared]
    assert positions(community="vrsac-2") == []
    with pytest.raises(errors.InvalidValue):
        portfolio(log.records, "ivan", filters={"colour": "red"})
    with pytest.raises(errors.InvalidValue):
        portfolio(log.records, "ivan", filters={"kind": "party"})
    with pytest.raises(errors.InvalidValue) as reversed_window:
        portfolio(log.records, "ivan", filters={"from": "2024-05-01", "to": "2024-03-01"})
    assert reversed_window.value.rule == "bad_window"


def test_sessions_led_with_corrections_and_retractions():
    log = world()
    kept = log.add(make.led("s-1", ["ivan", "mila"], attendees=["ana"]), "ivan", "2024-03-01")
    gone = log.add(make.led("s-2", ["ivan"]), "ivan", "2024-03-02")
    log.add(make.correct(kept, "ivan", {"title": "Circle time"}), "ivan")
    log.add(make.retract(gone, "ivan"), "ivan")

    view = portfolio(log.records, "ivan")

    [session] = view["sessions_led"]
    assert (session["session_id"], session["title"], session["corrected"]) == (
        "s-1", "Circle time", True)
    assert names(session["co_leaders"]) == ["mila"]
    assert names(session["attendees"]) == ["ana"]
    assert gone not in [e["position"] for e in view["timeline"]]


def test_a_retraction_recorded_after_the_cut_is_not_applied():
    log = world()
    led = log.add(make.led("s-1", ["ivan"]), "ivan")
    cut = len(log.records)
    log.add(make.retract(led, "ana"), "ana")

    assert len(portfolio(log.upto(cut), "ivan")["sessions_led"]) == 1
    assert portfolio(log.records, "ivan")["sessions_led"] == []


def test_resources_count_reuses_by_others_only_wherever_they_happen():
    log = world()
    log.add(make.shared("r-1", "ivan"), "ivan")
    log.add(make.reused("r-1", "mila"), "mila")
    log.add(make.reused("r-1", "mila"), "mila")
    log.add(make.reused("r-1", "ivan"), "ivan")                         # their own: no
    log.add(make.reused("r-1", "zoran", community="vrsac-2"), "zoran")  # elsewhere: yes
    retracted = log.add(make.reused("r-1", "ana"), "ana")
    log.add(make.retract(retracted, "ana"), "ana")

    view = portfolio(log.records, "ivan")

    [resource] = view["resources"]
    assert resource["reuses_by_others"] == 3
    assert names(resource["reused_by"]) == ["mila", "zoran"]
    [row] = resources_csv_rows(view)
    assert row[RESOURCES_CSV_COLUMNS.index("reuses_by_others")] == 3
    assert row[RESOURCES_CSV_COLUMNS.index("tags")] == "observation"


def test_steps_completed_name_the_step_and_the_revised_inquiry():
    log = world()
    log.add(make.plan(steps=[make.step("st-1", ["ivan", "mila"], title="Survey parents")]),
            "ana", "2024-02-01")
    log.add(ev.ActionPlanRevised(community_id="vrsac-1", plan_id="p-1",
                                 inquiry_question="What helps students feel safe?"), "ana",
            "2024-02-10")
    log.add(make.completed(member_ids=["ivan", "mila"]), "ivan", "2024-03-01")

    [step] = portfolio(log.records, "ivan")["steps_completed"]

    assert step["step_title"] == "Survey parents"
    assert step["inquiry_question"] == "What helps students feel safe?"
    assert names(step["with"]) == ["mila"]
    assert step["outcome"] == "84 parents answered the survey"


def test_reflections_keep_their_value_cycle_and_current_visibility():
    log = world()
    log.reflect("rf-1", "ivan", "private", value_cycle="realized")
    log.add(make.visibility("rf-1", "ivan", "community"), "ivan")

    [reflection] = portfolio(log.records, "ivan", viewer="mila")["reflections"]

    assert (reflection["visibility"], reflection["value_cycle"]) == ("community", "realized")


def test_tiers_per_community_and_quarter_from_periphery_to_core():
    log = world()   # ivan joined vrsac-1 on 2024-01-10
    log.add(make.shared("r-1", "ivan"), "ivan", "2024-04-02")
    log.add(make.reused("r-1", "ivan"), "ivan", "2024-04-03")
    for day in ("2024-07-01", "2024-07-02", "2024-07-03"):
        log.add(make.shared(f"r-{day}", "ivan"), "ivan", day)
    log.add(make.shared("r-x", "ivan"), "ivan", "2024-10-01")
    log.add(make.led("s-1", ["ivan"]), "ivan", "2024-10-02")
    log.reflect("rf-1", "ivan", "private", at="2024-10-03")

    tiers = portfolio(log.records, "ivan")["tiers"]["vrsac-1"]

    assert [(t["quarter"], t["tier"], t["actions"]) for t in tiers] == [
        ("2024-Q1", "inactive", 0), ("2024-Q2", "peripheral", 2), ("2024-Q3", "active", 3),
        ("2024-Q4", "core", 3)]
    assert tiers[0]["from"] == "2024-01-01" and tiers[0]["to"] == "2024-04-01"


def test_tiers_run_to_the_views_moment_and_stop_when_the_member_left():
    log = world()
    log.add(make.left("mila"), "mila", "2024-05-20")

    view = portfolio(log.records, "ivan", moment=log.recorded_at(len(log.records)))

    # The log's clock says 2025-01-01: the view's moment is in 2025-Q1.
    assert [t["quarter"] for t in view["tiers"]["vrsac-1"]][-1] == "2025-Q1"
    mila = portfolio(log.records, "mila", moment=log.recorded_at(len(log.records)))
    assert [t["quarter"] for t in mila["tiers"]["vrsac-1"]] == ["2024-Q1", "2024-Q2"]
    assert mila["communities"][0]["current_role"] is None
    assert mila["communities"][0]["periods"][-1]["to"] == "2024-05-20T00:00:00Z"


def test_an_erased_member_is_erased_member_with_no_text():
    log = world()
    log.add(ev.ReflectionRecorded(reflection_id="rf-1", member_id="ivan", text=CIPHER,
                                  community_id="vrsac-1", visibility="community"), "ivan")
    log.add(make.reused("r-0", "ivan"), "ivan")
    log.add(make.erased("ivan", "ivan"), "admin", "2025-01-01")

    view = portfolio(log.records, "ivan", viewer="mila")

    assert view["member"] == {"member_id": "ivan", "name": ERASED, "erased": True,
                              "school": None}
    assert view["reflections"][0]["text"] is None
    assert all(e["data"].get("text") is None and e["data"].get("note") is None
               for e in view["timeline"])
    assert "enc:" not in repr(view)


def test_an_erased_name_shows_as_erased_member_wherever_it_appears():
    log = Log()
    log.people("ana", "ivan")
    # mila's key is gone (her MemberErased is not in these records): her name is ciphertext
    log.add(ev.MemberRegistered(member_id="mila", display_name=CIPHER), "mila")
    log.community("vrsac-1", None, "ana", ("ivan", "mila"))
    log.add(make.led("s-1", ["ivan", "mila"]), "ivan")

    [session] = portfolio(log.records, "ivan")["sessions_led"]

    assert session["co_leaders"] == [{"member_id": "mila", "name": ERASED}]
    assert portfolio(log.records, "ivan", erased={"ana"})["communities"][0][
        "founded_by"] == {"member_id": "ana", "name": ERASED}


def test_an_unknown_member():
    with pytest.raises(errors.UnknownReference) as raised:
        portfolio(world().records, "nobody")
    assert raised.value.rule == "unknown_member"
