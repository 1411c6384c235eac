"""A form posted again with the same hidden idempotency key (a double click, a browser
re-post) is answered as its first post was, and appends nothing more — even when the
first post changed what the form offers (on the seeded story of conftest); the same key
with changed fields, or first used by the API, is refused in place (422), nothing appended."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.web.conftest import STORY, Site, csrf_of, sign_in

SHARED = 1 + [type(e).__name__ for _, e in STORY].index("ResourceShared")
SCHEDULED = {"community_id": "vrsac-1", "session_id": "s-10",
             "starts_at": "2030-04-01T14:00:00Z", "title": "Plan", "format": "meeting",
             "planned_leaders": ["ivan"]}
PLAN = {"community_id": "vrsac-1", "plan_id": "p-1", "inquiry_question": "Heard?",
        "steps": [{"step_id": "st-a", "title": "Survey the students", "owners": ["ivan"]}]}


@dataclass
class Form:
    """Who posts which form where; `before` appends what the form needs first."""

    who: str
    path: str
    data: dict[str, Any]
    prefix: str | None = None  # the facilitation page's forms carry one
    before: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


FORMS: dict[str, Form] = {
    # Each first post takes away what the form offered: the session, the step, the
    # entry, the sender's role; badges and awards minted a new id on every post.
    "cancel a session": Form("ana", "/communities/vrsac-1/sessions/s-10/cancel",
                             {"reason": "Strike"}, before=[("ana", "SessionScheduled",
                                                             SCHEDULED)]),
    "record a scheduled session": Form(
        "ivan", "/communities/vrsac-1/sessions/record",
        {"session_id": "s-10", "title": "Plan", "format": "meeting", "leaders": ["ivan"]},
        before=[("ana", "SessionScheduled", SCHEDULED)]),
    "complete a step": Form("ivan", "/record/step",
                            {"step": "vrsac-1|p-1|st-a", "outcome": "42 answered."},
                            before=[("ana", "ActionPlanCreated", PLAN)]),
    "retract an entry": Form("ivan", "/record/retract",
                             {"entry": str(SHARED), "reason": "Shared twice"}),
    "hand over": Form("ana", "/facilitate/vrsac-1/hand-over", {"to_member": "ivan"},
                      prefix="handover"),
    "define a badge": Form("ana", "/facilitate/vrsac-1/badges",
                           {"name": "Parent workshop", "description": "Ran one",
                            "criteria": "Involve parents"}, prefix="badge"),
    "award a badge": Form("ana", "/facilitate/vrsac-1/awards",
                          {"member": "ivan", "badge": "b-1", "note": "Thanks"},
                          prefix="award"),
    # Forms that replayed already, kept so: they go the same way.
    "reflect": Form("ivan", "/record/reflect", {"text": "Twice?", "visibility": "private"}),
    "schedule a session": Form("ivan", "/communities/vrsac-1/sessions/schedule",
                               {"title": "Next", "starts_at": "2030-05-01T10:00",
                                "format": "meeting", "planned_leaders": ["ivan"]}),
    "revoke an award": Form("ana", "/facilitate/vrsac-1/awards/aw-1/revoke",
                            {"reason": "A mistake"}, prefix="revoke-aw-1"),
}


def _ready(site: Site, form: Form):
    """What the form needs appended, and a client signed in as the one who posts it."""
    for actor, type_name, data in form.before:
        assert site.post(actor, type_name, data).status_code == 201
    client = site.app.test_client()
    sign_in(client, form.who)
    return client


def _post(client, form: Form):
    token = csrf_of(client.get("/facilitate/vrsac-1" if form.prefix else form.path).text)
    data = {"csrf_token": token, "idempotency_key": "the-same-form", **form.data}
    if form.prefix:
        data = {f"{form.prefix}-{name}": value for name, value in data.items()}
    return client.post(form.path, data=data)


@pytest.mark.parametrize("name", FORMS)
def test_a_reposted_form_is_answered_as_the_first_post_was(sqlite_site: Site,
                                                            name: str) -> None:
    form = FORMS[name]
    client = _ready(sqlite_site, form)
    before = sqlite_site.log_length()

    first = _post(client, form)
    appended = sqlite_site.log_length()
    second = _post(client, form)

    assert first.status_code in (302, 303), first.text[:300]
    assert appended > before
    assert (second.status_code, second.headers.get("Location")) == \
        (first.status_code, first.headers["Location"])
    assert sqlite_site.log_length() == appended


def test_two_hand_over_posts_racing_append_once(sqlite_site: Site, monkeypatch) -> None:
    """A double click whose second post was judged before the first was in the log: the
    store tells a replay from a reused key by the request's digest, which must not hold
    the "now" that differs between the two posts (the API's digest does not)."""
    import web.pages.facilitate as facilitate

    # The race: the second post found no earlier outcome and passed the page's checks
    # while ana still facilitated.
    acting = facilitate._acting
    judged: list = []
    monkeypatch.setattr(facilitate, "earlier_outcome", lambda form: None)
    monkeypatch.setattr(facilitate, "_acting",
                        lambda community_id: judged[0] if judged
                        else judged.append(acting(community_id)) or judged[0])
    monkeypatch.setattr(facilitate, "_hand_over_choices", lambda candidates: [("ivan", "Ivan")])
    form = FORMS["hand over"]
    client = sqlite_site.app.test_client()
    sign_in(client, form.who)
    before = sqlite_site.log_length()

    first = _post(client, form)
    second = _post(client, form)

    assert first.status_code == 303, first.text[:300]
    assert (second.status_code, second.headers.get("Location")) == \
        (303, first.headers["Location"]), second.text[:500]
    assert sqlite_site.log_length() == before + 2  # the two RoleChanged, once


# A field the person changed after going Back (the browser keeps the hidden key).
CHANGED: dict[str, dict[str, Any]] = {
    "reflect": {"text": "Changed my mind."},
    "award a badge": {"note": "Thanks again"},
    "cancel a session": {"reason": "Rain"},
    "define a badge": {"criteria": "Involve two parents"},
    "revoke an award": {"reason": "Another reason"},
    "schedule a session": {"title": "Later"},
}
REUSED = "already used for a different request"


@pytest.mark.parametrize("name", CHANGED)
def test_a_reposted_form_with_a_changed_field_is_refused_in_place(sqlite_site: Site,
                                                                  name: str) -> None:
    form = FORMS[name]
    client = _ready(sqlite_site, form)

    assert _post(client, form).status_code in (302, 303)
    appended = sqlite_site.log_length()
    changed = _post(client, Form(form.who, form.path, {**form.data, **CHANGED[name]},
                                 form.prefix))

    assert changed.status_code == 422, changed.text[:300]
    assert REUSED in changed.text
    assert sqlite_site.log_length() == appended


@pytest.mark.parametrize("name", ["define a badge", "reflect", "award a badge"])
def test_a_key_first_used_through_the_api_is_refused_not_replayed(sqlite_site: Site,
                                                                  name: str) -> None:
    form = FORMS[name]
    # The same person sent "the-same-form" to the API first, for something else.
    sent = sqlite_site.post(form.who, "ResourceShared",
                            {"community_id": "vrsac-1", "resource_id": "r-api",
                             "member_id": form.who, "title": "From a script",
                             "kind": "link", "url": "https://example.org/"},
                            idempotency_key="the-same-form")
    assert sent.status_code == 201, sent.get_json()
    client = sqlite_site.app.test_client()
    sign_in(client, form.who)
    before = sqlite_site.log_length()

    answer = _post(client, form)

    assert answer.status_code == 422, answer.text[:300]
    assert REUSED in answer.text
    assert sqlite_site.log_length() == before


SHARE = Form("ivan", "/communities/vrsac-1/library/share",
             {"title": "Rubric", "kind": "link", "url": "https://example.org/rubric"})


@pytest.mark.parametrize("form, status, says", [
    (FORMS["define a badge"], 400, 'name="badge-name"'),  # the page, the form as posted
    (SHARE, 422, "The form expired"),
], ids=["badge", "share"])
def test_a_repost_without_its_csrf_token_is_refused_before_any_replay(
        sqlite_site: Site, form: Form, status: int, says: str) -> None:
    # These two views are exempt from the app-wide check (their forms check the token,
    # after the upload limit is raised): the replay must not answer before that check.
    # Each refuses as it refuses any post without a token (the share form: in place).
    client = sqlite_site.app.test_client()
    sign_in(client, form.who)
    assert _post(client, form).status_code in (302, 303)
    appended = sqlite_site.log_length()
    data = {"idempotency_key": "the-same-form", **form.data}
    if form.prefix:
        data = {f"{form.prefix}-{name}": value for name, value in data.items()}

    answer = client.post(form.path, data=data)

    assert answer.status_code == status, answer.text[:300]
    assert says in answer.text
    assert sqlite_site.log_length() == appended


def test_a_badge_reposted_with_its_image_replays_and_with_another_is_refused(
        sqlite_site: Site) -> None:
    # An uploaded file is part of what was sent: the same image again is the same form.
    from io import BytesIO

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.openbadges.test_badge_images import _png

    client = sqlite_site.app.test_client()
    sign_in(client, "ana")

    def post(image: bytes):
        token = csrf_of(client.get("/facilitate/vrsac-1").text)
        data = {"badge-csrf_token": token, "badge-idempotency_key": "the-same-form",
                "badge-name": "Evening", "badge-description": "Ran one",
                "badge-criteria": "Run one",
                "badge-image": FileStorage(BytesIO(image), "evening.png",
                                           content_type="image/png")}
        boundary, encoded = encode_multipart(data)
        return client.post("/facilitate/vrsac-1/badges", data=encoded,
                           content_type=f"multipart/form-data; boundary={boundary}")

    first = post(_png())
    appended = sqlite_site.log_length()
    assert first.status_code == 303, first.text[:300]
    assert post(_png()).status_code == 303
    other = post(_png(width=4))
    assert other.status_code == 422 and REUSED in other.text
    assert sqlite_site.log_length() == appended
