"""Hand-over: one command, two RoleChanged in one append — new facilitator first.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10.
"""
from __future__ import annotations

from datetime import timedelta

from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, MARCH, MAY, Ledger


def test_hand_over_appends_the_new_facilitator_then_the_old_one_stepping_down(
        ledger: Ledger) -> None:
    last = ledger.last.position
    appended = ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MARCH)
    assert [r.event for r in appended] == [
        make.role_changed("ivan", "member", "facilitator"),
        make.role_changed("ana", "facilitator", "member"),
    ]
    assert [r.position for r in appended] == [last + 1, last + 2]
    assert {r.stream for r in appended} == {"community-vrsac-1"}
    assert {(r.actor, r.occurred_at) for r in appended} == {("ana", MARCH)}


def test_after_a_hand_over_the_new_facilitator_leads_the_community(ledger: Ledger) -> None:
    ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MARCH)
    ledger.record(make.badge("b-1"), "ivan", APRIL)
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.badge("b-2"), "ana", APRIL)
    ledger.record(make.left("ana"), "ana", MAY)


def test_facilitation_is_handed_back(ledger: Ledger) -> None:
    ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MARCH)
    ledger.hand_over("vrsac-1", "ivan", "ana", "ivan", APRIL)
    ledger.record(make.badge("b-1"), "ana", MAY)


def test_another_facilitator_hands_over(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    appended = ledger.hand_over("vrsac-1", "ana", "mila", "ivan", MARCH)
    assert {r.actor for r in appended} == {"ivan"}


def test_hand_over_to_someone_who_is_not_a_member(ledger: Ledger) -> None:
    with ledger.refuses("not_a_member"):
        ledger.hand_over("vrsac-1", "ana", "zoran", "ana", MARCH)


def test_hand_over_by_someone_who_is_not_a_facilitator(ledger: Ledger) -> None:
    with ledger.refuses("not_a_facilitator"):
        ledger.hand_over("vrsac-1", "ana", "ivan", "mila", MARCH)


def test_hand_over_to_someone_already_facilitating(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    with ledger.refuses("role_mismatch"):
        ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MARCH)


def test_hand_over_to_oneself(ledger: Ledger) -> None:
    with ledger.refuses("role_mismatch"):
        ledger.hand_over("vrsac-1", "ana", "ana", "ana", MARCH)


def test_hand_over_from_someone_who_is_not_facilitating(ledger: Ledger) -> None:
    with ledger.refuses("role_mismatch"):
        ledger.hand_over("vrsac-1", "mila", "ivan", "ana", MARCH)


def test_hand_over_in_the_future(ledger: Ledger) -> None:
    with ledger.refuses("future_occurred_at"):
        ledger.hand_over("vrsac-1", "ana", "ivan", "ana", ledger.now + timedelta(minutes=1))


def test_a_back_dated_hand_over_before_a_badge_the_old_facilitator_defined(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", APRIL)
    with ledger.refuses("would_invalidate_history"):
        ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MARCH)
    ledger.hand_over("vrsac-1", "ana", "ivan", "ana", MAY)


def test_hand_over_in_an_unknown_community(ledger: Ledger) -> None:
    with ledger.refuses("unknown_community"):
        ledger.hand_over("atlantis-9", "ana", "ivan", "ana", MARCH)
