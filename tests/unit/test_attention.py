"""Who needs a facilitator's attention: never led, drifting, evidence choices (plain data)."""
from __future__ import annotations

import pytest

from projections.leadership.attention import (Drift, community_awards, drifting, evidence_choices, never_led,
                                              previous_quarter, quarter_bounds, quarter_of,
                                              quarters_between)


def test_never_led_counts_only_held_sessions_and_keeps_order():
    calendar = [
        {"status": "held", "leaders": [{"member_id": "ana"}, {"member_id": "ivan"}]},
        {"status": "scheduled", "leaders": [], "planned_leaders": [{"member_id": "mila"}]},
        {"status": "cancelled", "leaders": [{"member_id": "zoran"}]},
        {"status": "held", "leaders": ["petar"]},
    ]
    assert never_led(["zoran", "ana", "mila", "ivan", "petar", "zoran"], calendar) == \
        ["zoran", "mila"]


def test_never_led_with_no_sessions_is_everyone():
    assert never_led(["a", "b"], []) == ["a", "b"]


def test_drifting_lists_falls_from_engaged_to_periphery_only():
    before = {"ana": "core", "ivan": "active", "mila": "active", "zoran": "peripheral",
              "vera": "core", "gone": "core"}
    now = {"ana": "inactive", "ivan": "peripheral", "mila": "core", "zoran": "inactive",
           "vera": "active", "new": "inactive"}
    assert drifting(before, now) == [Drift("ana", "core", "inactive"),
                                     Drift("ivan", "active", "peripheral")]


def test_drifting_of_nothing_is_nothing():
    assert drifting({}, {"a": "inactive"}) == []
    assert drifting({"a": "core"}, {}) == []


@pytest.mark.parametrize("label, before", [("2024-Q1", "2023-Q4"), ("2024-Q3", "2024-Q2")])
def test_previous_quarter(label, before):
    assert previous_quarter(label) == before


@pytest.mark.parametrize("label, bounds", [("2024-Q1", ("2024-01-01", "2024-04-01")),
                                           ("2024-Q4", ("2024-10-01", "2025-01-01"))])
def test_quarter_bounds(label, bounds):
    assert quarter_bounds(label) == bounds


@pytest.mark.parametrize("bad", ["2024", "2024-Q5", "Q1-2024", "abcd-Q1", "2024-Q0"])
def test_bad_quarters_are_refused(bad):
    with pytest.raises(ValueError):
        quarter_bounds(bad)


def test_quarter_of_a_day():
    assert quarter_of("2024-03-31") == "2024-Q1"
    assert quarter_of("2024-10-01T00:00:00Z") == "2024-Q4"


def _entry(position, type_, data, community="vrsac-1"):
    return {"position": position, "type": type_, "community_id": community, "data": data}


def test_evidence_choices_are_the_members_content_in_the_community():
    timeline = [
        _entry(1, "MemberJoined", {"member_id": "ivan", "role": "member"}),
        _entry(2, "SessionLed", {"leaders": ["ana", "ivan"], "title": "Survey"}),
        _entry(3, "SessionLed", {"leaders": ["ana"], "attendees": ["ivan"]}),
        _entry(4, "ResourceShared", {"member_id": "ivan"}),
        _entry(5, "ResourceShared", {"member_id": "ivan"}, community="nis-2"),
        _entry(6, "ReflectionRecorded", {"member_id": "ivan", "visibility": "private"}),
        _entry(7, "ReflectionRecorded", {"member_id": "ivan", "visibility": "community"}),
        _entry(8, "FeedbackGiven", {"from_member_id": "ana", "to_member_id": "ivan"}),
        _entry(9, "FeedbackGiven", {"from_member_id": "ivan", "to_member_id": "ana"}),
        _entry(10, "ActionStepCompleted", {"member_ids": ["mila", "ivan"]}),
        _entry(11, "RecognitionAwarded", {"member_id": "ivan"}),
    ]
    chosen = [e["position"] for e in evidence_choices(timeline, "vrsac-1", "ivan")]
    assert chosen == [2, 4, 7, 9, 10]


def test_quarters_between():
    assert quarters_between("2023-Q3", "2024-Q2") == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert quarters_between("2024-Q1", "2024-Q1") == ["2024-Q1"]
    assert quarters_between("2024-Q2", "2024-Q1") == []


def test_community_awards_keep_only_this_community_newest_first():
    ivan = {"member": {"member_id": "ivan", "name": "Ivan"},
            "recognitions": [{"award_id": "a1", "community_id": "vrsac-1", "position": 5},
                             {"award_id": "a2", "community_id": "nis-2", "position": 9}],
            "revoked_recognitions": [{"award_id": "a3", "community_id": "vrsac-1",
                                      "position": 7, "revoked_reason": "wrong person"}]}
    mila = {"member": {"member_id": "mila", "name": "Mila"},
            "recognitions": [{"award_id": "a4", "community_id": "vrsac-1", "position": 8}],
            "revoked_recognitions": []}
    standing, revoked = community_awards([ivan, mila], "vrsac-1")
    assert [(a["award_id"], a["member"]["member_id"]) for a in standing] == \
        [("a4", "mila"), ("a1", "ivan")]
    assert [a["award_id"] for a in revoked] == ["a3"]
