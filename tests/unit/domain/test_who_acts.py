"""Who acts: every row of DESIGN's table, with an actor it accepts and one it refuses.

Unless a test says otherwise, the community is the `ledger` fixture's vrsac-1: ana
facilitates, ivan and mila are members (all since 2024-01-10); zoran and jelena are
registered but outside it; jelena is its coordinator in the `coordinated` fixture.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from journey import errors

from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, FOUNDED, MARCH, Ledger

# -- MemberRegistered: the member, or an admin ---------------------------------------------


def test_a_person_registers_themselves(fresh: Ledger) -> None:
    recorded = fresh.record_one(make.registered("ana"), "ana", MARCH)
    assert recorded.stream == "member-ana"
    assert recorded.event == make.registered("ana")


def test_registering_someone_else_is_refused(fresh: Ledger) -> None:
    fresh.register("ana")
    with fresh.refuses("not_the_actor"):
        fresh.record(make.registered("ivan"), "ana", MARCH)


def test_an_admin_registers_someone_else(fresh: Ledger) -> None:
    recorded = fresh.record_one(make.registered("ivan"), "admin", MARCH, privileged=True)
    assert recorded.stream == "member-ivan"


# -- NetworkCreated, CommunityFounded: any registered member -------------------------------


def test_a_registered_member_creates_a_network(fresh: Ledger) -> None:
    fresh.register("ana")
    recorded = fresh.record_one(make.network_created("serbia-sel"), "ana", MARCH)
    assert recorded.stream == "network-serbia-sel"


def test_a_registered_member_founds_a_community(fresh: Ledger) -> None:
    fresh.register("ivan").network("serbia-sel", founder="ana")
    recorded = fresh.record_one(make.founded("nis-2"), "ivan", MARCH)
    assert recorded.stream == "community-nis-2"


@pytest.mark.parametrize("event", [make.network_created("serbia-sel"),
                                   make.founded("nis-2", network=None)],
                         ids=["NetworkCreated", "CommunityFounded"])
def test_an_unregistered_person_cannot_found(fresh: Ledger, event) -> None:
    fresh.register("ana")
    with fresh.refuses("unknown_member"):
        fresh.record(event, "dragan", MARCH)


# -- MemberJoined: the founder's first join; otherwise invited_by, a facilitator or a coordinator


def _founded_by_ana(fresh: Ledger) -> Ledger:
    fresh.register("ana", "ivan").network()
    fresh.record(make.founded("vrsac-1"), "ana", FOUNDED)
    return fresh


def test_the_founder_joins_first_as_facilitator_without_invitation(fresh: Ledger) -> None:
    _founded_by_ana(fresh)
    recorded = fresh.record_one(make.joined("ana", role="facilitator"), "ana", FOUNDED)
    assert recorded.stream == "community-vrsac-1"


def test_the_founders_own_first_join_must_be_as_facilitator(fresh: Ledger) -> None:
    _founded_by_ana(fresh)
    with fresh.refuses("not_facilitator_or_coordinator"):
        fresh.record(make.joined("ana", role="member"), "ana", FOUNDED)


def test_nobody_but_the_founder_joins_a_new_community_on_their_own(fresh: Ledger) -> None:
    _founded_by_ana(fresh)
    with fresh.refuses("not_facilitator_or_coordinator"):
        fresh.record(make.joined("ivan", role="facilitator"), "ivan", FOUNDED)


def test_a_second_self_join_without_invitation_is_refused(ledger: Ledger) -> None:
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.joined("zoran", role="facilitator"), "zoran", MARCH)


def test_the_founder_cannot_self_join_again_after_leaving(ledger: Ledger) -> None:
    ledger.hand_over("vrsac-1", "ana", "ivan", "ana", FEB)
    ledger.record(make.left("ana"), "ana", MARCH)
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.joined("ana", role="facilitator"), "ana", APRIL)


@pytest.mark.parametrize("actor, invited_by", [
    ("ana", None),       # a facilitator
    ("ana", "ivan"),     # a facilitator records that ivan invited
    ("ivan", "ivan"),    # the inviter, a plain member
    ("jelena", None),    # a coordinator
])
def test_who_may_record_a_join(coordinated: Ledger, actor: str, invited_by: str | None) -> None:
    recorded = coordinated.record_one(make.joined("zoran", invited_by=invited_by), actor, MARCH)
    assert recorded.stream == "community-vrsac-1"


@pytest.mark.parametrize("invited_by", [None, "ivan"])
def test_a_plain_member_who_is_not_the_inviter_cannot_record_a_join(
        ledger: Ledger, invited_by: str | None) -> None:
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.joined("zoran", invited_by=invited_by), "mila", MARCH)


def test_a_plain_members_own_invitation_brings_a_member_not_a_facilitator(
        ledger: Ledger) -> None:
    # Else ivan could make zoran a facilitator, and zoran make ivan one.
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.joined("zoran", role="facilitator", invited_by="ivan"), "ivan", MARCH)
    with pytest.raises(errors.Refused) as refused:
        ledger.record(make.joined("zoran", role="facilitator", invited_by="ivan"), "ivan", MARCH)
    assert "as a member only" in refused.value.message
    assert list(refused.value.fields) == ["role"]
    ledger.record(make.joined("zoran", invited_by="ivan"), "ivan", MARCH)


# -- RoleChanged: a facilitator or coordinator, or the person stepping down ----------------


@pytest.mark.parametrize("actor", ["ana", "jelena"], ids=["facilitator", "coordinator"])
def test_a_facilitator_or_coordinator_changes_a_role(coordinated: Ledger, actor: str) -> None:
    coordinated.record(make.role_changed("ivan", "member", "facilitator"), actor, MARCH)


@pytest.mark.parametrize("role", ["facilitator", "coordinator"])
def test_a_person_steps_down_themselves(ledger: Ledger, role: str) -> None:
    ledger.record(make.role_changed("ivan", "member", role), "ana", FEB)
    ledger.record(make.role_changed("ivan", role, "member"), "ivan", MARCH)


def test_a_member_cannot_change_anothers_role(ledger: Ledger) -> None:
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.role_changed("ivan", "member", "facilitator"), "mila", MARCH)


def test_a_member_cannot_promote_themselves(ledger: Ledger) -> None:
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.role_changed("ivan", "member", "facilitator"), "ivan", MARCH)


# -- MemberLeft: the member, or a facilitator ----------------------------------------------


@pytest.mark.parametrize("actor", ["ivan", "ana"], ids=["the member", "a facilitator"])
def test_who_may_record_a_leave(ledger: Ledger, actor: str) -> None:
    recorded = ledger.record_one(make.left("ivan"), actor, MARCH)
    assert recorded.stream == "community-vrsac-1"


@pytest.mark.parametrize("actor", ["mila", "jelena"], ids=["a member", "a coordinator"])
def test_nobody_else_records_a_leave(coordinated: Ledger, actor: str) -> None:
    with coordinated.refuses("not_a_facilitator"):
        coordinated.record(make.left("ivan"), actor, MARCH)


# -- NormsAgreed: a facilitator, among agreed_by -------------------------------------------


def test_a_facilitator_among_those_who_agreed_records_norms(ledger: Ledger) -> None:
    ledger.record(make.norms(agreed_by=["ana", "ivan", "mila"]), "ana", MARCH)


def test_norms_recorded_by_a_facilitator_not_among_agreed_by_are_refused(ledger: Ledger) -> None:
    with ledger.refuses("not_the_actor"):
        ledger.record(make.norms(agreed_by=["ivan", "mila"]), "ana", MARCH)


def test_norms_recorded_by_a_plain_member_are_refused(ledger: Ledger) -> None:
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.norms(agreed_by=["ana", "ivan"]), "ivan", MARCH)


# -- BadgeDefined: a facilitator -----------------------------------------------------------


def test_a_facilitator_defines_a_badge(ledger: Ledger) -> None:
    recorded = ledger.record_one(make.badge("b-1"), "ana", MARCH)
    assert recorded.stream == "community-vrsac-1"


@pytest.mark.parametrize("actor", ["ivan", "jelena"], ids=["a member", "a coordinator"])
def test_only_a_facilitator_defines_a_badge(coordinated: Ledger, actor: str) -> None:
    with coordinated.refuses("not_a_facilitator"):
        coordinated.record(make.badge("b-1"), actor, MARCH)


# -- SessionScheduled, SessionCancelled: a facilitator, or one of the planned leaders ------


@pytest.mark.parametrize("actor", ["ana", "ivan"], ids=["a facilitator", "a planned leader"])
def test_who_may_schedule_a_session(ledger: Ledger, actor: str) -> None:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), actor, MARCH)


@pytest.mark.parametrize("actor, planned", [
    ("mila", ["ivan"]),
    ("mila", None),
    ("jelena", ["ivan"]),   # a coordinator is not named in this row
])
def test_nobody_else_schedules_a_session(coordinated: Ledger, actor: str, planned) -> None:
    with coordinated.refuses("not_a_leader"):
        coordinated.record(make.scheduled("s-1", planned_leaders=planned), actor, MARCH)


@pytest.mark.parametrize("actor", ["ana", "ivan"], ids=["a facilitator", "a planned leader"])
def test_who_may_cancel_a_session(ledger: Ledger, actor: str) -> None:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), "ana", FEB)
    recorded = ledger.record_one(make.cancelled("s-1"), actor, MARCH)
    assert recorded.stream == "community-vrsac-1"


def test_nobody_else_cancels_a_session(ledger: Ledger) -> None:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), "ana", FEB)
    with ledger.refuses("not_a_leader"):
        ledger.record(make.cancelled("s-1"), "mila", MARCH)


# -- SessionLed: one of the leaders --------------------------------------------------------


def test_a_leader_records_the_session(ledger: Ledger) -> None:
    recorded = ledger.record_one(
        make.led("s-1", leaders=["ivan", "mila"], attendees=["ana"]), "ivan", MARCH)
    assert recorded.stream == "community-vrsac-1"


@pytest.mark.parametrize("actor", ["ana", "mila"], ids=["the facilitator", "an attendee"])
def test_only_a_leader_records_the_session(ledger: Ledger, actor: str) -> None:
    with ledger.refuses("not_a_leader"):
        ledger.record(make.led("s-1", leaders=["ivan"], attendees=["mila"]), actor, MARCH)


# -- ResourceShared, ResourceReused, ReflectionRecorded, ReflectionVisibilityChanged: member_id


def _nothing(ledger: Ledger) -> None:
    return None


def _ana_shares_r1(ledger: Ledger) -> None:
    ledger.record(make.shared("r-1", member="ana"), "ana", FEB)


def _ivan_reflects(ledger: Ledger) -> None:
    ledger.record(make.reflection("rf-1", member="ivan"), "ivan", FEB)


MEMBER_ID_ROWS = {
    "ResourceShared": (_nothing, lambda member: make.shared("r-1", member=member)),
    "ResourceReused": (_ana_shares_r1, lambda member: make.reused("r-1", member=member)),
    "ReflectionRecorded": (_nothing, lambda member: make.reflection("rf-1", member=member)),
    "ReflectionVisibilityChanged": (_ivan_reflects,
                                    lambda member: make.visibility("rf-1", member, "network")),
}


@pytest.mark.parametrize("row", sorted(MEMBER_ID_ROWS))
def test_the_member_named_records_it(ledger: Ledger, row: str) -> None:
    prepare, build = MEMBER_ID_ROWS[row]
    prepare(ledger)
    recorded = ledger.record_one(build("ivan"), "ivan", MARCH)
    assert recorded.type == row


@pytest.mark.parametrize("row", sorted(MEMBER_ID_ROWS))
def test_nobody_records_it_for_another_member(ledger: Ledger, row: str) -> None:
    prepare, build = MEMBER_ID_ROWS[row]
    prepare(ledger)
    with ledger.refuses("not_the_actor"):
        ledger.record(build("ivan"), "mila", MARCH)


# -- FeedbackGiven: from_member_id, never to oneself ---------------------------------------


def _mila_leads_s1_for_ivan(ledger: Ledger) -> None:
    ledger.record(make.led("s-1", leaders=["mila"], attendees=["ivan"]), "mila", FEB)


def test_the_giver_records_feedback(ledger: Ledger) -> None:
    _mila_leads_s1_for_ivan(ledger)
    recorded = ledger.record_one(make.feedback("ivan", "mila", about_id="s-1"), "ivan", MARCH)
    assert recorded.stream == "community-vrsac-1"


def test_feedback_recorded_for_another_giver_is_refused(ledger: Ledger) -> None:
    _mila_leads_s1_for_ivan(ledger)
    with ledger.refuses("not_the_actor"):
        ledger.record(make.feedback("ivan", "mila", about_id="s-1"), "mila", MARCH)


def test_feedback_to_oneself_is_refused(ledger: Ledger) -> None:
    _mila_leads_s1_for_ivan(ledger)
    with ledger.refuses("self_feedback"):
        ledger.record(make.feedback("ivan", "ivan", about_id="s-1"), "ivan", MARCH)


# -- ActionPlanCreated, ActionPlanRevised: a member of the community -----------------------


def test_a_member_creates_an_action_plan(ledger: Ledger) -> None:
    recorded = ledger.record_one(make.plan("p-1"), "ivan", MARCH)
    assert recorded.stream == "community-vrsac-1"


def test_a_non_member_cannot_create_an_action_plan(ledger: Ledger) -> None:
    with ledger.refuses("not_a_member"):
        ledger.record(make.plan("p-1", steps=[make.step(owners=["ivan"])]), "zoran", MARCH)


def test_a_member_revises_an_action_plan(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1"), "ana", FEB)
    ledger.record(make.revised("p-1", steps_added=[make.step("st-2", owners=["mila"])]),
                  "mila", MARCH)


def test_a_non_member_cannot_revise_an_action_plan(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1"), "ana", FEB)
    with ledger.refuses("not_a_member"):
        ledger.record(make.revised("p-1", steps_dropped=["st-1"]), "zoran", MARCH)


def test_a_revision_that_changes_nothing_is_refused(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1"), "ana", FEB)
    question = ledger.last.event.inquiry_question
    bare = replace(make.revised("p-1"), note=None)
    with ledger.refuses("nothing_changed"):  # nothing at all
        ledger.record(bare, "ivan", MARCH)
    with ledger.refuses("nothing_changed"):  # the same question, and no step added or dropped
        ledger.record(replace(bare, inquiry_question=question), "ivan", MARCH)
    ledger.record(replace(bare, inquiry_question="Who feels left out?"), "ivan", MARCH)
    with ledger.refuses("nothing_changed"):  # the revised question is now the current one
        ledger.record(replace(bare, inquiry_question="Who feels left out?"), "ivan", APRIL)
    ledger.record(replace(bare, inquiry_question=question), "ivan", APRIL)
    # A note on why the plan stands is a revision of its story, as the timeline shows it.
    ledger.record(make.revised("p-1"), "ivan", APRIL)


def test_a_revision_may_not_drop_the_last_step(ledger: Ledger) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1"), make.step("st-2")]), "ana", FEB)
    ledger.record(make.revised("p-1", steps_dropped=["st-1"]), "ivan", MARCH)
    with ledger.refuses("no_steps_left"):
        ledger.record(make.revised("p-1", steps_dropped=["st-2"]), "ivan", APRIL)
    # replaced in the same revision: the plan keeps a step
    ledger.record(make.revised("p-1", steps_dropped=["st-2"],
                               steps_added=[make.step("st-3", owners=["ivan"])]), "ivan", APRIL)
    # the operator's paths replay what earlier versions accepted
    ledger.record(make.revised("p-1", steps_dropped=["st-3"]), "ana", APRIL, privileged=True)
    # and a plan left without steps that way may still be revised, if nothing is dropped
    ledger.record(replace(make.revised("p-1"), inquiry_question="A better question?"),
                  "ivan", APRIL)


def test_history_older_versions_accepted_still_imports(ledger: Ledger) -> None:
    """The operator's paths (import, record) replay what earlier versions stored: a plan
    without steps, a revision that changed nothing. New input may not."""
    with ledger.refuses("schema_invalid"):
        ledger.record(make.plan("p-0", steps=()), "ana", FEB)
    ledger.record(make.plan("p-0", steps=()), "ana", FEB, privileged=True)
    ledger.record(replace(make.revised("p-0"), note=None), "ana", MARCH, privileged=True)


# -- ActionStepCompleted: one of member_ids, all of them owners of the step ----------------


@pytest.mark.parametrize("actor, member_ids", [("ivan", ["ivan", "mila"]), ("mila", ["mila"])])
def test_an_owner_completes_a_step(ledger: Ledger, actor: str, member_ids: list[str]) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan", "mila"])]), "ana", FEB)
    recorded = ledger.record_one(make.completed("p-1", "st-1", member_ids=member_ids), actor, MARCH)
    assert recorded.stream == "community-vrsac-1"


@pytest.mark.parametrize("actor, member_ids", [
    ("ivan", ["mila"]),           # the actor is not among member_ids
    ("ivan", ["ivan", "ana"]),    # ana is not an owner of the step
    ("ana", ["ana"]),             # the facilitator is not an owner either
])
def test_only_owners_complete_a_step(ledger: Ledger, actor: str, member_ids: list[str]) -> None:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan", "mila"])]), "ana", FEB)
    with ledger.refuses("not_an_owner"):
        ledger.record(make.completed("p-1", "st-1", member_ids=member_ids), actor, MARCH)


# -- RecognitionAwarded: awarded_by, a facilitator, never the awardee ----------------------


def test_a_facilitator_awards_a_recognition(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", FEB)
    recorded = ledger.record_one(make.award("a-1", member="ivan", awarded_by="ana"), "ana", MARCH)
    assert recorded.stream == "community-vrsac-1"


def test_an_award_recorded_for_another_awarder_is_refused(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", FEB)
    with ledger.refuses("not_the_actor"):
        ledger.record(make.award("a-1", member="ivan", awarded_by="ana"), "mila", MARCH)


@pytest.mark.parametrize("actor", ["mila", "jelena"], ids=["a member", "a coordinator"])
def test_only_a_facilitator_awards(coordinated: Ledger, actor: str) -> None:
    coordinated.record(make.badge("b-1"), "ana", FEB)
    with coordinated.refuses("not_a_facilitator"):
        coordinated.record(make.award("a-1", member="ivan", awarded_by=actor), actor, MARCH)


def test_a_facilitator_cannot_award_themselves(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", FEB)
    with ledger.refuses("cannot_award_self"):
        ledger.record(make.award("a-1", member="ana", awarded_by="ana"), "ana", MARCH)


def test_a_recognition_goes_to_a_member_of_the_community(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", FEB)
    with ledger.refuses("not_a_member"):  # registered, in no community
        ledger.record(make.award("a-1", member="zoran", awarded_by="ana"), "ana", MARCH)


# -- RecognitionRevoked: revoked_by, a facilitator of the award's community ----------------


def _ivan_awarded(ledger: Ledger) -> None:
    ledger.record(make.badge("b-1"), "ana", FEB)
    ledger.record(make.award("a-1", member="ivan", awarded_by="ana"), "ana", FEB)


def test_a_facilitator_revokes_a_recognition(ledger: Ledger) -> None:
    _ivan_awarded(ledger)
    recorded = ledger.record_one(make.revoke("a-1", revoked_by="ana"), "ana", MARCH)
    assert recorded.stream == "community-vrsac-1"


def test_a_revocation_recorded_for_another_revoker_is_refused(ledger: Ledger) -> None:
    _ivan_awarded(ledger)
    with ledger.refuses("not_the_actor"):
        ledger.record(make.revoke("a-1", revoked_by="ana"), "mila", MARCH)


def test_only_a_facilitator_revokes(ledger: Ledger) -> None:
    _ivan_awarded(ledger)
    with ledger.refuses("not_a_facilitator"):
        ledger.record(make.revoke("a-1", revoked_by="mila"), "mila", MARCH)


# -- EntryRetracted, EntryCorrected: the target's actor, or a facilitator or coordinator ---

FIXES = {
    "EntryRetracted": lambda position, by: make.retract(position, by),
    "EntryCorrected": lambda position, by: make.correct(position, by, {"title": "Peer rubric"}),
}


@pytest.mark.parametrize("fix", sorted(FIXES))
@pytest.mark.parametrize("actor", ["ivan", "ana", "jelena"],
                         ids=["the target's actor", "a facilitator", "a coordinator"])
def test_who_may_fix_an_entry(coordinated: Ledger, fix: str, actor: str) -> None:
    target = coordinated.record_one(make.shared("r-1", member="ivan"), "ivan", FEB)
    recorded = coordinated.record_one(FIXES[fix](target.position, actor), actor, MARCH)
    assert recorded.stream == target.stream


@pytest.mark.parametrize("fix", sorted(FIXES))
def test_another_member_cannot_fix_an_entry(ledger: Ledger, fix: str) -> None:
    target = ledger.record_one(make.shared("r-1", member="ivan"), "ivan", FEB)
    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(FIXES[fix](target.position, "mila"), "mila", MARCH)


@pytest.mark.parametrize("fix", sorted(FIXES))
def test_a_fix_recorded_for_someone_else_is_refused(ledger: Ledger, fix: str) -> None:
    target = ledger.record_one(make.shared("r-1", member="ivan"), "ivan", FEB)
    with ledger.refuses("not_the_actor"):
        ledger.record(FIXES[fix](target.position, "ivan"), "mila", MARCH)


# -- MemberErased: an admin (requested_by says who asked) ----------------------------------


def test_an_admin_erases_a_member(ledger: Ledger) -> None:
    recorded = ledger.record_one(make.erased("ivan", requested_by="ivan"), "admin", MARCH,
                                 privileged=True)
    assert recorded.stream == "member-ivan"


def test_nobody_but_an_admin_erases(ledger: Ledger) -> None:
    with ledger.refuses("not_an_admin"):
        ledger.record(make.erased("ivan", requested_by="ivan"), "ana", MARCH)
