"""History: the occurred_at timeline, back-dating, unique ids and erased members.

The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10;
zoran and jelena registered only. `now` is 2025-06-01.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from journey import errors
from journey.clock import UTC
from journey.events import Event
from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, MARCH, MAY, Ledger

# -- occurred_at may be in the past, never in the future -----------------------------------


@pytest.mark.parametrize("event, actor", [
    (make.led("s-1", leaders=["ivan"]), "ivan"),
    (make.shared("r-1", member="ivan"), "ivan"),
    (make.left("ivan"), "ivan"),
    (make.registered("dragan"), "dragan"),
], ids=["SessionLed", "ResourceShared", "MemberLeft", "MemberRegistered"])
def test_nothing_occurs_in_the_future(ledger: Ledger, event: Event, actor: str) -> None:
    with ledger.refuses("future_occurred_at"):
        ledger.record(event, actor, ledger.now + timedelta(seconds=1))


def test_nothing_occurs_before_the_year_1000(ledger: Ledger) -> None:
    # Such a year is a typo, and its spelling would make an export that does not import.
    with ledger.refuses("invalid_value"):
        ledger.record(make.registered("dragan"), "dragan", datetime(999, 12, 31, tzinfo=UTC))
    ledger.record(make.registered("dragan"), "dragan", datetime(1000, 1, 1, tzinfo=UTC))


def test_an_event_may_occur_right_now(ledger: Ledger) -> None:
    recorded = ledger.record_one(make.led("s-1", leaders=["ivan"]), "ivan", ledger.now)
    assert recorded.occurred_at == ledger.now


def test_a_session_may_be_scheduled_to_start_in_the_future(ledger: Ledger) -> None:
    ledger.record(make.scheduled("s-1", starts_at="2025-09-15T14:00:00Z"), "ana",
                  ledger.now - timedelta(days=1))


def test_back_dated_events_are_accepted(ledger: Ledger) -> None:
    later = ledger.record_one(make.led("s-1", leaders=["ivan"]), "ivan", APRIL)
    earlier = ledger.record_one(make.shared("r-1", member="mila"), "mila", FEB)
    assert earlier.position == later.position + 1
    assert earlier.occurred_at < later.occurred_at


# -- an event that would make an accepted event break a rule is refused --------------------


def _ivan_led(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", APRIL)


def _ivan_attended(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["mila"], attendees=["ivan"]), "mila", APRIL)


def _ivan_gave_feedback(ledger: Ledger) -> None:
    ledger.record(make.led("s-0", leaders=["mila"], attendees=["ivan"]), "mila", FEB)
    ledger.record(make.feedback("ivan", "mila", about_id="s-0"), "ivan", APRIL)


def _ivan_received_feedback(ledger: Ledger) -> None:
    ledger.record(make.led("s-0", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)
    ledger.record(make.feedback("mila", "ivan", about_id="s-0"), "mila", APRIL)


def _ivan_completed_a_step(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan"])]), "ana", FEB)
    ledger.record(make.completed("p-1", "st-1", member_ids=["ivan"]), "ivan", APRIL)


AFTERWARDS: dict[str, Callable[[Ledger], None]] = {
    "led a session": _ivan_led,
    "attended a session": _ivan_attended,
    "gave feedback": _ivan_gave_feedback,
    "received feedback": _ivan_received_feedback,
    "completed a step": _ivan_completed_a_step,
}


@pytest.mark.parametrize("what", sorted(AFTERWARDS))
@pytest.mark.parametrize("actor", ["ivan", "ana"])
def test_a_back_dated_leave_before_what_the_person_did_in_april(
        ledger: Ledger, what: str, actor: str) -> None:
    AFTERWARDS[what](ledger)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.left("ivan"), actor, MARCH)


@pytest.mark.parametrize("what", sorted(AFTERWARDS))
def test_a_leave_after_what_the_person_did_is_accepted(ledger: Ledger, what: str) -> None:
    AFTERWARDS[what](ledger)
    ledger.record(make.left("ivan"), "ivan", MAY)


def test_a_leave_at_the_very_moment_of_a_session_they_led(ledger: Ledger) -> None:
    # Membership is joined_at <= t < left_at: leaving at APRIL ends it before a session at APRIL.
    _ivan_led(ledger)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.left("ivan"), "ivan", APRIL)


def test_a_back_dated_step_down_before_a_badge_they_defined(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", FEB)
    ledger.record(make.badge("b-1"), "ivan", APRIL)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.role_changed("ivan", "facilitator", "member"), "ana", MARCH)
    ledger.record(make.role_changed("ivan", "facilitator", "member"), "ana", MAY)


def test_a_back_dated_join_that_would_make_a_later_join_a_double_join(ledger: Ledger) -> None:
    ledger.record(make.joined("zoran"), "ana", MARCH)
    ledger.record(make.left("zoran"), "zoran", MAY)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.joined("zoran"), "ana", FEB)


def test_a_back_dated_role_change_that_would_falsify_a_later_from_role(ledger: Ledger) -> None:
    ledger.record(make.role_changed("ivan", "member", "facilitator"), "ana", APRIL)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.role_changed("ivan", "member", "coordinator"), "ana", MARCH)


def test_a_back_dated_leave_before_a_later_leave(ledger: Ledger) -> None:
    ledger.record(make.left("ivan"), "ivan", MAY)
    with ledger.refuses("would_invalidate_history"):
        ledger.record(make.left("ivan"), "ivan", MARCH)


# -- "after it exists": earlier in the log and not later in occurred_at --------------------


@pytest.mark.parametrize("moment, accepted", [(MARCH, False), (APRIL, True), (MAY, True)])
def test_a_resource_is_reused_only_once_it_is_shared(ledger: Ledger, moment,
                                                      accepted: bool) -> None:
    ledger.record(make.shared("r-1", member="ivan"), "ivan", APRIL)
    if accepted:
        ledger.record(make.reused("r-1", member="mila"), "mila", moment)
    else:
        with ledger.refuses("not_yet_existing"):
            ledger.record(make.reused("r-1", member="mila"), "mila", moment)


def test_a_step_is_completed_only_once_its_plan_exists(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan"])]), "ana", APRIL)
    with ledger.refuses("not_yet_existing"):
        ledger.record(make.completed("p-1", "st-1", member_ids=["ivan"]), "ivan", MARCH)


def test_a_step_added_by_a_revision_is_completed_only_once_added(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1"), "ana", FEB)
    ledger.record(make.revised("p-1", steps_added=[make.step("st-2", owners=["ivan"])]),
                  "ana", APRIL)
    with ledger.refuses("not_yet_existing"):
        ledger.record(make.completed("p-1", "st-2", member_ids=["ivan"]), "ivan", MARCH)
    ledger.record(make.completed("p-1", "st-2", member_ids=["ivan"]), "ivan", MAY)


def test_a_step_is_completed_once_until_that_completion_is_retracted(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan", "mila"])]),
                  "ana", FEB)
    done = ledger.record_one(make.completed("p-1", "st-1", member_ids=["ivan"]), "ivan", MARCH)
    with ledger.refuses("step_completed"):
        ledger.record(make.completed("p-1", "st-1", member_ids=["mila"]), "mila", APRIL)
    ledger.record(make.retract(done.position, by="ivan"), "ivan", APRIL)
    ledger.record(make.completed("p-1", "st-1", member_ids=["mila"]), "mila", MAY)


def test_feedback_about_a_session_comes_after_it(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", APRIL)
    with ledger.refuses("not_yet_existing"):
        ledger.record(make.feedback("mila", "ivan", about_id="s-1"), "mila", MARCH)


def test_feedback_about_a_resource_comes_after_it(ledger: Ledger) -> None:
    ledger.record(make.shared("r-1", member="ivan"), "ivan", APRIL)
    with ledger.refuses("not_yet_existing"):
        ledger.record(make.feedback("mila", "ivan", about_id="r-1", about_kind="resource"),
                      "mila", MARCH)


# -- ids are unique per kind across the whole log ------------------------------------------


def test_two_communities_cannot_share_an_id(ledger: Ledger) -> None:
    with ledger.refuses("duplicate_id"):
        ledger.record(make.founded("vrsac-1"), "zoran", MARCH)


def _first_network(ledger: Ledger) -> tuple[Event, str]:
    return make.network_created("serbia-sel"), "zoran"


def _first_registration(ledger: Ledger) -> tuple[Event, str]:
    return make.registered("ivan"), "ivan"


def _first_schedule(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.scheduled("s-1"), "ana", FEB)
    return make.scheduled("s-1"), "ana"


def _first_session(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", FEB)
    return make.led("s-1", leaders=["mila"]), "mila"


def _first_resource(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.shared("r-1", member="ivan"), "ivan", FEB)
    return make.shared("r-1", member="mila"), "mila"


def _first_plan(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.plan("p-1"), "ivan", FEB)
    return make.plan("p-1"), "mila"


def _first_badge(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.badge("b-1"), "ana", FEB)
    return make.badge("b-1"), "ana"


def _first_award(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.badge("b-1"), "ana", FEB)
    ledger.record(make.award("a-1", member="ivan"), "ana", FEB)
    return make.award("a-1", member="mila"), "ana"


def _first_reflection(ledger: Ledger) -> tuple[Event, str]:
    ledger.record(make.reflection("rf-1", member="ivan"), "ivan", FEB)
    return make.reflection("rf-1", member="mila"), "mila"


FIRSTS: dict[str, Callable[[Ledger], tuple[Event, str]]] = {
    "NetworkCreated": _first_network, "MemberRegistered": _first_registration,
    "SessionScheduled": _first_schedule, "SessionLed": _first_session,
    "ResourceShared": _first_resource, "ActionPlanCreated": _first_plan,
    "BadgeDefined": _first_badge, "RecognitionAwarded": _first_award,
    "ReflectionRecorded": _first_reflection,
}


@pytest.mark.parametrize("kind", sorted(FIRSTS))
def test_an_id_is_used_once_per_kind(ledger: Ledger, kind: str) -> None:
    event, actor = FIRSTS[kind](ledger)
    with ledger.refuses("duplicate_id"):
        ledger.record(event, actor, MARCH)


def test_ids_are_unique_across_communities(ledger: Ledger) -> None:
    ledger.community("nis-2", facilitator="zoran", members=["jelena"], at=FEB)
    ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", MARCH)
    with ledger.refuses("duplicate_id"):
        ledger.record(make.led("s-1", leaders=["zoran"], community="nis-2"), "zoran", MARCH)


def test_kinds_do_not_share_an_id_space(ledger: Ledger) -> None:
    ledger.record(make.led("x-1", leaders=["ivan"]), "ivan", MARCH)
    ledger.record(make.shared("x-1", member="ivan"), "ivan", MARCH)
    ledger.record(make.plan("x-1"), "ivan", MARCH)
    ledger.record(make.badge("x-1"), "ana", MARCH)


def test_a_scheduled_session_takes_place_under_its_id(ledger: Ledger) -> None:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), "ana", FEB)
    ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", APRIL)


def test_a_cancelled_session_does_not_take_place(ledger: Ledger) -> None:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), "ana", FEB)
    ledger.record(make.cancelled("s-1"), "ana", MARCH)
    with ledger.refuses("session_cancelled"):
        ledger.record(make.led("s-1", leaders=["ivan"]), "ivan", APRIL)


# -- nothing is accepted about an erased member --------------------------------------------


@pytest.fixture
def erased_ivan(ledger: Ledger) -> Ledger:
    """ivan shared r-1 and owns step st-1 of p-1 (February), then was erased in April."""
    ledger.community("nis-2", facilitator="zoran", members=["jelena"], at=FEB)
    ledger.record(make.shared("r-1", member="ivan"), "ivan", FEB)
    ledger.record(make.badge("b-1"), "ana", FEB)
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan", "mila"])]), "ana", FEB)
    ledger.record(make.erased("ivan", requested_by="ivan"), "admin", APRIL, privileged=True)
    return ledger


ABOUT_IVAN: dict[str, tuple[Event, str]] = {
    "ivan shares": (make.shared("r-2", member="ivan"), "ivan"),
    "ivan leads": (make.led("s-9", leaders=["mila", "ivan"]), "mila"),
    "ivan attends": (make.led("s-9", leaders=["mila"], attendees=["ivan"]), "mila"),
    "ivan receives feedback": (make.feedback("mila", "ivan", about_id="r-1",
                                             about_kind="resource"), "mila"),
    "ivan joins": (make.joined("ivan", community="nis-2"), "zoran"),
    "ivan's role changes": (make.role_changed("ivan", "member", "facilitator"), "ana"),
    "ivan is awarded": (make.award("a-1", member="ivan"), "ana"),
    "ivan completes a step": (make.completed("p-1", "st-1", member_ids=["mila", "ivan"]), "mila"),
}


@pytest.mark.parametrize("case", sorted(ABOUT_IVAN))
def test_nothing_is_accepted_about_an_erased_member(erased_ivan: Ledger, case: str) -> None:
    event, actor = ABOUT_IVAN[case]
    with erased_ivan.refuses("member_erased"):
        erased_ivan.record(event, actor, MAY)


def test_nothing_is_accepted_about_an_erased_member_even_back_dated(erased_ivan: Ledger) -> None:
    with erased_ivan.refuses("member_erased"):
        erased_ivan.record(make.led("s-9", leaders=["mila"], attendees=["ivan"]), "mila", MARCH)


def test_a_member_is_erased_once(erased_ivan: Ledger) -> None:
    with erased_ivan.refuses("member_erased"):
        erased_ivan.record(make.erased("ivan", requested_by="ivan"), "admin", MAY,
                           privileged=True)


def test_an_erased_member_is_not_registered_again_and_the_refusal_names_the_field(
        erased_ivan: Ledger) -> None:
    with pytest.raises(errors.MemberIsErased) as refused:
        erased_ivan.record(make.registered("ivan"), "admin", MAY, privileged=True)

    message = "ivan was erased and cannot be registered again"
    assert refused.value.fields == {"member_id": [message]}


def test_the_community_carries_on_after_an_erasure(erased_ivan: Ledger) -> None:
    erased_ivan.record(make.led("s-9", leaders=["mila"], attendees=["ana"]), "mila", MAY)
    erased_ivan.record(make.completed("p-1", "st-1", member_ids=["mila"]), "mila", MAY)
