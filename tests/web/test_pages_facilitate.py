"""The facilitator's pages over HTTP: access, badges, recognitions with evidence,
revocation, hand-over, and who needs attention (on the seeded story of conftest)."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_language import translated
from tests.web.conftest import STORY, csrf_of, sign_in

PRIVATE_POSITION = 1 + [getattr(e, "reflection_id", None) for _, e in STORY].index("rf-private")
COMMUNITY_REFLECTION = 1 + [getattr(e, "reflection_id", None) for _, e in STORY].index(
    "rf-community")
SESSION = 1 + [type(e).__name__ for _, e in STORY].index("SessionLed")
SHARED = 1 + [type(e).__name__ for _, e in STORY].index("ResourceShared")


def _client(site, who):
    client = site.client
    if who:
        sign_in(client, who)
    return client


def _post(client, path, prefix, data):
    token = csrf_of(client.get("/facilitate/vrsac-1").text)
    body = {f"{prefix}-{k}": v for k, v in data.items()}
    body[f"{prefix}-csrf_token"] = token
    return client.post(path, data=body)


@pytest.mark.parametrize("who, status", [("ana", 200), ("vera", 200), ("root", 200),
                                         ("ivan", 403), ("mila", 403)])
def test_who_may_open_the_facilitation_page(sqlite_site, who, status):
    assert _client(sqlite_site, who).get("/facilitate/vrsac-1").status_code == status


def test_anonymous_is_sent_to_sign_in(sqlite_site):
    for path in ("/facilitate", "/facilitate/vrsac-1"):
        response = sqlite_site.client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unknown_community_is_404(sqlite_site):
    assert _client(sqlite_site, "ana").get("/facilitate/nowhere").status_code == 404


def test_index_lists_the_communities_i_facilitate(sqlite_site):
    page = _client(sqlite_site, "ana").get("/facilitate")
    assert page.status_code == 200
    assert 'href="/facilitate/vrsac-1"' in page.text and "/facilitate/nis-2" not in page.text
    vera = _client(sqlite_site, "vera").get("/facilitate").text
    assert 'href="/facilitate/nis-2"' in vera and "/facilitate/vrsac-1" not in vera
    ivan = _client(sqlite_site, "ivan").get("/facilitate")
    assert ivan.status_code == 200 and "/facilitate/vrsac-1" not in ivan.text


def test_page_shows_badges_awards_and_attention(sqlite_site):
    text = _client(sqlite_site, "ana").get("/facilitate/vrsac-1").text
    assert "First session" in text and "Lead a session" in text          # badge b-1
    assert "Standing recognitions" in text and "Ivan" in text            # award aw-1
    never = text[text.index("Never led a session"):text.index("Drifting to the periphery")]
    assert "Ana" in never and "Ivan" not in never                         # ivan led s-1
    assert 'action="/facilitate/vrsac-1/badges#define-h"' in text
    assert 'action="/facilitate/vrsac-1/hand-over#hand-over"' in text


def test_coordinator_sees_the_page_without_the_forms(sqlite_site):
    text = _client(sqlite_site, "vera").get("/facilitate/vrsac-1").text
    assert "First session" in text
    assert "/facilitate/vrsac-1/badges" not in text and "/hand-over" not in text
    client = _client(sqlite_site, "vera")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "X", "description": "Y", "criteria": "Z"})
    assert response.status_code == 403 and sqlite_site.log_length() == before


def test_define_a_badge_appends_one_event(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "Parent workshop", "description": "Ran a workshop with parents",
                      "criteria": "Involve parents in the inquiry"})
    assert response.status_code == 303
    assert sqlite_site.log_length() == before + 1
    page = client.get(response.headers["Location"]).text
    assert "Parent workshop" in page and "Involve parents in the inquiry" in page
    badges = client.get("/api/communities/vrsac-1/badges").get_json()["badges"]
    assert "Parent workshop" in [b["name"] for b in badges]


def test_a_second_badge_of_the_same_name_is_refused_in_place(sqlite_site):
    # b-1 "First session" stands: the award form could not tell a namesake from it.
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "  first SESSION ", "description": "Again",
                      "criteria": "Lead a session"})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before
    assert 'id="badge-name-errors"' in response.text
    assert "already has a badge of that name" in response.text


def test_a_badge_name_with_html_is_escaped(sqlite_site):
    client = _client(sqlite_site, "ana")
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "<script>alert(1)</script>", "description": "<b>bold</b>",
                      "criteria": "c"})
    assert response.status_code == 303
    page = client.get("/facilitate/vrsac-1").text
    assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bad_badge_input_appends_nothing_and_shows_errors_in_place(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "", "description": "d", "criteria": "x" * 3000})
    assert response.status_code == 400
    assert sqlite_site.log_length() == before
    assert re.search(r'id="badge-name"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                     r'id="badge-name"', response.text)
    assert 'id="badge-criteria-errors"' in response.text


def test_a_badge_name_with_a_nul_is_refused_in_place(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/badges", "badge",
                     {"name": "Parent\x00workshop", "description": "d", "criteria": "c"})
    assert response.status_code == 422
    assert "name: contains characters that cannot be stored" in response.text
    assert sqlite_site.log_length() == before


def test_award_form_offers_the_members_evidence_but_no_private_reflection(sqlite_site):
    text = _client(sqlite_site, "ana").get("/facilitate/vrsac-1?member=ivan").text
    values = set(re.findall(r'name="award-evidence" type="checkbox" value="(\d+)"', text))
    assert values == {str(SESSION), str(SHARED), str(COMMUNITY_REFLECTION)}
    assert str(PRIVATE_POSITION) not in values


def test_award_with_evidence_reaches_the_teacher(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/awards", "award",
                     {"member": "ivan", "badge": "b-1", "evidence": [str(SESSION), str(SHARED)],
                      "note": "Thank you for the survey"})
    assert response.status_code == 303, response.text[:500]
    assert sqlite_site.log_length() == before + 1
    ivan = _client(sqlite_site, "ivan")
    badges = ivan.get("/api/members/ivan/badges").get_json()["recognitions"]
    fresh = [b for b in badges if b["award_id"] != "aw-1"]
    assert len(fresh) == 1 and fresh[0]["badge_id"] == "b-1"
    assert [e["position"] for e in fresh[0]["evidence"]] == [SESSION, SHARED]


def test_award_citing_a_private_reflection_is_refused_in_place(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/awards", "award",
                     {"member": "ivan", "badge": "b-1", "evidence": [str(PRIVATE_POSITION)]})
    assert response.status_code == 400
    assert sqlite_site.log_length() == before
    assert 'id="award-evidence-errors"' in response.text


@pytest.mark.parametrize("member", ["mila", "ana", "nobody", ""])
def test_award_to_someone_outside_or_to_myself_appends_nothing(sqlite_site, member):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = _post(client, "/facilitate/vrsac-1/awards", "award",
                     {"member": member, "badge": "b-1"})
    assert response.status_code == 400 and sqlite_site.log_length() == before
    assert "Choose a member of this community" in response.text


def test_revoke_needs_a_reason_then_shows_it(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    empty = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                  {"reason": ""})
    assert empty.status_code == 400 and sqlite_site.log_length() == before
    assert 'id="revoke-aw-1-reason-errors"' in empty.text
    done = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                 {"reason": "Awarded to the wrong person"})
    assert done.status_code == 303 and sqlite_site.log_length() == before + 1
    page = client.get("/facilitate/vrsac-1").text
    revoked = page[page.index("Revoked recognitions"):]
    assert "Awarded to the wrong person" in revoked
    again = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                  {"reason": "twice"})
    assert again.status_code == 422 and sqlite_site.log_length() == before + 1


def _recognitions(html: str) -> str:
    """The page's recognitions section."""
    return html[html.index('id="awards"'):html.index('id="hand-over"')]


def test_revoking_twice_shows_why_the_second_is_refused(sqlite_site):
    """The second post has no standing row to show its refusal in (a stale second tab)."""
    client = _client(sqlite_site, "ana")
    first = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                  {"reason": "Awarded to the wrong person"})
    assert first.status_code == 303
    before = sqlite_site.log_length()
    again = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                  {"reason": "twice"})
    assert again.status_code == 422 and sqlite_site.log_length() == before
    assert 'role="alert">award aw-1 is already revoked' in _recognitions(again.text)
    sqlite_site.accounts.set_language(sqlite_site.accounts.by_username("ana").id, "tr")
    turkish = _post(client, "/facilitate/vrsac-1/awards/aw-1/revoke", "revoke-aw-1",
                    {"reason": "twice"})
    assert turkish.status_code == 422 and sqlite_site.log_length() == before
    shown = _recognitions(turkish.text)
    assert translated("tr", "This recognition was already revoked.") in shown
    assert "award aw-1 is already revoked" in shown  # and the domain's own detail


def test_revoking_an_unknown_recognition_shows_why(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    sqlite_site.accounts.set_language(sqlite_site.accounts.by_username("ana").id, "tr")
    response = _post(client, "/facilitate/vrsac-1/awards/aw-404/revoke", "revoke-aw-404",
                     {"reason": "stale page"})
    assert response.status_code == 422 and sqlite_site.log_length() == before
    shown = _recognitions(response.text)
    assert translated("tr", "There is no such recognition.") in shown
    assert "there is no award aw-404" in shown
    empty = _post(client, "/facilitate/vrsac-1/awards/aw-404/revoke", "revoke-aw-404",
                  {"reason": ""})
    assert empty.status_code == 400 and sqlite_site.log_length() == before
    assert translated("tr", "Reason for revoking") + ":" in _recognitions(empty.text)


def test_hand_over_makes_the_member_facilitator(sqlite_site):
    client = _client(sqlite_site, "ana")
    before = sqlite_site.log_length()
    bad = _post(client, "/facilitate/vrsac-1/hand-over", "handover", {"to_member": "mila"})
    assert bad.status_code == 400 and sqlite_site.log_length() == before
    response = _post(client, "/facilitate/vrsac-1/hand-over", "handover", {"to_member": "ivan"})
    assert response.status_code == 303
    assert sqlite_site.log_length() == before + 2      # one command: two RoleChanged
    roles = _client(sqlite_site, "ivan").get("/api/me").get_json()["roles"]
    assert roles["vrsac-1"] == "facilitator"
    assert client.get("/facilitate/vrsac-1").status_code == 403    # ana is a member now


def _options(html: str, select_id: str) -> set[str]:
    """The values offered by the <select id=...> of a page."""
    start = html.index(f'id="{select_id}"')
    return set(re.findall(r'<option value="([^"]*)"', html[start:html.index("</select>", start)]))


def test_an_erased_member_is_offered_neither_for_recognition_nor_hand_over(sqlite_site):
    client = _client(sqlite_site, "ana")
    page = client.get("/facilitate/vrsac-1").text
    assert _options(page, "award-member-choice") == {"ivan"}
    assert _options(page, "handover-to_member") == {"ivan"}
    erased = sqlite_site.post("root", "MemberErased", {"member_id": "ivan",
                                                       "requested_by": "ivan"})
    assert erased.status_code == 201, erased.get_json()
    page = client.get("/facilitate/vrsac-1").text
    assert _options(page, "award-member-choice") == set()
    assert 'id="handover-to_member"' not in page and "There is no member to hand over to." in page
    before = sqlite_site.log_length()
    award = _post(client, "/facilitate/vrsac-1/awards", "award", {"member": "ivan", "badge": "b-1"})
    assert award.status_code == 400 and "Choose a member of this community" in award.text
    hand_over = _post(client, "/facilitate/vrsac-1/hand-over", "handover", {"to_member": "ivan"})
    assert hand_over.status_code == 400 and "There is no member to hand over to." in hand_over.text
    assert sqlite_site.log_length() == before


def test_a_bad_quarter_is_a_message_not_an_error(sqlite_site):
    response = _client(sqlite_site, "ana").get("/facilitate/vrsac-1?quarter=1999-Q9")
    assert response.status_code == 200
    assert "is not a quarter of this community" in response.text


def test_drifting_member_is_listed(sqlite_site):
    """ivan was core in 2024-Q1; one reflection in 2024-Q2 makes him peripheral there."""
    site = sqlite_site
    response = site.post("ivan", "ReflectionRecorded",
                         {"reflection_id": "rf-q2", "member_id": "ivan", "text": "Busy term",
                          "community_id": "vrsac-1", "visibility": "community"},
                         occurred_at="2024-05-01T10:00:00Z")
    assert response.status_code == 201, response.get_json()
    text = _client(site, "ana").get("/facilitate/vrsac-1?quarter=2024-Q2").text
    drifting = text[text.index("Drifting to the periphery"):text.index('id="badges"')]
    assert "Ivan" in drifting and "2024-Q1" in drifting
    assert "Nobody drifted" not in drifting
