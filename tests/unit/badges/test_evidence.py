"""What an award rests on: retractions, corrections, private reflections and stable ids."""
from __future__ import annotations

import hashlib
import json

from projections.badges.engine import Evidence, RuleAward, award_id, earned_badges, earned_from
from projections.badges.spec import load_rules
from tests.unit.badges.log import (
    Log, led, reflection, reused, shared, visibility,
)


def held(member: str, log: Log) -> dict[str, RuleAward]:
    return {a.rule_id: a for a in earned_badges(member, log.records)}


# -- retraction ------------------------------------------------------------------------------

def test_retracting_the_only_evidence_removes_the_award(log: Log) -> None:
    p = log.add(shared("ivan", "r-1"))
    assert "first-resource" in held("ivan", log)
    log.retract(p)
    assert "first-resource" not in held("ivan", log)


def test_retraction_re_derives_from_the_remaining_evidence_with_a_new_id(log: Log) -> None:
    p1 = log.add(shared("ivan", "r-1"))
    p2 = log.add(shared("ivan", "r-2"))
    before = held("ivan", log)["first-resource"]
    assert before.positions == (p1,)
    log.retract(p1)
    after = held("ivan", log)["first-resource"]
    assert after.positions == (p2,)
    assert after.award_id != before.award_id


def test_retraction_of_one_month_falls_back_on_another_session(log: Log) -> None:
    log.add(led(["ivan"], "s-1"), at="2024-01-10")
    log.add(led(["ivan"], "s-2"), at="2024-02-10")
    p3 = log.add(led(["ivan"], "s-3"), at="2024-03-10")
    p4 = log.add(led(["ivan"], "s-4"), at="2024-03-20")
    first = held("ivan", log)["sessions-three-months"]
    assert first.positions == (1, 2, p3)
    log.retract(p3)
    second = held("ivan", log)["sessions-three-months"]
    assert second.positions == (1, 2, p4)
    assert second.award_id != first.award_id
    log.retract(p4)
    assert "sessions-three-months" not in held("ivan", log)
    assert "led-a-session" in held("ivan", log)


def test_retracting_a_shared_resource_voids_its_reuses(log: Log) -> None:
    shares = [log.add(shared("ivan", r)) for r in ("r-1", "r-2", "r-3")]
    for who, r in (("mila", "r-1"), ("ana", "r-2"), ("mila", "r-3")):
        log.add(reused(who, r))
    assert "resources-reused" in held("ivan", log)
    log.retract(shares[0])
    assert "resources-reused" not in held("ivan", log)


def test_retracting_a_reuse_removes_that_reuse(log: Log) -> None:
    for r in ("r-1", "r-2", "r-3"):
        log.add(shared("ivan", r))
    reuses = [log.add(reused("mila", r)) for r in ("r-1", "r-2", "r-3")]
    assert held("ivan", log)["resources-reused"].positions == tuple(reuses)
    log.retract(reuses[1], by="mila")
    assert "resources-reused" not in held("ivan", log)
    again = log.add(reused("zoran", "r-2"))
    assert held("ivan", log)["resources-reused"].positions == (reuses[0], reuses[2], again)


# -- corrections -------------------------------------------------------------------------------

def test_a_corrected_event_counts_with_its_corrected_fields(log: Log) -> None:
    p = log.add(reflection("ivan", "rf-1", cycle="applied"))
    assert "value-realized" not in held("ivan", log)
    log.correct(p, {"value_cycle": "realized"})
    assert held("ivan", log)["value-realized"].positions == (p,)
    log.correct(p, {"value_cycle": "potential"})              # the latest correction wins
    assert "value-realized" not in held("ivan", log)


def test_a_correction_of_the_format_makes_a_workshop(log: Log) -> None:
    p = log.add(led(["ivan"], "s-1", fmt="meeting"))
    log.correct(p, {"format": "workshop"})
    assert held("ivan", log)["workshop-facilitator"].positions == (p,)


def test_corrections_never_change_who_is_credited(log: Log) -> None:
    p = log.add(shared("ivan", "r-1"))
    log.correct(p, {"member_id": "mila", "title": "Peer observation rubric"})   # ids stay
    assert held("ivan", log)["first-resource"].positions == (p,)
    assert "first-resource" not in held("mila", log)


# -- private reflections -----------------------------------------------------------------------

def test_private_reflections_never_count(log: Log) -> None:
    for i, day in enumerate(("2024-01-08", "2024-02-05", "2024-03-04", "2024-03-11",
                             "2024-03-18")):
        log.add(reflection("ivan", f"rf-{i}", visibility="private", community=None,
                           cycle="realized"), at=day)
    assert held("ivan", log) == {}


def test_a_reflection_counts_while_it_is_not_private(log: Log) -> None:
    p = log.add(reflection("ivan", "rf-1", visibility="private", community="vrsac-1",
                           cycle="reframing"))
    assert "value-realized" not in held("ivan", log)
    log.add(visibility("ivan", "rf-1", "community"))
    assert held("ivan", log)["value-realized"].positions == (p,)
    log.add(visibility("ivan", "rf-1", "private"))
    assert "value-realized" not in held("ivan", log)


def test_no_award_ever_names_a_private_reflection(log: Log) -> None:
    private = set()
    for i, day in enumerate(("2024-01-08", "2024-01-15", "2024-02-05", "2024-02-12",
                             "2024-03-04", "2024-03-11", "2024-04-01")):
        vis = "private" if i % 2 else "community"
        p = log.add(reflection("ivan", f"rf-{i}", visibility=vis), at=day)
        if vis == "private":
            private.add(p)
    awards = held("ivan", log)
    assert "reflective-practitioner" not in awards          # four shared ones only
    assert all(not private & set(a.positions) for a in awards.values())


# -- stable ids ------------------------------------------------------------------------------

def test_award_id_is_a_hash_of_rule_member_and_positions(log: Log) -> None:
    log.add(led(["ivan"], "s-1"), at="2024-01-10")
    log.add(led(["ivan"], "s-2"), at="2024-02-10")
    log.add(led(["ivan"], "s-3"), at="2024-03-10")
    award = held("ivan", log)["sessions-three-months"]
    digest = hashlib.sha256(b"sessions-three-months|ivan|1,2,3").hexdigest()
    assert award.award_id == "rb-" + digest[:24]
    assert award.award_id == award_id("sessions-three-months", "ivan", (3, 1, 2))
    assert award_id("sessions-three-months", "mila", (1, 2, 3)) != award.award_id


def test_ids_are_stable_across_folds_and_as_the_log_grows(log: Log) -> None:
    log.add(shared("ivan", "r-1"))
    log.add(led(["ivan", "mila"], "s-1"))
    first = earned_badges("ivan", log.records)
    assert earned_badges("ivan", list(log.records)) == first
    log.add(shared("ivan", "r-2"))
    log.add(led(["ivan"], "s-2"), at="2023-11-01")      # back-dated: still later in the log
    grown = {a.rule_id: a.award_id for a in earned_badges("ivan", log.records)}
    assert {a.rule_id: a.award_id for a in first}.items() <= grown.items()


def test_awards_serialise_to_json(log: Log) -> None:
    log.add(shared("ivan", "r-1"), at="2024-03-05T14:00:00Z")
    [award] = earned_badges("ivan", log.records)
    data = json.loads(json.dumps(award.to_dict()))
    assert data["positions"] == [1]
    assert data["earned_at"] == "2024-03-05T14:00:00Z"
    assert data["image"] == "first-resource.svg"


# -- a view of the evidence as of a position --------------------------------------------------

def test_a_view_as_of_a_position_sees_nothing_after_it(log: Log) -> None:
    # Reuses recorded (in these hand-made records) before the resource they reuse: a view
    # ending between them must not credit the resource's owner through the relation.
    for resource in ("r-1", "r-2", "r-3"):
        log.add(reused("mila", resource))
    for resource in ("r-1", "r-2", "r-3"):
        log.add(shared("ivan", resource))
    evidence = Evidence(log.records)
    rules = load_rules()
    assert "resources-reused" in {a.rule_id for a in earned_from("ivan", evidence, rules)}
    for upto in range(len(log.records)):
        seen = earned_from("ivan", evidence.as_of(upto), rules)
        assert seen == earned_badges("ivan", log.records[:upto], rules)
        assert "resources-reused" not in {a.rule_id for a in seen}
