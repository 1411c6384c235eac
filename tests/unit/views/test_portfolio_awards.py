"""Recognitions and rule badges in the portfolio, with evidence as the viewer may see it."""
from __future__ import annotations

from projections.portfolio.fold import portfolio
from tests.unit.domain import make
from tests.unit.views.build import world


def awarded():
    log = world()
    shared = log.add(make.shared("r-1", "ivan"), "ivan")
    reflected = log.reflect("rf-1", "ivan", "community")
    log.add(make.badge("b-1"), "ana")
    log.add(make.award("a-1", "ivan", evidence=[shared, reflected]), "ana")
    return log, shared, reflected


def evidence_of(view, award_id="a-1"):
    [item] = [r for r in view["recognitions"] if r["award_id"] == award_id]
    return [e["position"] for e in item["evidence"]]


def test_a_recognition_shows_its_badge_awarder_and_evidence():
    log, shared, reflected = awarded()

    [item] = portfolio(log.records, "ivan", viewer="mila")["recognitions"]

    assert (item["name"], item["awarded_by"]["member_id"], item["note"]) == (
        "Circle keeper", "ana", "Thank you")
    assert [e["position"] for e in item["evidence"]] == [shared, reflected]


def test_evidence_the_viewer_may_not_read_is_left_out():
    log, shared, _ = awarded()

    assert evidence_of(portfolio(log.records, "ivan", viewer="jelena")) == [shared]


def test_the_timeline_entry_of_the_award_names_no_evidence_the_viewer_may_not_read():
    # The reflection's position is in the award's data: it would say there is a reflection
    # there, which jelena (outside vrsac-1) may not read.
    log, shared, reflected = awarded()

    def award_entry(viewer):
        timeline = portfolio(log.records, "ivan", viewer=viewer)["timeline"]
        [found] = [e for e in timeline if e["type"] == "RecognitionAwarded"]
        return found["data"]["evidence"]

    assert award_entry("jelena") == [shared]
    assert award_entry("mila") == [shared, reflected]


def test_a_recognition_stands_without_retracted_evidence():
    log, shared, reflected = awarded()
    log.add(make.retract(shared, "ivan"), "ivan")

    assert evidence_of(portfolio(log.records, "ivan")) == [reflected]


def test_a_revoked_recognition_moves_to_revoked_unless_the_cut_is_earlier():
    log, _, _ = awarded()
    cut = len(log.records)
    log.add(make.revoke("a-1"), "ana", "2024-04-01")

    view = portfolio(log.records, "ivan")
    assert view["recognitions"] == []
    [revoked] = view["revoked_recognitions"]
    assert revoked["revoked_reason"] == "Awarded to the wrong person"
    assert evidence_of(portfolio(log.upto(cut), "ivan"))


def test_rule_badges_name_the_events_that_earned_them():
    log, shared, _ = awarded()

    badges = {b["rule_id"]: b for b in portfolio(log.records, "ivan")["rule_badges"]}

    assert [e["position"] for e in badges["first-resource"]["evidence"]] == [shared]


def test_a_rule_badge_resting_on_a_retracted_event_disappears():
    log, shared, _ = awarded()
    log.add(make.retract(shared, "ivan"), "ivan")

    rules = {b["rule_id"] for b in portfolio(log.records, "ivan")["rule_badges"]}

    assert "first-resource" not in rules
