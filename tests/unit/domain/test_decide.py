"""decide() is pure: it proposes events in their streams and never touches the state.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from journey.records import HandOverFacilitation, Proposed, RecordEvent
from journey.state import DomainState
from tests.unit.domain import make
from tests.unit.domain.ledger import FEB, MARCH, Ledger


def test_a_fresh_state_is_at_position_zero() -> None:
    assert DomainState().position == 0


def test_the_state_is_at_the_last_applied_position(ledger: Ledger) -> None:
    assert ledger.state.position == ledger.last.position == len(ledger.log)


def test_decide_proposes_without_applying(ledger: Ledger) -> None:
    event = make.led("s-1", leaders=["ivan"], attendees=["mila"])
    command = RecordEvent(event, "ivan", MARCH)
    first = ledger.decide(command)
    again = ledger.decide(command)
    assert first == again == [Proposed("community-vrsac-1", event, "ivan", MARCH)]
    assert ledger.state.position == len(ledger.log)
    # Deciding reserved nothing: the id is still free for the real append.
    ledger.record(event, "ivan", MARCH)


def test_decide_proposes_a_hand_over_without_applying(ledger: Ledger) -> None:
    command = HandOverFacilitation("vrsac-1", "ana", "ivan", "ana", MARCH)
    assert ledger.decide(command) == [
        Proposed("community-vrsac-1", make.role_changed("ivan", "member", "facilitator"),
                 "ana", MARCH),
        Proposed("community-vrsac-1", make.role_changed("ana", "facilitator", "member"),
                 "ana", MARCH),
    ]
    # Not applied: ana is still the only facilitator, ivan still a member.
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.badge("b-1"), "ivan", MARCH)


def test_a_refusal_leaves_the_ledger_usable(ledger: Ledger) -> None:
    with ledger.refuses("not_a_leader"):
        ledger.record(make.led("s-1", leaders=["ivan"]), "mila", MARCH)
    ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", MARCH)


# -- streams -------------------------------------------------------------------------------


def _private_reflection(ledger: Ledger) -> int:
    return ledger.record_one(make.reflection("rf-1", member="ivan", visibility="private",
                                             community=None), "ivan", FEB).position


def _visibility_of_community(ledger: Ledger):
    ledger.record(make.reflection("rf-1", member="ivan"), "ivan", FEB)
    return make.visibility("rf-1", "ivan", "network"), "ivan"


def _retraction_of_private(ledger: Ledger):
    return make.retract(_private_reflection(ledger), "ivan"), "ivan"


def _revocation(ledger: Ledger):
    ledger.record(make.badge("b-1"), "ana", FEB)
    ledger.record(make.award("a-1", member="ivan"), "ana", FEB)
    return make.revoke("a-1"), "ana"


STREAMS: dict[str, tuple[Callable[[Ledger], tuple], str]] = {
    "private reflection without community": (
        lambda ledger: (make.reflection("rf-1", member="ivan", visibility="private",
                                        community=None), "ivan"), "member-ivan"),
    "private reflection in a community": (
        lambda ledger: (make.reflection("rf-1", member="ivan", visibility="private"), "ivan"),
        "community-vrsac-1"),
    "visibility of a community reflection": (_visibility_of_community, "community-vrsac-1"),
    "retraction of a reflection without community": (_retraction_of_private, "member-ivan"),
    "revocation": (_revocation, "community-vrsac-1"),
    "norms": (lambda ledger: (make.norms(agreed_by=["ana"]), "ana"), "community-vrsac-1"),
    "erasure": (lambda ledger: (make.erased("mila", requested_by="mila"), "admin"),
                "member-mila"),
}


@pytest.mark.parametrize("case", sorted(STREAMS))
def test_each_event_goes_to_its_stream(ledger: Ledger, case: str) -> None:
    prepare, stream = STREAMS[case]
    event, actor = prepare(ledger)
    recorded = ledger.record_one(event, actor, MARCH, privileged=(actor == "admin"))
    assert recorded.stream == stream
