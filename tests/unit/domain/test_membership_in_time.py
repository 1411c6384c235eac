"""Membership in time: member of c at t iff joined_at <= t < left_at; the role at t.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from journey import errors
from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, FOUNDED, MARCH, MAY, Ledger, check_refusal, when

ONE_MICROSECOND = timedelta(microseconds=1)


# -- joined_at <= t < left_at --------------------------------------------------------------


def test_a_member_acts_at_the_very_moment_they_join(ledger: Ledger) -> None:
    ledger.record(make.joined("zoran"), "ana", MARCH)
    ledger.record(make.led("s-1", leaders=["zoran"], attendees=["ivan"]), "zoran", MARCH)


def test_a_member_cannot_act_at_the_very_moment_they_leave(ledger: Ledger) -> None:
    ledger.record(make.left("ivan"), "ivan", APRIL)
    with ledger.refuses("not_a_member"):
        ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", APRIL)


def test_a_member_acts_until_just_before_they_leave(ledger: Ledger) -> None:
    ledger.record(make.left("ivan"), "ivan", APRIL)
    ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", APRIL - ONE_MICROSECOND)


def test_nobody_acts_before_joining(ledger: Ledger) -> None:
    with ledger.refuses("not_a_member"):
        ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", FOUNDED - ONE_MICROSECOND)


def test_a_refusal_for_membership_names_the_person_the_community_and_the_day(
        ledger: Ledger) -> None:
    with pytest.raises(errors.Refused) as info:
        ledger.record(make.led("s-1", leaders=["ana"], attendees=["zoran"]), "ana", MARCH)
    check_refusal(info.value, ["not_a_member"])
    message = info.value.message
    assert "zoran" in message and "vrsac-1" in message and "2024-03-05" in message, message


@pytest.mark.parametrize("moment, accepted", [
    (when("2024-02-20"), True),    # first membership, back-dated
    (when("2024-04-20"), False),   # between leaving and re-joining
    (when("2024-05-01"), True),    # the moment of re-joining
    (when("2024-05-20"), True),    # second membership
])
def test_a_person_who_left_and_rejoined(ledger: Ledger, moment, accepted: bool) -> None:
    ledger.record(make.left("ivan"), "ivan", when("2024-04-01"))
    ledger.record(make.joined("ivan"), "ana", when("2024-05-01"))
    event = make.led("s-1", leaders=["mila"], attendees=["ivan"])
    if accepted:
        ledger.record(event, "mila", moment)
    else:
        with ledger.refuses("not_a_member"):
            ledger.record(event, "mila", moment)


@pytest.mark.parametrize("named", ["leader", "attendee"])
def test_everyone_a_session_names_is_a_member(ledger: Ledger, named: str) -> None:
    event = (make.led("s-1", leaders=["ivan", "zoran"]) if named == "leader"
             else make.led("s-1", leaders=["ivan"], attendees=["mila", "zoran"]))
    with ledger.refuses("not_a_member"):
        ledger.record(event, "ivan", MARCH)


def test_feedback_goes_to_a_member(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)
    ledger.record(make.left("ivan"), "ivan", MARCH)
    with ledger.refuses("not_a_member"):
        ledger.record(make.feedback("mila", "ivan", about_id="s-1"), "mila", APRIL)


def test_feedback_comes_from_a_member(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)
    ledger.record(make.left("mila"), "mila", MARCH)
    with ledger.refuses("not_a_member"):
        ledger.record(make.feedback("mila", "ivan", about_id="s-1"), "mila", APRIL)


def test_step_owners_complete_only_while_members(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan", "mila"])]), "ana", FEB)
    ledger.record(make.left("mila"), "mila", MARCH)
    with ledger.refuses("not_a_member"):
        ledger.record(make.completed("p-1", "st-1", member_ids=["ivan", "mila"]), "ivan", APRIL)


def test_a_facilitator_acts_only_while_a_member(ledger: Ledger) -> None:
    # Outside the community, the role is missing as it is for a member without it: a 403.
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.badge("b-1"), "ana", FOUNDED - timedelta(days=5))


def test_a_facilitator_who_left_no_longer_acts(ledger: Ledger) -> None:
    # ana hands over, is made a facilitator again beside ivan, and leaves as a facilitator.
    ledger.hand_over("vrsac-1", "ana", "ivan", "ana", FEB)
    ledger.record(make.role_changed("ana", "member", "facilitator"), "ivan", FEB)
    ledger.record(make.left("ana"), "ana", MARCH)
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.badge("b-1"), "ana", APRIL)


# -- the role at t -------------------------------------------------------------------------


@pytest.mark.parametrize("moment, accepted", [
    (when("2024-03-31"), False),           # still a member
    (when("2024-04-01"), True),            # the moment of the promotion
    (when("2024-04-02"), True),
])
def test_the_role_at_t_is_the_last_change_at_or_before_t(ledger: Ledger, moment,
                                                          accepted: bool) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", when("2024-04-01"))
    if accepted:
        ledger.record(make.badge("b-1"), "ivan", moment)
    else:
        with ledger.refuses("not_a_facilitator"):
            ledger.record(make.badge("b-1"), "ivan", moment)


def test_a_promotion_at_the_moment_of_joining_counts_at_that_moment(ledger: Ledger) -> None:
    ledger.record(make.joined("zoran"), "ana", MARCH)
    ledger.record(make.role_changed("zoran", "member", "facilitator"), "ana", MARCH)
    ledger.record(make.badge("b-1"), "zoran", MARCH)


def test_changes_at_one_moment_are_ordered_by_position(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "coordinator"), "ana", MARCH)
    # The second change sees the first: at MARCH ivan is already a coordinator.
    ledger.record(make.role_changed("ivan", "coordinator", "facilitator"), "ana", MARCH)
    with ledger.refuses("role_mismatch"):
        ledger.record(make.role_changed("ivan", "member", "coordinator"), "ana", MARCH)
    ledger.record(make.badge("b-1"), "ivan", MARCH)


def test_from_role_must_be_the_role_at_that_moment(ledger: Ledger) -> None:
    with ledger.refuses("role_mismatch"):
        ledger.record(make.role_changed("ivan", "facilitator", "member"), "ana", MARCH)


def test_from_role_of_a_back_dated_change_is_judged_at_its_own_moment(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", APRIL)
    with ledger.refuses("role_mismatch"):
        ledger.record(make.role_changed("ivan", "facilitator", "coordinator"), "ana", MARCH)


def test_the_role_of_someone_who_is_not_a_member_cannot_change(ledger: Ledger) -> None:
    with ledger.refuses("not_a_member"):
        ledger.record(make.role_changed("zoran", "member", "facilitator"), "ana", MARCH)


# -- joining again -------------------------------------------------------------------------


def test_a_current_member_cannot_join_again(ledger: Ledger) -> None:
    with ledger.refuses("already_member"):
        ledger.record(make.joined("ivan", role="coordinator"), "ana", MARCH)


def test_a_former_member_joins_again(ledger: Ledger) -> None:
    ledger.record(make.left("ivan"), "ivan", MARCH)
    ledger.record(make.joined("ivan", role="coordinator"), "ana", APRIL)
    ledger.record(make.role_changed("ivan", "coordinator", "member"), "ivan", MAY)


def test_a_member_of_one_community_joins_another(ledger: Ledger) -> None:
    ledger.community("nis-2", facilitator="zoran", members=["jelena"], at=FEB)
    ledger.record(make.joined("ivan", community="nis-2"), "zoran", MARCH)


def test_leaving_a_community_one_is_not_in_is_refused(ledger: Ledger) -> None:
    with ledger.refuses("not_a_member"):
        ledger.record(make.left("zoran"), "zoran", MARCH)


# -- a community always keeps at least one facilitator -------------------------------------


@pytest.mark.parametrize("actor", ["ana", "jelena"], ids=["herself", "a coordinator"])
def test_the_last_facilitator_cannot_step_down(coordinated: Ledger, actor: str) -> None:
    with coordinated.refuses("last_facilitator"):
        coordinated.record(make.role_changed("ana", "facilitator", "member"), actor, MARCH)


def test_the_last_facilitator_cannot_leave(ledger: Ledger) -> None:
    with ledger.refuses("last_facilitator"):
        ledger.record(make.left("ana"), "ana", MARCH)


def test_a_facilitator_steps_down_when_another_remains(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    ledger.record(make.role_changed("ana", "facilitator", "member"), "ana", MARCH)
    ledger.record(make.left("ana"), "ana", APRIL)
    with ledger.refuses("last_facilitator"):
        ledger.record(make.left("ivan"), "ivan", MAY)


def test_a_back_dated_step_down_cannot_leave_a_later_period_without_facilitator(
        ledger: Ledger) -> None:
    """ivan facilitates from February, ana steps down in April; ivan stepping down in March
    would leave vrsac-1 without any facilitator from April on."""
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    ledger.record(make.role_changed("ana", "facilitator", "member"), "ana", APRIL)
    with ledger.refuses("last_facilitator", "would_invalidate_history"):
        ledger.record(make.role_changed("ivan", "facilitator", "member"), "ivan", MARCH)
