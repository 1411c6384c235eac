"""POST /api/events/{type} and the hand-over: every type, every write rule, every error code."""
from __future__ import annotations

import json
from typing import Any

import pytest

from journey.events import EVENT_TYPES
from tests.web.conftest import SESSION_POSITION, STORY, Site, csrf_of, sign_in

SESSION = {"community_id": "vrsac-1", "session_id": "s-2", "leaders": ["ivan"],
           "title": "Parents' workshop", "format": "workshop"}


def hour(n: int) -> str:
    return f"2024-03-01T10:{n:02d}:00Z"


def appended_type(site: Site, position: int) -> str:
    return site.journey.store.recorder.row_at(position).type


# -- every event type ----------------------------------------------------------------------

def every_type_steps() -> list[tuple[str, str, Any]]:
    """(who, type, data or a function of the positions so far) covering every event type."""
    return [
        ("ivan", "NetworkCreated", {"network_id": "net-x", "name": "Network X"}),
        ("ivan", "CommunityFounded", {"community_id": "c-x", "name": "CoP X",
                                      "domain": "Maths", "network_id": "net-x",
                                      "mode": "virtual"}),
        ("ivan", "MemberJoined", {"community_id": "c-x", "member_id": "ivan",
                                  "role": "facilitator"}),
        ("root", "MemberRegistered", {"member_id": "newbie", "display_name": "New Teacher",
                                      "email": "new@example.org"}),
        ("ana", "MemberJoined", {"community_id": "vrsac-1", "member_id": "newbie",
                                 "role": "member", "invited_by": "ana"}),
        ("ana", "RoleChanged", {"community_id": "vrsac-1", "member_id": "newbie",
                                "from_role": "member", "to_role": "facilitator"}),
        ("ana", "NormsAgreed", {"community_id": "vrsac-1", "norms": ["Listen first"],
                                "agreed_by": ["ana", "ivan"]}),
        ("ana", "SessionScheduled", {"community_id": "vrsac-1", "session_id": "s-10",
                                     "starts_at": "2024-04-01T14:00:00Z", "title": "Plan",
                                     "format": "meeting", "planned_leaders": ["ivan"]}),
        ("ivan", "SessionCancelled", {"community_id": "vrsac-1", "session_id": "s-10",
                                      "reason": "Strike"}),
        ("ivan", "SessionLed", SESSION),
        ("ana", "ResourceShared", {"community_id": "vrsac-1", "resource_id": "r-2",
                                   "member_id": "ana", "title": "Rubric", "kind": "rubric",
                                   "url": "https://example.org/rubric"}),
        ("ivan", "ResourceReused", {"community_id": "vrsac-1", "resource_id": "r-2",
                                    "member_id": "ivan", "note": "Used it in 7b"}),
        ("ivan", "FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ivan",
                                   "to_member_id": "ana", "about_kind": "resource",
                                   "about_id": "r-2", "text": "Clear and short"}),
        ("ivan", "ReflectionRecorded", {"reflection_id": "rf-2", "member_id": "ivan",
                                        "text": "Parents came!", "community_id": "vrsac-1",
                                        "visibility": "community"}),
        ("ivan", "ReflectionVisibilityChanged", {"reflection_id": "rf-2", "member_id": "ivan",
                                                 "visibility": "network"}),
        ("ivan", "ActionPlanCreated", {"community_id": "vrsac-1", "plan_id": "p-1",
                                       "inquiry_question": "How do students feel?",
                                       "involves": ["students", "parents"],
                                       "steps": [{"step_id": "st-1", "title": "Survey",
                                                  "owners": ["ivan"]}]}),
        ("ivan", "ActionPlanRevised", {"community_id": "vrsac-1", "plan_id": "p-1",
                                       "steps_added": [{"step_id": "st-2", "title": "Talk",
                                                        "owners": ["ana"],
                                                        "due_on": "2024-05-01"}]}),
        ("ivan", "ActionStepCompleted", {"community_id": "vrsac-1", "plan_id": "p-1",
                                         "step_id": "st-1", "member_ids": ["ivan"],
                                         "outcome": "42 answers"}),
        ("ana", "BadgeDefined", {"badge_id": "b-2", "community_id": "vrsac-1",
                                 "name": "Planner", "description": "Planned",
                                 "criteria": "Make a plan"}),
        ("ana", "RecognitionAwarded", {"award_id": "aw-2", "community_id": "vrsac-1",
                                       "member_id": "ivan", "badge_id": "b-2",
                                       "awarded_by": "ana", "note": "Thank you"}),
        ("ana", "RecognitionRevoked", {"award_id": "aw-2", "revoked_by": "ana",
                                       "reason": "Wrong badge"}),
        ("ivan", "EntryCorrected", lambda at: {"position": at["SessionLed"],
                                               "corrected_by": "ivan",
                                               "fields": {"title": "Parents' evening"},
                                               "reason": "typo"}),
        ("ivan", "EntryRetracted", lambda at: {"position": at["FeedbackGiven"],
                                               "retracted_by": "ivan", "reason": "oops"}),
        ("ana", "MemberLeft", {"community_id": "vrsac-1", "member_id": "newbie"}),
        ("root", "MemberErased", {"member_id": "newbie", "requested_by": "newbie"}),
    ]


def test_every_event_type_can_be_appended_through_the_api(site: Site) -> None:
    steps = every_type_steps()
    assert {t for _, t, _ in steps} == set(EVENT_TYPES)
    positions: dict[str, int] = {}
    for index, (who, type_name, data) in enumerate(steps):
        body = data(positions) if callable(data) else data
        before = site.log_length()
        response = site.post(who, type_name, body, occurred_at=hour(index))
        assert response.status_code == 201, (type_name, response.json)
        answer = response.json
        assert answer["position"] == before + 1 == answer["positions"][-1]
        assert answer["replayed"] is False
        assert response.headers["ETag"] == f'"{answer["version"]}"'
        assert appended_type(site, answer["position"]) == type_name
        positions[type_name] = answer["position"]
    # The erasure took the account's personal fields with it (the member had none here) and
    # the log still verifies.
    assert site.get("root", "/api/verify").json["ok"] is True


def test_an_append_records_the_signed_in_member_as_actor(site: Site) -> None:
    response = site.post("ivan", "SessionLed", SESSION)

    row = site.journey.store.recorder.row_at(response.json["position"])
    assert row.actor == "ivan"
    assert row.meta["client"] == "api"


def test_without_occurred_at_it_happened_now(site: Site) -> None:
    response = site.client.post("/api/events/SessionLed", json={"data": SESSION},
                                headers=site.as_("ivan"))

    assert response.status_code == 201
    row = site.journey.store.recorder.row_at(response.json["position"])
    assert row.occurred_at > 1_700_000_000_000_000


# -- the actor is the signed-in member -------------------------------------------------------

@pytest.mark.parametrize("type_name,data,rule", [
    ("ResourceShared", {"community_id": "vrsac-1", "resource_id": "r-9", "member_id": "ana",
                        "title": "Not mine", "kind": "other"}, "not_the_actor"),
    ("ReflectionRecorded", {"reflection_id": "rf-9", "member_id": "ana", "text": "x",
                            "visibility": "private"}, "not_the_actor"),
    ("FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ana",
                       "to_member_id": "ivan", "about_kind": "resource", "about_id": "r-1"},
     "not_the_actor"),
    ("SessionLed", {**SESSION, "leaders": ["ana"]}, "not_a_leader"),
    ("MemberRegistered", {"member_id": "someone", "display_name": "Someone"}, "not_the_actor"),
    ("RecognitionAwarded", {"award_id": "aw-9", "community_id": "vrsac-1", "member_id": "ivan",
                            "badge_id": "b-1", "awarded_by": "ana"}, "not_the_actor"),
])
def test_a_body_naming_someone_else_is_forbidden(sqlite_site: Site, type_name, data, rule):
    before = sqlite_site.log_length()

    response = sqlite_site.post("ivan", type_name, data)

    assert response.status_code == 403
    assert response.json["error"] == rule
    assert set(response.json) == {"error", "message", "fields"}
    assert sqlite_site.log_length() == before


def test_changing_the_visibility_of_someone_elses_private_reflection_names_no_one(
        sqlite_site: Site) -> None:
    """ana (ivan's facilitator) names herself and ivan's private reflection: refused, and
    the answer does not tell her whose reflection it is."""
    response = sqlite_site.post("ana", "ReflectionVisibilityChanged", {
        "reflection_id": "rf-private", "member_id": "ana", "visibility": "community"})

    assert response.status_code == 403
    assert response.json["error"] == "not_the_actor"
    assert "ivan" not in response.get_data(as_text=True).lower()


def test_an_account_without_a_member_cannot_record(sqlite_site: Site) -> None:
    account = sqlite_site.accounts.add("clerk", "a long password")
    _, token = sqlite_site.accounts.create_token(account.id, "t")

    response = sqlite_site.client.post("/api/events/SessionLed", json={"data": SESSION},
                                       headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json["error"] == "no_member"


# -- roles: facilitator, coordinator, member, admin -------------------------------------------

BADGE = {"badge_id": "b-9", "name": "Host", "description": "Hosted", "criteria": "Host one"}


def test_a_facilitator_defines_badges_in_their_community(site: Site) -> None:
    assert site.post("ana", "BadgeDefined", {**BADGE, "community_id": "vrsac-1"}
                     ).status_code == 201


def test_a_badge_in_the_rule_badges_namespace_is_refused(site: Site) -> None:
    # "rules/..." are Journey's own automatic badges (Open Badges issued by the installation)
    before = site.log_length()
    response = site.post("ana", "BadgeDefined", {**BADGE, "community_id": "vrsac-1",
                                                 "badge_id": "rules/took-over-facilitation"})

    assert response.status_code == 422
    assert response.json["error"] == "schema_invalid"
    assert set(response.json["fields"]) == {"data.badge_id"}
    assert site.log_length() == before


def test_a_member_cannot_define_badges(site: Site) -> None:
    response = site.post("ivan", "BadgeDefined", {**BADGE, "community_id": "vrsac-1"})

    assert response.status_code == 403
    assert response.json["error"] == "not_a_facilitator"


def test_a_facilitator_acts_only_in_their_own_communities(site: Site) -> None:
    # ana facilitates vrsac-1, not nis-2: outside it she lacks the role as a member of it
    # without the role does (DESIGN "Errors": 403, the rule that needs the role).
    response = site.post("ana", "BadgeDefined", {**BADGE, "community_id": "nis-2"})
    as_member = site.post("ivan", "BadgeDefined", {**BADGE, "community_id": "vrsac-1"})

    assert (response.status_code, response.json["error"]) == (403, "not_a_facilitator")
    assert response.json["message"].startswith("ana is not a member of nis-2 on ")
    assert (as_member.status_code, as_member.json["error"]) == (403, "not_a_facilitator")


def test_a_coordinator_does_not_award(site: Site) -> None:
    response = site.post("vera", "RecognitionAwarded", {
        "award_id": "aw-9", "community_id": "nis-2", "member_id": "mila", "badge_id": "b-9",
        "awarded_by": "vera"})

    assert response.status_code == 403
    assert response.json["error"] == "not_a_facilitator"


# -- who may act is judged before the state of the target ---------------------------------
# ivan is a member of vrsac-1 (not its facilitator); mila belongs to nis-2 only.

REVOKE = {"award_id": "aw-1", "reason": "Wrong badge"}
RETRACT = {"position": SESSION_POSITION, "reason": "Never happened"}
CORRECT = {"position": SESSION_POSITION, "fields": {"title": "Survey"}, "reason": "typo"}
SCHEDULED = {"community_id": "vrsac-1", "session_id": "s-10", "title": "Plan",
             "starts_at": "2024-04-01T14:00:00Z", "format": "meeting"}
PLANNED = {"community_id": "vrsac-1", "plan_id": "p-1", "inquiry_question": "How?",
           "steps": [{"step_id": "st-1", "title": "Survey", "owners": ["ivan"]}]}
DONE = {"community_id": "vrsac-1", "plan_id": "p-1", "step_id": "st-1", "outcome": "Done"}

TARGET_STATES = {
    "revoking an award already revoked": (
        [("ana", "RecognitionRevoked", {**REVOKE, "revoked_by": "ana"})],
        ("ivan", "RecognitionRevoked", {**REVOKE, "revoked_by": "ivan"}), "not_a_facilitator"),
    "retracting an entry already retracted": (
        [("ivan", "EntryRetracted", {**RETRACT, "retracted_by": "ivan"})],
        ("mila", "EntryRetracted", {**RETRACT, "retracted_by": "mila"}),
        "not_facilitator_or_coordinator"),
    "retracting an entry that is not content": (
        [], ("mila", "EntryRetracted", {**RETRACT, "position": 1, "retracted_by": "mila"}),
        "not_facilitator_or_coordinator"),
    "correcting an entry already retracted": (
        [("ivan", "EntryRetracted", {**RETRACT, "retracted_by": "ivan"})],
        ("mila", "EntryCorrected", {**CORRECT, "corrected_by": "mila"}),
        "not_facilitator_or_coordinator"),
    "cancelling a session already cancelled": (
        [("ana", "SessionScheduled", SCHEDULED),
         ("ana", "SessionCancelled", {"community_id": "vrsac-1", "session_id": "s-10"})],
        ("ivan", "SessionCancelled", {"community_id": "vrsac-1", "session_id": "s-10"}),
        "not_a_leader"),
    "cancelling a session that took place": (
        [("ana", "SessionScheduled", SCHEDULED),
         ("ana", "SessionLed", {**SESSION, "session_id": "s-10", "leaders": ["ana"]})],
        ("ivan", "SessionCancelled", {"community_id": "vrsac-1", "session_id": "s-10"}),
        "not_a_leader"),
    "completing a step already completed": (
        [("ivan", "ActionPlanCreated", PLANNED),
         ("ivan", "ActionStepCompleted", {**DONE, "member_ids": ["ivan"]})],
        ("ana", "ActionStepCompleted", {**DONE, "member_ids": ["ana"]}), "not_an_owner"),
    "recording a session already recorded as held": (
        [], ("ana", "SessionLed", {**SESSION, "session_id": "s-1"}), "not_a_leader"),
    # An id already taken is not told to someone who may not use one here at all.
    "awarding under an award id already used": (
        [], ("ivan", "RecognitionAwarded", {"award_id": "aw-1", "community_id": "vrsac-1",
                                            "member_id": "ana", "badge_id": "b-1",
                                            "awarded_by": "ivan"}), "not_a_facilitator"),
    "defining a badge under an id already used": (
        [], ("ivan", "BadgeDefined", {**BADGE, "badge_id": "b-1", "community_id": "vrsac-1"}),
        "not_a_facilitator"),
    "scheduling a session under an id already used": (
        [("ana", "SessionScheduled", SCHEDULED)], ("ivan", "SessionScheduled", SCHEDULED),
        "not_a_leader"),
}


@pytest.mark.parametrize("case", TARGET_STATES)
def test_someone_without_the_right_is_403_whatever_the_target(sqlite_site: Site,
                                                             case: str) -> None:
    before, (who, type_name, data), rule = TARGET_STATES[case]
    for index, (actor, earlier, body) in enumerate(before):
        assert sqlite_site.post(actor, earlier, body, occurred_at=hour(index)).status_code == 201
    length = sqlite_site.log_length()

    response = sqlite_site.post(who, type_name, data, occurred_at=hour(len(before)))

    assert (response.status_code, response.json["error"]) == (403, rule)
    assert sqlite_site.log_length() == length


@pytest.mark.parametrize(("type_name", "data"), [
    ("ResourceShared", {"community_id": "vrsac-1", "resource_id": "r-1", "member_id": "mila",
                        "title": "Mine", "kind": "lesson_plan", "url": "https://example.org"}),
    ("ActionPlanCreated", {**PLANNED, "steps": [{"step_id": "st-1", "title": "Survey",
                                                 "owners": ["mila"]}]}),
])
def test_a_stranger_learns_they_are_not_a_member_not_that_the_id_exists(
        sqlite_site: Site, type_name: str, data: dict) -> None:
    if type_name == "ActionPlanCreated":
        assert sqlite_site.post("ivan", type_name, PLANNED).status_code == 201

    response = sqlite_site.post("mila", type_name, data)

    assert (response.status_code, response.json["error"]) == (422, "not_a_member")


def test_a_member_cannot_hand_over_even_to_someone_unknown(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/api/communities/vrsac-1/hand-over",
                                       json={"from_member": "ana", "to_member": "nobody"},
                                       headers=sqlite_site.as_("ivan"))

    assert (response.status_code, response.json["error"]) == (403, "not_a_facilitator")


def test_a_facilitator_awards_and_revokes_but_a_member_cannot_revoke(site: Site) -> None:
    assert site.post("ivan", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ivan",
                                                    "reason": "mine"}).json["error"] \
        == "not_a_facilitator"
    assert site.post("ana", "RecognitionRevoked", {"award_id": "aw-1", "revoked_by": "ana",
                                                   "reason": "Wrong badge"}).status_code == 201


def test_a_coordinator_may_invite_like_a_facilitator(site: Site) -> None:
    response = site.post("vera", "MemberJoined", {"community_id": "nis-2", "member_id": "ivan",
                                                  "role": "member"})

    assert response.status_code == 201


def test_only_an_admin_registers_someone_else(site: Site) -> None:
    data = {"member_id": "m-new", "display_name": "Nova"}

    assert site.post("ana", "MemberRegistered", data).status_code == 403
    assert site.post("root", "MemberRegistered", data).status_code == 201


def test_only_an_admin_erases(site: Site) -> None:
    data = {"member_id": "mila", "requested_by": "mila"}
    refused = site.post("vera", "MemberErased", data)
    assert refused.status_code == 403
    assert refused.json["error"] == "not_an_admin"

    response = site.post("root", "MemberErased", data)

    assert response.status_code == 201
    assert site.accounts.by_member("mila") is None  # the account is gone with the key
    assert "mila" in site.journey.log.instance.erasures()
    assert site.get("mila", "/api/me").status_code == 401  # and so is her token


# -- hand-over -------------------------------------------------------------------------------

def test_a_facilitator_hands_over_in_one_transaction(site: Site) -> None:
    response = site.client.post("/api/communities/vrsac-1/hand-over",
                                json={"from_member": "ana", "to_member": "ivan",
                                      "occurred_at": "2024-03-01"}, headers=site.as_("ana"))

    assert response.status_code == 201
    assert len(response.json["positions"]) == 2
    assert response.json["stream"] == "community-vrsac-1"


def test_a_member_cannot_hand_over(site: Site) -> None:
    response = site.client.post("/api/communities/vrsac-1/hand-over",
                                json={"from_member": "ana", "to_member": "ivan"},
                                headers=site.as_("ivan"))

    assert response.status_code == 403
    assert response.json["error"] == "not_a_facilitator"


def test_a_hand_over_in_an_unknown_community_is_404(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/api/communities/nowhere/hand-over",
                                       json={"from_member": "ana", "to_member": "ivan"},
                                       headers=sqlite_site.as_("ana"))

    assert response.status_code == 404
    assert response.json["error"] == "unknown_community"


def test_a_hand_over_body_is_checked(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/api/communities/vrsac-1/hand-over",
                                       json={"from_member": "ana"}, headers=sqlite_site.as_("ana"))

    assert response.status_code == 422
    assert response.json["fields"] == {"to_member": ["Missing data for required field."]}


# -- error codes -----------------------------------------------------------------------------

def test_not_signed_in_is_401(site: Site) -> None:
    before = site.log_length()
    response = site.client.post("/api/events/SessionLed", json={"data": SESSION})

    assert response.status_code == 401
    assert response.json["error"] == "not_signed_in"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert site.log_length() == before


@pytest.mark.parametrize("header", ["Bearer jt_not-a-token", "Bearer ", "Basic aXZhbjpwdw==",
                                    "jt_no-scheme"])
def test_a_bad_credential_is_401(sqlite_site: Site, header: str) -> None:
    response = sqlite_site.client.post("/api/events/SessionLed", json={"data": SESSION},
                                       headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json["error"] == "not_signed_in"


def test_a_revoked_token_is_401(sqlite_site: Site) -> None:
    account = sqlite_site.accounts.by_username("ivan")
    token = sqlite_site.accounts.tokens_of(account.id)[0]
    sqlite_site.accounts.revoke_token(account.id, token.id)

    assert sqlite_site.post("ivan", "SessionLed", SESSION).status_code == 401


@pytest.mark.parametrize("body", [b"{", b"", b"not json", b'{"data": NaN}', b"\xff\xfe{",
                                  b"[" * 100_000])
def test_malformed_json_is_400(sqlite_site: Site, body: bytes) -> None:
    response = sqlite_site.client.post("/api/events/SessionLed", data=body,
                                       content_type="application/json",
                                       headers=sqlite_site.as_("ivan"))

    assert response.status_code == 400
    assert response.json["error"] == "malformed_json"


@pytest.mark.parametrize("content_type", [None, "text/plain",
                                          "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
@pytest.mark.parametrize("path", ["/api/events/SessionLed", "/api/communities/vrsac-1/hand-over"])
def test_a_body_not_declared_json_is_415(sqlite_site: Site, path: str,
                                         content_type: str | None) -> None:
    body = json.dumps({"data": SESSION, "from_member": "ana", "to_member": "ivan"})
    headers = {**sqlite_site.as_("ana")}
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = sqlite_site.log_length()

    response = sqlite_site.client.post(path, data=body, headers=headers)

    assert response.status_code == 415, response.json
    assert response.json["error"] == "unsupported_media_type"
    assert set(response.json) == {"error", "message", "fields"}
    assert sqlite_site.log_length() == before


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "Application/JSON", "application/vnd.x+json"])
def test_a_json_type_with_parameters_or_a_suffix_is_json(site: Site, content_type) -> None:
    response = site.client.post("/api/events/SessionLed", data=json.dumps({"data": SESSION}),
                                headers={**site.as_("ivan"), "Content-Type": content_type})

    assert response.status_code == 201, response.json


def test_json_that_is_not_an_object_is_422(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/api/events/SessionLed", json=[1, 2],
                                       headers=sqlite_site.as_("ivan"))

    assert response.status_code == 422
    assert response.json["fields"] == {"body": ["must be a JSON object"]}


def test_schema_errors_are_422_with_fields(site: Site) -> None:
    before = site.log_length()
    response = site.post("ivan", "SessionLed", {**SESSION, "format": "party", "leaders": [],
                                                "colour": "red"})

    assert response.status_code == 422
    assert response.json["error"] == "schema_invalid"
    assert set(response.json["fields"]) == {"data.format", "data.leaders", "data.colour"}
    assert site.log_length() == before


@pytest.mark.parametrize("body,field", [
    ({"data": SESSION, "actor": "ana"}, "actor"),
    ({"data": SESSION, "occurred_at": "yesterday"}, "occurred_at"),
    ({"data": SESSION, "idempotency_key": ""}, "idempotency_key"),
    ({"data": SESSION, "idempotency_key": "a\x00b"}, "idempotency_key"),
    ({"data": SESSION, "idempotency_key": "   "}, "idempotency_key"),
    ({"data": SESSION, "idempotency_key": "k" * 201}, "idempotency_key"),
    ({}, "data"),
    ({"data": "x"}, "data"),
])
def test_envelope_errors_are_422_with_fields(sqlite_site: Site, body, field) -> None:
    response = sqlite_site.client.post("/api/events/SessionLed", json=body,
                                       headers=sqlite_site.as_("ivan"))

    assert response.status_code == 422
    assert field in response.json["fields"]


def test_a_correction_is_checked_by_its_target_type(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "EntryCorrected", {
        "position": SESSION_POSITION, "corrected_by": "ivan", "fields": {"format": "party"},
        "reason": "typo"})

    assert response.status_code == 422
    assert "data.fields.format" in response.json["fields"]


@pytest.mark.parametrize("fields", [{"title": "Survey"}, {"text": "Mine now"},
                                    {"format": "party"}, {"no_such_field": 1}])
def test_a_refused_correction_does_not_say_what_the_entry_is(sqlite_site: Site,
                                                             fields: dict) -> None:
    # mila may correct nothing of ivan's or ana's: walking positions must not tell her what
    # each one holds (a session, a private reflection, a join), nor which fields it has.
    length = sqlite_site.log_length()
    answers = set()
    for position in range(1, length + 1):
        if sqlite_site.journey.store.recorder.row_at(position).actor == "mila":
            continue
        response = sqlite_site.post("mila", "EntryCorrected", {
            "position": position, "corrected_by": "mila", "fields": fields, "reason": "x"})
        body = response.json
        answers.add((response.status_code, body["error"],
                     body["message"].replace(f"position {position}", "position N"),
                     json.dumps(body.get("fields"), sort_keys=True)))
        assert not {t for t in EVENT_TYPES if t in json.dumps(body)}, body

    assert answers == {(403, "not_facilitator_or_coordinator",
                        "only the author of the entry at position N, or a facilitator or "
                        "coordinator of its community (a private reflection: only its "
                        "author), can have it corrected", "{}")}
    assert sqlite_site.log_length() == length


def test_a_domain_rule_is_422_with_its_name(site: Site) -> None:
    response = site.post("ivan", "SessionLed", {**SESSION, "session_id": "s-1"})

    assert response.status_code == 422
    assert response.json["error"] == "duplicate_id"


PLAN = {"community_id": "vrsac-1", "plan_id": "p-1", "inquiry_question": "How do students feel?",
        "steps": [{"step_id": "st-1", "title": "Survey", "owners": ["ivan"]}]}


def test_a_plan_without_steps_is_422_with_its_field(sqlite_site: Site) -> None:
    before = sqlite_site.log_length()
    response = sqlite_site.post("ivan", "ActionPlanCreated", {**PLAN, "steps": []})

    assert response.status_code == 422
    assert response.json["error"] == "schema_invalid"
    assert set(response.json["fields"]) == {"data.steps"}
    assert sqlite_site.log_length() == before


@pytest.mark.parametrize("revision", [
    {},
    {"inquiry_question": PLAN["inquiry_question"], "steps_added": [], "steps_dropped": []},
])
def test_a_revision_that_changes_nothing_is_422(sqlite_site: Site, revision) -> None:
    assert sqlite_site.post("ivan", "ActionPlanCreated", PLAN).status_code == 201
    before = sqlite_site.log_length()
    response = sqlite_site.post("ivan", "ActionPlanRevised",
                                {"community_id": "vrsac-1", "plan_id": "p-1", **revision})

    assert response.status_code == 422
    assert response.json["error"] == "nothing_changed"
    assert sqlite_site.log_length() == before


def test_the_future_is_refused(sqlite_site: Site) -> None:
    before = sqlite_site.log_length()
    response = sqlite_site.post("ivan", "SessionLed", SESSION, occurred_at="2999-01-01")
    hand_over = sqlite_site.client.post(
        "/api/communities/vrsac-1/hand-over", headers=sqlite_site.as_("ana"),
        json={"from_member": "ana", "to_member": "ivan", "occurred_at": "2999-01-01"})

    assert response.status_code == 422
    assert response.json["error"] == "future_occurred_at"
    # The envelope's field, where the body has it (not under data.).
    assert list(response.json["fields"]) == ["occurred_at"]
    assert (hand_over.status_code, list(hand_over.json["fields"])) == (422, ["occurred_at"])
    assert sqlite_site.log_length() == before


def test_a_year_before_1000_is_refused_and_nothing_is_appended(sqlite_site: Site) -> None:
    # A typo ("0224" for "2024") whose spelling no import of the export would read back.
    before = sqlite_site.log_length()
    response = sqlite_site.post("ivan", "SessionLed", SESSION, occurred_at="0224-03-05")
    scheduled = sqlite_site.post("ana", "SessionScheduled", {
        "community_id": "vrsac-1", "session_id": "s-old", "title": "Lesson study",
        "format": "lesson_study", "starts_at": "0999-12-31T23:00:00+01:00"})

    assert response.status_code == 422
    assert response.json["error"] == "invalid_value"
    assert "before the year 1000" in response.json["message"]
    assert response.json["fields"] == {"occurred_at": [response.json["message"]]}
    assert scheduled.status_code == 422
    assert scheduled.json["fields"] == {"data.starts_at": ["must be in the year 1000 or later"]}
    assert sqlite_site.log_length() == before


def test_an_unknown_event_type_is_404(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "SessionParty", SESSION)

    assert response.status_code == 404
    assert response.json["error"] == "unknown_event_type"


def test_a_body_over_one_mebibyte_is_413(site: Site) -> None:
    before = site.log_length()
    text = "x" * (1024 * 1024)
    response = site.post("ivan", "ReflectionRecorded", {
        "reflection_id": "rf-big", "member_id": "ivan", "text": text, "visibility": "private"})

    assert response.status_code == 413
    assert response.json["error"] == "body_too_large"
    assert site.log_length() == before


def test_get_on_an_append_path_is_405(sqlite_site: Site) -> None:
    response = sqlite_site.get("ivan", "/api/events/SessionLed")

    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    allowed = response.headers["Allow"].split(", ")  # RFC 9110: a 405 says what is
    assert "POST" in allowed and "GET" not in allowed


def test_an_unknown_api_path_is_404_json(sqlite_site: Site) -> None:
    response = sqlite_site.get("ivan", "/api/nothing/here")

    assert response.status_code == 404
    assert response.json["error"] == "not_found"


# -- idempotency and If-Match ------------------------------------------------------------------

def test_the_same_key_and_body_replays_the_first_result(site: Site) -> None:
    first = site.post("ivan", "SessionLed", SESSION, idempotency_key="k-1")
    before = site.log_length()

    again = site.post("ivan", "SessionLed", SESSION, idempotency_key="k-1")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json == {**first.json, "replayed": True}
    assert site.log_length() == before


def test_a_key_sent_as_a_header_replays_too_and_without_occurred_at(site: Site) -> None:
    def send():
        return site.client.post("/api/events/SessionLed", json={"data": SESSION},
                                headers={**site.as_("ivan"), "Idempotency-Key": "h-1"})

    assert send().status_code == 201
    assert send().status_code == 200


def test_the_same_key_with_another_body_is_422(site: Site) -> None:
    site.post("ivan", "SessionLed", SESSION, idempotency_key="k-1")

    response = site.post("ivan", "SessionLed", {**SESSION, "title": "Other"},
                         idempotency_key="k-1")

    assert response.status_code == 422
    assert response.json["error"] == "idempotency_key_reused"


def test_keys_are_scoped_per_actor(site: Site) -> None:
    site.post("ivan", "SessionLed", SESSION, idempotency_key="k-1")

    response = site.post("ana", "SessionLed", {**SESSION, "session_id": "s-3",
                                               "leaders": ["ana"]}, idempotency_key="k-1")

    assert response.status_code == 201


def test_a_header_key_and_a_body_key_that_differ_are_422(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "SessionLed", SESSION, idempotency_key="a",
                                headers={"Idempotency-Key": "b"})

    assert response.status_code == 422
    assert response.json["error"] == "idempotency_key_mismatch"


@pytest.mark.parametrize("key", ["x" * 300, "   "])
def test_a_bad_idempotency_key_header_is_400(sqlite_site: Site, key) -> None:
    response = sqlite_site.post("ivan", "SessionLed", SESSION,
                                headers={"Idempotency-Key": key})

    assert response.status_code == 400
    assert response.json["error"] == "bad_header"
    assert response.json["fields"] == {
        "Idempotency-Key": ["must be a non-empty text of at most 200 characters"]}


def test_a_network_that_ends_before_it_starts_is_422(sqlite_site: Site) -> None:
    before = sqlite_site.log_length()
    response = sqlite_site.post("ivan", "NetworkCreated", {
        "network_id": "net-y", "name": "Y", "starts_on": "2024-09-01", "ends_on": "2024-06-30"})

    assert response.status_code == 422
    assert response.json["fields"] == {"data.ends_on": ["must not be before starts_on "
                                                        "(2024-09-01)"]}
    assert sqlite_site.log_length() == before
    assert sqlite_site.post("ivan", "NetworkCreated", {
        "network_id": "net-y", "name": "Y", "starts_on": "2024-09-01",
        "ends_on": "2024-09-01"}).status_code == 201  # a one-day network


def test_a_refused_request_keeps_its_key_free(sqlite_site: Site) -> None:
    refused = sqlite_site.post("ivan", "SessionLed", {**SESSION, "leaders": ["ana"]},
                               idempotency_key="k-2")
    assert refused.status_code == 403

    assert sqlite_site.post("ivan", "SessionLed", SESSION,
                            idempotency_key="k-2").status_code == 201


def test_if_match_with_the_current_version_appends(site: Site) -> None:
    version = site.post("ivan", "SessionLed", SESSION).json["version"]

    response = site.post("ivan", "SessionLed", {**SESSION, "session_id": "s-3"},
                         headers={"If-Match": f'"{version}"'})

    assert response.status_code == 201
    assert response.json["version"] == version + 1


def test_if_match_with_a_stale_version_is_409(site: Site) -> None:
    version = site.post("ivan", "SessionLed", SESSION).json["version"]
    before = site.log_length()

    response = site.post("ivan", "SessionLed", {**SESSION, "session_id": "s-3"},
                         headers={"If-Match": f'"{version - 1}"'})

    assert response.status_code == 409
    assert response.json["error"] == "version_conflict"
    assert site.log_length() == before


@pytest.mark.parametrize("value", ["abc", '"-1"', "1.5", "²"])
def test_a_malformed_if_match_is_400(sqlite_site: Site, value: str) -> None:
    response = sqlite_site.post("ivan", "SessionLed", SESSION, headers={"If-Match": value})

    assert response.status_code == 400
    assert response.json["error"] == "bad_header"


def test_if_match_star_means_the_stream_exists(sqlite_site: Site) -> None:
    """RFC 9110: `*` matches any current representation: a stream with events, whatever
    its version; never one the append would start."""
    assert sqlite_site.post("ivan", "SessionLed", SESSION,
                            headers={"If-Match": "*"}).status_code == 201
    network = {"network_id": "net-star", "name": "Star"}
    before = sqlite_site.log_length()

    response = sqlite_site.post("ivan", "NetworkCreated", network, headers={"If-Match": "*"})

    assert (response.status_code, response.json["error"]) == (409, "version_conflict")
    assert sqlite_site.log_length() == before
    assert sqlite_site.post("ivan", "NetworkCreated", network).status_code == 201


# -- the session cookie: CSRF ----------------------------------------------------------------

def test_a_cookie_session_writes_only_with_the_csrf_header(site: Site) -> None:
    client = site.app.test_client()
    assert sign_in(client, "ivan").status_code == 302
    body = {"data": SESSION, "occurred_at": "2024-03-01"}

    forged = client.post("/api/events/SessionLed", json=body)
    token = client.get("/api/me").json["csrf_token"]
    honest = client.post("/api/events/SessionLed", json=body, headers={"X-CSRFToken": token})

    assert forged.status_code == 400
    assert forged.json["error"] == "csrf"
    assert honest.status_code == 201


def test_a_cookie_session_reads_without_csrf(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    assert client.get("/api/members/ivan/portfolio").status_code == 200


def test_the_story_is_what_the_fixture_says(sqlite_site: Site) -> None:
    # A guard for the other tests: the seeded log is the story plus the award.
    assert sqlite_site.log_length() == len(STORY) + 1
    assert csrf_of('<input id="csrf_token" name="csrf_token" type="hidden" value="abc">') \
        == "abc"


def test_a_head_sealed_with_other_keys_is_a_503_and_appends_nothing(sqlite_site: Site) -> None:
    """The web app on a log whose head its instance did not seal (another instance
    directory, or a head changed by hand): writes are refused for the operator to mend."""
    from sqlalchemy import update

    from events.tables import log_head
    before = sqlite_site.log_length()
    with sqlite_site.journey.store.recorder.engine.begin() as conn:
        conn.execute(update(log_head).values(seal="0" * 64))
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    api = sqlite_site.post("ivan", "ReflectionRecorded", {
        "reflection_id": "rf-x", "member_id": "ivan", "text": "x", "visibility": "private"})
    page = client.post("/record/reflect", data={
        "csrf_token": csrf_of(client.get("/record/reflect").text), "text": "y",
        "visibility": "private", "idempotency_key": "k-503"})

    assert (api.status_code, api.json["error"]) == (503, "instance_mismatch")
    assert page.status_code == 503
    assert sqlite_site.log_length() == before


# -- refusals name their field (DESIGN "Errors": {error, message, fields}) ----------------

def test_an_unknown_member_is_named_by_its_field(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "SessionLed", {**SESSION, "leaders": ["ivan", "ghost"]})

    message = "ghost (leaders) is not a registered member"
    assert (response.status_code, response.json) == (422, {
        "error": "unknown_member", "message": message, "fields": {"data.leaders": [message]}})


def test_a_taken_id_is_named_by_its_field(sqlite_site: Site) -> None:
    taken = sqlite_site.post("ivan", "SessionLed", {**SESSION, "session_id": "s-1"})
    network = sqlite_site.post("vera", "NetworkCreated", {"network_id": "sel-serbia",
                                                          "name": "Again"})
    step = sqlite_site.post("ivan", "ActionPlanCreated", {
        **PLAN, "steps": [{"step_id": "st-1", "title": "Survey", "owners": ["ivan"]},
                          {"step_id": "st-1", "title": "Again", "owners": ["ivan"]}]})

    assert (taken.status_code, taken.json) == (422, {
        "error": "duplicate_id", "message": "session s-1 was already recorded as held",
        "fields": {"data.session_id": ["session s-1 was already recorded as held"]}})
    message = "a network with id sel-serbia already exists"
    assert (network.status_code, network.json) == (422, {
        "error": "duplicate_id", "message": message, "fields": {"data.network_id": [message]}})
    assert step.json["error"] == "duplicate_id"
    assert step.json["fields"] == {"data.steps.1.step_id": [step.json["message"]]}


def test_a_hand_over_to_an_unknown_member_names_the_field(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/api/communities/vrsac-1/hand-over",
                                       json={"from_member": "ana", "to_member": "ghost"},
                                       headers=sqlite_site.as_("ana"))

    message = "ghost is not a registered member"
    assert (response.status_code, response.json) == (422, {
        "error": "unknown_member", "message": message, "fields": {"to_member": [message]}})


def test_a_stale_if_match_is_named_by_the_header(sqlite_site: Site) -> None:
    version = sqlite_site.post("ivan", "SessionLed", SESSION).json["version"]

    response = sqlite_site.post("ivan", "SessionLed", {**SESSION, "session_id": "s-3"},
                                headers={"If-Match": f'"{version - 1}"'})

    assert response.status_code == 409 and response.json["error"] == "version_conflict"
    assert response.json["fields"] == {"If-Match": [response.json["message"]]}


@pytest.mark.parametrize("fields", [{"title": "Survey"}, {"title": 5}])
def test_a_correction_refused_by_the_rules_names_its_field_alike(sqlite_site: Site,
                                                                 fields: dict) -> None:
    # Whether or not its values would pass, the refusal names the field where it is in
    # the body (the rules judge a correction first when its values are wrong).
    response = sqlite_site.post("ivan", "EntryCorrected", {
        "position": SESSION_POSITION, "corrected_by": "ghost", "fields": fields,
        "reason": "typo"})

    assert response.status_code in (403, 422), response.json
    assert list(response.json["fields"]) == ["data.corrected_by"], response.json


def test_an_unknown_step_owner_is_named_by_its_step(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "ActionPlanCreated", {
        **PLAN, "steps": [{"step_id": "st-1", "title": "Survey", "owners": ["ivan"]},
                          {"step_id": "st-2", "title": "Talk", "owners": ["ivan", "ghost"]}]})

    assert response.json["error"] == "unknown_member"
    assert response.json["fields"] == {"data.steps.1.owners": [response.json["message"]]}


# Refusals about a field of `data`, each named there (the actor, the signed-in member, is
# in no field of the body; a rule about who may act names no field).
NAMED_REFUSALS = [
    ("ivan", "SessionLed", {**SESSION, "community_id": "nowhere"},
     "unknown_community", "data.community_id"),
    ("ivan", "SessionLed", {**SESSION, "attendees": ["mila"]}, "not_a_member", "data.attendees"),
    ("ivan", "SessionCancelled", {"community_id": "vrsac-1", "session_id": "s-404"},
     "unknown_session", "data.session_id"),
    ("ivan", "ResourceReused", {"community_id": "vrsac-1", "resource_id": "r-404",
                                "member_id": "ivan"}, "unknown_resource", "data.resource_id"),
    ("ivan", "ResourceReused", {"community_id": "vrsac-1", "resource_id": "r-1",
                                "member_id": "ana"}, "not_the_actor", "data.member_id"),
    ("ivan", "FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ivan",
                               "to_member_id": "ivan", "about_kind": "resource",
                               "about_id": "r-1", "text": "Mine"},
     "self_feedback", "data.to_member_id"),
    ("ivan", "FeedbackGiven", {"community_id": "vrsac-1", "from_member_id": "ivan",
                               "to_member_id": "ana", "about_kind": "session",
                               "about_id": "s-404", "text": "?"},
     "unknown_session", "data.about_id"),
    ("ivan", "ReflectionVisibilityChanged", {"reflection_id": "rf-404", "member_id": "ivan",
                                             "visibility": "community"},
     "unknown_reflection", "data.reflection_id"),
    ("ana", "NormsAgreed", {"community_id": "vrsac-1", "norms": ["Listen"],
                            "agreed_by": ["ana", "mila"]}, "not_a_member", "data.agreed_by"),
    ("ana", "MemberJoined", {"community_id": "vrsac-1", "member_id": "ivan", "role": "member"},
     "already_member", "data.member_id"),
    ("ana", "RoleChanged", {"community_id": "vrsac-1", "member_id": "ivan",
                            "from_role": "member", "to_role": "member"},
     "role_mismatch", "data.to_role"),
    ("ana", "MemberLeft", {"community_id": "vrsac-1", "member_id": "ana"},
     "last_facilitator", "data.member_id"),
    ("ana", "RecognitionAwarded", {"award_id": "aw-9", "community_id": "vrsac-1",
                                   "member_id": "ivan", "badge_id": "b-404",
                                   "awarded_by": "ana"}, "unknown_badge", "data.badge_id"),
    ("ana", "RecognitionAwarded", {"award_id": "aw-9", "community_id": "vrsac-1",
                                   "member_id": "ivan", "badge_id": "b-1", "awarded_by": "ana",
                                   "evidence": [1]}, "invalid_evidence", "data.evidence.0"),
    ("ana", "RecognitionRevoked", {"award_id": "aw-404", "revoked_by": "ana", "reason": "?"},
     "unknown_award", "data.award_id"),
    ("ivan", "EntryRetracted", {"position": 10_000, "retracted_by": "ivan", "reason": "?"},
     "unknown_position", "data.position"),
    ("ivan", "ActionStepCompleted", {"community_id": "vrsac-1", "plan_id": "p-404",
                                     "step_id": "st-1", "member_ids": ["ivan"],
                                     "outcome": "?"}, "unknown_plan", "data.plan_id"),
]


@pytest.mark.parametrize("who, type_name, data, code, field", NAMED_REFUSALS,
                         ids=[f"{c[1]}-{c[3]}" for c in NAMED_REFUSALS])
def test_a_refusal_about_a_field_names_it(sqlite_site: Site, who: str, type_name: str,
                                          data: dict[str, Any], code: str, field: str) -> None:
    before = sqlite_site.log_length()

    response = sqlite_site.post(who, type_name, data)

    assert response.json["error"] == code, response.json
    assert response.json["fields"] == {field: [response.json["message"]]}
    assert sqlite_site.log_length() == before
