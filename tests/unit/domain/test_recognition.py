"""Recognitions: a badge of that community, evidence by the awardee, revoked once.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from journey.records import Recorded
from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, MARCH, Ledger


@pytest.fixture
def badged(ledger: Ledger) -> Ledger:
    """The `ledger` community with badge b-1 defined by ana in February."""
    ledger.record(make.badge("b-1"), "ana", FEB)
    return ledger


# -- the badge is defined in that community ------------------------------------------------


def test_a_badge_of_another_community_cannot_be_awarded(badged: Ledger) -> None:
    badged.community("nis-2", facilitator="zoran", members=["jelena"], at=FEB)
    badged.record(make.badge("b-9", community="nis-2"), "zoran", FEB)
    with badged.refuses("unknown_badge"):
        badged.record(make.award("a-1", member="ivan", badge_id="b-9"), "ana", MARCH)


def test_an_undefined_badge_cannot_be_awarded(badged: Ledger) -> None:
    with badged.refuses("unknown_badge"):
        badged.record(make.award("a-1", member="ivan", badge_id="b-404"), "ana", MARCH)


# -- evidence: non-retracted events of that community by the awardee, never private --------


def _ivan_shares(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.shared("r-1", member="ivan"), "ivan", FEB)


def _ivan_leads(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)


def _ivan_reflects_for_the_community(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.reflection("rf-1", member="ivan", visibility="community"),
                             "ivan", FEB)


def _ivan_reflects_for_the_network(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.reflection("rf-1", member="ivan", visibility="network"),
                             "ivan", FEB)


def _ivan_completes_a_step(ledger: Ledger) -> Recorded:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan"])]), "ana", FEB)
    return ledger.record_one(make.completed("p-1", "st-1", member_ids=["ivan"]), "ivan", FEB)


def _ivan_reflects_privately(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.reflection("rf-1", member="ivan", visibility="private"),
                             "ivan", FEB)


def _ivan_makes_a_reflection_private(ledger: Ledger) -> Recorded:
    reflection = _ivan_reflects_for_the_community(ledger)
    ledger.record(make.visibility("rf-1", "ivan", "private"), "ivan", FEB)
    return reflection


def _mila_shares(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.shared("r-1", member="mila"), "mila", FEB)


def _ivan_shares_then_retracts(ledger: Ledger) -> Recorded:
    resource = _ivan_shares(ledger)
    ledger.record(make.retract(resource.position, "ivan"), "ivan", FEB)
    return resource


def _ivan_shares_in_another_community(ledger: Ledger) -> Recorded:
    ledger.community("nis-2", facilitator="zoran", members=["ivan"], at=FEB)
    return ledger.record_one(make.shared("r-9", member="ivan", community="nis-2"), "ivan", FEB)


def _ivans_registration(ledger: Ledger) -> Recorded:
    return next(r for r in ledger.of_type("MemberRegistered") if r.event.member_id == "ivan")


VALID_EVIDENCE: dict[str, Callable[[Ledger], Recorded]] = {
    "a resource ivan shared": _ivan_shares,
    "a session ivan led": _ivan_leads,
    "ivan's community reflection": _ivan_reflects_for_the_community,
    "ivan's network reflection": _ivan_reflects_for_the_network,
    "a step ivan completed": _ivan_completes_a_step,
}

INVALID_EVIDENCE: dict[str, Callable[[Ledger], Recorded]] = {
    "ivan's private reflection": _ivan_reflects_privately,
    "ivan's reflection made private": _ivan_makes_a_reflection_private,
    "another member's resource": _mila_shares,
    "a retracted resource": _ivan_shares_then_retracts,
    "ivan's resource in another community": _ivan_shares_in_another_community,
    "ivan's registration": _ivans_registration,
}


@pytest.mark.parametrize("evidence", sorted(VALID_EVIDENCE))
def test_evidence_is_the_awardees_own_event_in_the_community(badged: Ledger,
                                                              evidence: str) -> None:
    target = VALID_EVIDENCE[evidence](badged)
    badged.record(make.award("a-1", member="ivan", evidence=[target.position]), "ana", MARCH)


@pytest.mark.parametrize("evidence", sorted(INVALID_EVIDENCE))
def test_evidence_that_is_not_is_refused(badged: Ledger, evidence: str) -> None:
    target = INVALID_EVIDENCE[evidence](badged)
    with badged.refuses("invalid_evidence"):
        badged.record(make.award("a-1", member="ivan", evidence=[target.position]), "ana", MARCH)


def test_one_bad_piece_of_evidence_refuses_the_award(badged: Ledger) -> None:
    good = _ivan_shares(badged)
    bad = badged.record_one(make.shared("r-2", member="mila"), "mila", FEB)
    with badged.refuses("invalid_evidence"):
        badged.record(make.award("a-1", member="ivan", evidence=[good.position, bad.position]),
                      "ana", MARCH)


# -- revocation: by a facilitator of the award's community, once ---------------------------


def test_a_recognition_is_revoked_once(badged: Ledger) -> None:
    badged.record(make.award("a-1", member="ivan"), "ana", FEB)
    badged.record(make.revoke("a-1"), "ana", MARCH)
    with badged.refuses("already_revoked"):
        badged.record(make.revoke("a-1"), "ana", APRIL)


def test_an_unknown_award_cannot_be_revoked(badged: Ledger) -> None:
    with badged.refuses("unknown_award"):
        badged.record(make.revoke("a-404"), "ana", MARCH)


def test_a_facilitator_of_another_community_cannot_revoke(badged: Ledger) -> None:
    badged.community("nis-2", facilitator="zoran", members=["jelena"], at=FEB)
    badged.record(make.award("a-1", member="ivan"), "ana", FEB)
    with badged.refuses("not_a_member", "not_a_facilitator"):
        badged.record(make.revoke("a-1", revoked_by="zoran"), "zoran", MARCH)


def test_a_facilitator_other_than_the_awarder_revokes(badged: Ledger) -> None:
    badged.record(make.award("a-1", member="mila"), "ana", FEB)
    badged.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    recorded = badged.record_one(make.revoke("a-1", revoked_by="ivan"), "ivan", MARCH)
    assert recorded.stream == "community-vrsac-1"
