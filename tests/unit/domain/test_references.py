"""References: an id that names nothing known is refused with the rule of its kind.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10;
zoran registered only. Nobody ever registered "dragan".
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from journey.events import Event
from tests.unit.domain import make
from tests.unit.domain.ledger import FEB, MARCH, Ledger


def _nothing(ledger: Ledger) -> None:
    return None


def _plan_p1(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan"])]), "ana", FEB)


def _session_s1(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)


# rule, set-up, event, actor, privileged
UNKNOWN: dict[str, tuple[str, Callable[[Ledger], None], Event, str, bool]] = {
    "a join of someone unregistered": (
        "unknown_member", _nothing, make.joined("dragan"), "ana", False),
    "an erasure of someone unregistered": (
        "unknown_member", _nothing, make.erased("dragan", requested_by="dragan"), "admin", True),
    "a join to an unknown community": (
        "unknown_community", _nothing, make.joined("ivan", community="atlantis-9"), "ana", False),
    "a session of an unknown community": (
        "unknown_community", _nothing, make.led("s-1", leaders=["ivan"], community="atlantis-9"),
        "ivan", False),
    "a community in an unknown network": (
        "unknown_network", _nothing, make.founded("nis-2", network="atlantis"), "zoran", False),
    "cancelling an unknown session": (
        "unknown_session", _nothing, make.cancelled("s-404"), "ana", False),
    "feedback about an unknown session": (
        "unknown_session", _session_s1, make.feedback("mila", "ivan", about_id="s-404"),
        "mila", False),
    "reusing an unknown resource": (
        "unknown_resource", _nothing, make.reused("r-404", member="mila"), "mila", False),
    "feedback about an unknown resource": (
        "unknown_resource", _nothing,
        make.feedback("mila", "ivan", about_id="r-404", about_kind="resource"), "mila", False),
    "revising an unknown plan": (
        "unknown_plan", _nothing, make.revised("p-404", steps_dropped=["st-1"]), "ivan", False),
    "completing a step of an unknown plan": (
        "unknown_plan", _nothing, make.completed("p-404", "st-1", member_ids=["ivan"]),
        "ivan", False),
    "completing an unknown step": (
        "unknown_step", _plan_p1, make.completed("p-1", "st-404", member_ids=["ivan"]),
        "ivan", False),
    "awarding an unknown badge": (
        "unknown_badge", _nothing, make.award("a-1", member="ivan", badge_id="b-404"),
        "ana", False),
    "revoking an unknown award": (
        "unknown_award", _nothing, make.revoke("a-404"), "ana", False),
    "changing the visibility of an unknown reflection": (
        "unknown_reflection", _nothing, make.visibility("rf-404", "ivan", "network"),
        "ivan", False),
    "retracting an unknown position": (
        "unknown_position", _nothing, make.retract(999, "ana"), "ana", False),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN))
def test_an_unknown_reference_is_refused(ledger: Ledger, case: str) -> None:
    rule, prepare, event, actor, privileged = UNKNOWN[case]
    prepare(ledger)
    with ledger.refuses(rule):
        ledger.record(event, actor, MARCH, privileged=privileged)


def test_a_known_session_can_be_given_feedback(ledger: Ledger) -> None:
    _session_s1(ledger)
    ledger.record(make.feedback("mila", "ivan", about_id="s-1"), "mila", MARCH)


def test_a_step_added_by_a_revision_is_known(ledger: Ledger) -> None:
    _plan_p1(ledger)
    ledger.record(make.revised("p-1", steps_added=[make.step("st-2", owners=["mila"])]),
                  "ivan", FEB)
    ledger.record(make.completed("p-1", "st-2", member_ids=["mila"]), "mila", MARCH)
