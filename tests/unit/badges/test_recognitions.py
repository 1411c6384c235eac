"""Facilitator recognitions: defined badges awarded, revoked, and kept without retracted evidence."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from projections.badges.recognitions import (
    fold_recognitions, recognitions, revoked_recognitions,
)
from tests.unit.badges.log import (
    Log, award, badge, led, reflection, revoke, visibility,
)


def test_an_award_carries_the_badge_the_community_defined(log: Log) -> None:
    log.add(badge("b-circle"))
    s = log.add(led(["ivan"], "s-1"))
    a = log.add(award("a-1", "ivan", "b-circle", evidence=[s]), at="2024-05-15T10:00:00Z")
    [rec] = recognitions("ivan", log.records)
    assert (rec.award_id, rec.badge_id, rec.community_id) == ("a-1", "b-circle", "vrsac-1")
    assert (rec.name, rec.criteria) == ("Circle keeper", "Led the morning circle for a term")
    assert rec.awarded_by == "ana"
    assert rec.awarded_at == datetime(2024, 5, 15, 10, tzinfo=timezone.utc)
    assert rec.evidence == (s,)
    assert rec.note == "Thank you for the circles"
    assert not rec.revoked and rec.position == a
    assert recognitions("mila", log.records) == []
    json.dumps(rec.to_dict())


def test_revocation_removes_the_recognition_and_keeps_it_on_the_revoked_list(log: Log) -> None:
    log.add(badge("b-circle"))
    log.add(award("a-1", "ivan", "b-circle"))
    log.add(award("a-2", "ivan", "b-circle"))
    log.add(revoke("a-1"), at="2024-06-01T08:00:00Z")
    log.add(revoke("a-1", reason="a second time"))              # once: ignored
    assert [r.award_id for r in recognitions("ivan", log.records)] == ["a-2"]
    [gone] = revoked_recognitions("ivan", log.records)
    assert gone.award_id == "a-1" and gone.revoked
    assert gone.revoked_reason == "Awarded to the wrong person"
    assert gone.revoked_at == datetime(2024, 6, 1, 8, tzinfo=timezone.utc)
    assert gone.revoked_by == "ana"
    assert [r.award_id for r in recognitions("ivan", log.records, include_revoked=True)] == [
        "a-1", "a-2"]


def test_retracted_evidence_leaves_the_recognition_standing(log: Log) -> None:
    log.add(badge("b-circle"))
    s1 = log.add(led(["ivan"], "s-1"))
    s2 = log.add(led(["ivan"], "s-2"))
    log.add(award("a-1", "ivan", "b-circle", evidence=[s1, s2]))
    log.retract(s1)
    [rec] = recognitions("ivan", log.records)
    assert rec.evidence == (s2,)
    log.retract(s2)
    [rec] = recognitions("ivan", log.records)
    assert rec.evidence == () and not rec.revoked


def test_a_reflection_made_private_leaves_the_evidence(log: Log) -> None:
    log.add(badge("b-circle"))
    r = log.add(reflection("ivan", "rf-1"))
    s = log.add(led(["ivan"], "s-1"))
    log.add(award("a-1", "ivan", "b-circle", evidence=[r, s]))
    assert recognitions("ivan", log.records)[0].evidence == (r, s)
    log.add(visibility("ivan", "rf-1", "private"))
    assert recognitions("ivan", log.records)[0].evidence == (s,)


def test_a_revocation_of_someone_elses_award_changes_nothing(log: Log) -> None:
    log.add(badge("b-circle"))
    log.add(award("a-1", "ivan", "b-circle"))
    log.add(award("a-2", "mila", "b-circle"))
    log.add(revoke("a-2"))
    fold = fold_recognitions("ivan", log.records)
    assert [r.award_id for r in fold.standing] == ["a-1"] and fold.revoked == ()


def test_a_badge_defined_later_with_the_same_id_does_not_rewrite_it(log: Log) -> None:
    log.add(badge("b-circle"))
    log.add(award("a-1", "ivan", "b-circle"))
    log.add(badge("b-circle").__class__(badge_id="b-circle", community_id="vrsac-1",
                                        name="Other", description="Other", criteria="Other"))
    assert recognitions("ivan", log.records)[0].name == "Circle keeper"
