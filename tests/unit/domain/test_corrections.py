"""Retraction and correction: content targets only, not yet retracted, never ids.

A retraction is never refused because of what depends on its target.
The `ledger` fixture: vrsac-1, ana (facilitator), ivan and mila (members) since 2024-01-10.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from journey import errors
from journey.records import Recorded
from tests.unit.domain import make
from tests.unit.domain.ledger import APRIL, FEB, MARCH, MAY, Ledger

# -- every content event can be retracted and corrected by its actor -----------------------


def _norms(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.norms(agreed_by=["ana", "ivan"]), "ana", FEB)


def _scheduled(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.scheduled("s-1", planned_leaders=["ivan"]), "ivan", FEB)


def _cancelled(ledger: Ledger) -> Recorded:
    ledger.record(make.scheduled("s-1", planned_leaders=["ivan"]), "ivan", FEB)
    return ledger.record_one(make.cancelled("s-1", reason="School trip"), "ivan", FEB)


def _led(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.led("s-1", leaders=["ivan"], attendees=["mila"]), "ivan", FEB)


def _shared(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.shared("r-1", member="ivan"), "ivan", FEB)


def _reused(ledger: Ledger) -> Recorded:
    ledger.record(make.shared("r-1", member="ana"), "ana", FEB)
    return ledger.record_one(make.reused("r-1", member="ivan"), "ivan", FEB)


def _feedback(ledger: Ledger) -> Recorded:
    ledger.record(make.led("s-1", leaders=["mila"], attendees=["ivan"]), "mila", FEB)
    return ledger.record_one(make.feedback("ivan", "mila", about_id="s-1"), "ivan", FEB)


def _private_reflection(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.reflection("rf-1", member="ivan", visibility="private",
                                             community=None), "ivan", FEB)


def _community_reflection(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.reflection("rf-1", member="ivan"), "ivan", FEB)


def _step(ledger: Ledger) -> Recorded:
    ledger.record(make.plan("p-1", steps=[make.step("st-1", owners=["ivan"])]), "ana", FEB)
    return ledger.record_one(make.completed("p-1", "st-1", member_ids=["ivan"]), "ivan", FEB)


#: A content event of each type, and a content field of it with a new value.
CONTENT: dict[str, tuple[Callable[[Ledger], Recorded], dict[str, Any]]] = {
    "NormsAgreed": (_norms, {"norms": ["We listen before we answer"]}),
    "SessionScheduled": (_scheduled, {"title": "Planning the parents' survey"}),
    "SessionCancelled": (_cancelled, {"reason": "Snow day"}),
    "SessionLed": (_led, {"title": "Survey results, first look"}),
    "ResourceShared": (_shared, {"title": "Peer observation rubric"}),
    "ResourceReused": (_reused, {"note": "Adapted it for 5th grade"}),
    "FeedbackGiven": (_feedback, {"text": "The circle opening worked well"}),
    "ReflectionRecorded (private)": (_private_reflection, {"text": "I was nervous."}),
    "ReflectionRecorded (community)": (_community_reflection, {"text": "We laughed a lot."}),
    "ActionStepCompleted": (_step, {"outcome": "91 parents answered"}),
}


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_a_content_event_is_retracted_in_its_own_stream(ledger: Ledger, kind: str) -> None:
    target = CONTENT[kind][0](ledger)
    assert kind.startswith(target.type)
    recorded = ledger.record_one(make.retract(target.position, target.actor), target.actor, MARCH)
    assert recorded.stream == target.stream


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_a_content_event_is_corrected_in_its_own_stream(ledger: Ledger, kind: str) -> None:
    build, fields = CONTENT[kind]
    target = build(ledger)
    recorded = ledger.record_one(make.correct(target.position, target.actor, fields),
                                 target.actor, MARCH)
    assert recorded.stream == target.stream


# -- what is not content is neither retracted nor corrected ---------------------------------


def _registration(ledger: Ledger) -> Recorded:
    return next(r for r in ledger.of_type("MemberRegistered") if r.event.member_id == "ivan")


def _network(ledger: Ledger) -> Recorded:
    return ledger.of_type("NetworkCreated")[0]


def _foundation(ledger: Ledger) -> Recorded:
    return ledger.of_type("CommunityFounded")[0]


def _join(ledger: Ledger) -> Recorded:
    return next(r for r in ledger.of_type("MemberJoined") if r.event.member_id == "ivan")


def _role_change(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.role_changed("ivan", "member", "coordinator"), "ana", FEB)


def _leave(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.left("mila"), "mila", FEB)


def _plan(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.plan("p-1"), "ivan", FEB)


def _badge(ledger: Ledger) -> Recorded:
    return ledger.record_one(make.badge("b-1"), "ana", FEB)


def _award(ledger: Ledger) -> Recorded:
    ledger.record(make.badge("b-1"), "ana", FEB)
    return ledger.record_one(make.award("a-1", member="ivan"), "ana", FEB)


def _retraction(ledger: Ledger) -> Recorded:
    target = _shared(ledger)
    return ledger.record_one(make.retract(target.position, "ivan"), "ivan", FEB)


def _visibility_change(ledger: Ledger) -> Recorded:
    _community_reflection(ledger)
    return ledger.record_one(make.visibility("rf-1", "ivan", "network"), "ivan", FEB)


NOT_CONTENT: dict[str, Callable[[Ledger], Recorded]] = {
    "MemberRegistered": _registration, "NetworkCreated": _network,
    "CommunityFounded": _foundation, "MemberJoined": _join, "RoleChanged": _role_change,
    "MemberLeft": _leave, "ActionPlanCreated": _plan, "BadgeDefined": _badge,
    "RecognitionAwarded": _award, "EntryRetracted": _retraction,
    "ReflectionVisibilityChanged": _visibility_change,
}


@pytest.mark.parametrize("kind", sorted(NOT_CONTENT))
def test_only_content_events_are_retracted(ledger: Ledger, kind: str) -> None:
    target = NOT_CONTENT[kind](ledger)
    assert target.type == kind
    with ledger.refuses("invalid_target"):
        ledger.record(make.retract(target.position, target.actor), target.actor, MARCH)


@pytest.mark.parametrize("kind, fields", [
    ("BadgeDefined", {"name": "Circle keeper II"}),
    ("ActionPlanCreated", {"inquiry_question": "How do parents see the school?"}),
    ("EntryRetracted", {"reason": "Wrong entry"}),
])
def test_only_content_events_are_corrected(ledger: Ledger, kind: str,
                                           fields: dict[str, Any]) -> None:
    target = NOT_CONTENT[kind](ledger)
    with ledger.refuses("invalid_target"):
        ledger.record(make.correct(target.position, target.actor, fields), target.actor, MARCH)


# -- once retracted, a target is not retracted or corrected again ---------------------------


def test_retracting_twice_is_refused(ledger: Ledger) -> None:
    target = _led(ledger)
    ledger.record(make.retract(target.position, "ivan"), "ivan", MARCH)
    with ledger.refuses("invalid_target"):
        ledger.record(make.retract(target.position, "ana"), "ana", APRIL)


def test_correcting_a_retracted_entry_is_refused(ledger: Ledger) -> None:
    target = _led(ledger)
    ledger.record(make.retract(target.position, "ivan"), "ivan", MARCH)
    with ledger.refuses("invalid_target"):
        ledger.record(make.correct(target.position, "ivan", {"title": "New"}), "ivan", APRIL)


def test_a_corrected_entry_is_corrected_again_then_retracted(ledger: Ledger) -> None:
    target = _led(ledger)
    ledger.record(make.correct(target.position, "ivan", {"title": "New"}), "ivan", MARCH)
    ledger.record(make.correct(target.position, "ana", {"title": "Newer"}), "ana", APRIL)
    ledger.record(make.retract(target.position, "ivan"), "ivan", MAY)


# -- corrections change content fields, never ids, references or the community ------------


def test_correcting_a_title_is_accepted(ledger: Ledger) -> None:
    target = _led(ledger)
    ledger.record(make.correct(target.position, "ivan", {"title": "New"}), "ivan", MARCH)


@pytest.mark.parametrize("fields", [
    {"session_id": "x"},
    {"community_id": "nis-2"},
    {"leaders": ["mila"]},
    {"title": "New", "session_id": "x"},
], ids=["session_id", "community_id", "leaders", "title and session_id"])
def test_correcting_an_id_field_is_refused(ledger: Ledger, fields: dict[str, Any]) -> None:
    target = _led(ledger)
    with ledger.refuses("not_correctable"):
        ledger.record(make.correct(target.position, "ivan", fields), "ivan", MARCH)


@pytest.mark.parametrize("fields", [{"member_id": "mila"}, {"resource_id": "r-2"}])
def test_correcting_who_shared_a_resource_is_refused(ledger: Ledger,
                                                     fields: dict[str, Any]) -> None:
    target = _shared(ledger)
    with ledger.refuses("not_correctable"):
        ledger.record(make.correct(target.position, "ivan", fields), "ivan", MARCH)


# -- a retraction is never refused because of what depends on its target ------------------


def test_retracting_a_session_that_feedback_was_about(ledger: Ledger) -> None:
    session = _led(ledger)
    feedback = ledger.record_one(make.feedback("mila", "ivan", about_id="s-1"), "mila", FEB)
    ledger.record(make.retract(session.position, "ivan"), "ivan", MARCH)
    # The feedback stays: still a live content event that can be corrected and retracted.
    ledger.record(make.correct(feedback.position, "mila", {"text": "Thank you"}), "mila", APRIL)
    ledger.record(make.retract(feedback.position, "mila"), "mila", MAY)


def test_retracting_a_resource_that_was_reused(ledger: Ledger) -> None:
    resource = _shared(ledger)
    reuse = ledger.record_one(make.reused("r-1", member="mila"), "mila", FEB)
    ledger.record(make.retract(resource.position, "ana"), "ana", MARCH)
    ledger.record(make.retract(reuse.position, "mila"), "mila", APRIL)


def test_retracting_the_evidence_of_a_recognition(ledger: Ledger) -> None:
    evidence = _community_reflection(ledger)
    ledger.record(make.badge("b-1"), "ana", FEB)
    ledger.record(make.award("a-1", member="ivan", evidence=[evidence.position]), "ana", FEB)
    ledger.record(make.retract(evidence.position, "ivan"), "ivan", MARCH)
    # The recognition keeps standing: it can still be revoked, once.
    ledger.record(make.revoke("a-1"), "ana", APRIL)


def test_retracting_a_session_plan_that_was_cancelled(ledger: Ledger) -> None:
    schedule = _scheduled(ledger)
    ledger.record(make.cancelled("s-1"), "ana", FEB)
    ledger.record(make.retract(schedule.position, "ana"), "ana", MARCH)


def test_retracting_a_session_a_reflection_is_about(ledger: Ledger) -> None:
    session = _led(ledger)
    ledger.record(make.reflection("rf-1", member="mila", about=[session.position]), "mila", FEB)
    ledger.record(make.retract(session.position, "ana"), "ana", MARCH)


# -- references ----------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 999])
def test_a_position_that_names_no_event_is_refused(ledger: Ledger, position: int) -> None:
    with ledger.refuses("unknown_position"):
        ledger.record(make.retract(position, "ana"), "ana", MARCH)
    with ledger.refuses("unknown_position"):
        ledger.record(make.correct(position, "ana", {"title": "New"}), "ana", MARCH)


def test_a_refused_retraction_does_not_say_who_wrote_the_entry(ledger: Ledger) -> None:
    # ana's private reflection: ivan may neither retract it nor learn, by trying, whose it is.
    private = ledger.record_one(make.reflection("rf-ana", member="ana", visibility="private",
                                                community=None), "ana", FEB)

    with pytest.raises(errors.RoleRequired) as refused:
        ledger.record(make.retract(private.position, "ivan"), "ivan", MARCH)

    assert refused.value.rule == "not_facilitator_or_coordinator"
    assert "ana" not in refused.value.message


@pytest.mark.parametrize("amend", [
    lambda position, by: make.retract(position, by),
    lambda position, by: make.correct(position, by, {"text": "Rewritten"}),
], ids=["retract", "correct"])
def test_a_private_reflection_in_a_community_is_its_authors_alone(ledger: Ledger,
                                                                    amend) -> None:
    # ivan keeps a reflection private in vrsac-1: ana facilitates vrsac-1 but cannot read
    # it, so she may neither rewrite nor withdraw it, and her refusal is the one anyone
    # gets for an entry they may not amend (it does not tell where private reflections are).
    private = ledger.record_one(make.reflection("rf-1", member="ivan", visibility="private"),
                                "ivan", FEB)
    others = ledger.record_one(make.reflection("rf-3", member="mila"), "mila", FEB)
    outside = ledger.record_one(make.reflection("rf-2", member="mila", visibility="private",
                                                community=None), "mila", FEB)

    with pytest.raises(errors.RoleRequired) as refused:
        ledger.record(amend(private.position, "ana"), "ana", MARCH)
    with pytest.raises(errors.RoleRequired) as outside_refused:
        ledger.record(amend(outside.position, "ana"), "ana", MARCH)
    assert refused.value.rule == outside_refused.value.rule == \
        "not_facilitator_or_coordinator"
    assert refused.value.message.replace(str(private.position), "N") == \
        outside_refused.value.message.replace(str(outside.position), "N")

    ledger.record(amend(others.position, "ana"), "ana", MARCH)  # her community's
    ledger.record(amend(private.position, "ivan"), "ivan", APRIL)  # his own


def test_a_reflection_made_private_later_is_its_authors_alone_from_then(ledger: Ledger) -> None:
    shared = ledger.record_one(make.reflection("rf-1", member="ivan"), "ivan", FEB)
    ledger.record(make.correct(shared.position, "ana", {"text": "Typo fixed"}), "ana", MARCH)
    ledger.record(make.visibility("rf-1", "ivan", "private"), "ivan", MARCH)

    with ledger.refuses("not_facilitator_or_coordinator"):
        ledger.record(make.retract(shared.position, "ana"), "ana", APRIL)


def test_history_recorded_under_designs_rule_still_imports(ledger: Ledger) -> None:
    # Before d737c67 a facilitator could retract a private reflection of her community:
    # an export of such a log replays it with the operator's trust, and must not stop there.
    private = ledger.record_one(make.reflection("rf-1", member="ivan", visibility="private"),
                                "ivan", FEB)

    ledger.record(make.retract(private.position, "ana"), "ana", MARCH, privileged=True)
