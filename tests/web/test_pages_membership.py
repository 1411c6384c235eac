"""Who belongs, from the community's members page: add someone, change a role, remove
someone or leave (web/pages/membership.py), and founding a community
(web/pages/founding.py), over HTTP on the real app."""
from __future__ import annotations

import re

import pytest

from journey.clock import format_time, utcnow
from tests.web.conftest import Site, csrf_of
from tests.web.test_pages_community import client_of, form_of, last_event, post_form
from web.pages import founding

MEMBERS = "/communities/vrsac-1"
ADD = f"{MEMBERS}/members/add"


def role_of(site: Site, member_id: str) -> str | None:
    view = site.journey.views.community("vrsac-1")
    return next((m["current_role"] for m in view["members"]
                 if m["member"]["member_id"] == member_id), None)


def test_the_members_page_offers_each_person_what_the_rules_let_them_do(
        sqlite_site: Site) -> None:
    facilitator = client_of(sqlite_site, "ana").get(MEMBERS).text
    assert f'href="{ADD}"' in facilitator
    assert f"{MEMBERS}/members/ivan/role" in facilitator
    assert f"{MEMBERS}/members/ivan/leave" in facilitator  # remove
    assert f"{MEMBERS}/members/ana/leave" in facilitator  # leave

    member = client_of(sqlite_site, "ivan").get(MEMBERS).text
    assert f'href="{ADD}"' not in member and "/role" not in member
    assert f"{MEMBERS}/members/ivan/leave" in member
    assert f"{MEMBERS}/members/ana/leave" not in member

    # A coordinator of the network reads the community but holds no role in it.
    coordinator = client_of(sqlite_site, "vera").get(MEMBERS).text
    assert "/members/" not in coordinator

    # A replay shows the members as they were, with nothing to change.
    replayed = client_of(sqlite_site, "ana").get(
        MEMBERS, query_string={"as_of": format_time(utcnow())}).text
    assert "as-of" in replayed and "/members/" not in replayed
    assert ">Changes</th>" not in replayed


def test_an_erased_members_row_offers_no_change(sqlite_site: Site) -> None:
    erased = sqlite_site.journey.store.erase("ivan", "ivan", actor="admin")
    sqlite_site.journey.runner.wait_for(erased.position, timeout=10)
    page = client_of(sqlite_site, "ana").get(MEMBERS).text
    assert f"{MEMBERS}/members/ivan/" not in page
    assert f"{MEMBERS}/members/ana/leave" in page


def test_a_facilitator_adds_someone_by_member_id(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()

    response = post_form(client, ADD, {"member_id": " mila ", "role": "member"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{MEMBERS}#members")
    event = last_event(sqlite_site)
    assert (event.type, event.member_id, event.role, event.invited_by) == \
        ("MemberJoined", "mila", "member", "ana")
    assert sqlite_site.log_length() == before + 1
    page = client.get(MEMBERS).text
    assert "Mila now belongs to the community, as member." in page
    assert role_of(sqlite_site, "mila") == "member"


def test_the_people_of_my_other_communities_are_offered_by_name(sqlite_site: Site) -> None:
    # ana also belongs to nis-2 (zoran, mila, vera): they are hers to choose from; ivan and
    # she herself already belong to vrsac-1.
    assert sqlite_site.post("vera", "MemberJoined", {
        "community_id": "nis-2", "member_id": "ana", "role": "member",
        "invited_by": "vera"}).status_code == 201
    client = client_of(sqlite_site, "ana")
    _, _, page = form_of(client, ADD)
    options = re.findall(r'<option (?:selected )?value="([^"]*)">([^<]*)</option>',
                         page.split('name="person"')[1].split("</select>")[0])
    assert [value for value, _ in options] == ["", "mila", "vera", "zoran"]
    assert [label for _, label in options][1:] == ["Mila", "Vera", "Zoran"]

    response = post_form(client, ADD, {"person": "zoran", "role": "facilitator"})

    assert response.status_code == 302
    assert role_of(sqlite_site, "zoran") == "facilitator"


@pytest.mark.parametrize("fields, problem", [
    ({"role": "member"}, "Choose someone from the list or type a member id"),
    ({"person": "", "member_id": "nobody", "role": "member"}, "is not a registered member"),
    ({"member_id": "ivan", "role": "member"}, "already"),
    ({"member_id": "mila", "role": "chief"}, "Not a valid choice"),
])
def test_a_refused_addition_is_explained_at_the_form_and_appends_nothing(
        sqlite_site: Site, fields, problem) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()

    response = post_form(client, ADD, fields)

    assert response.status_code == 422
    assert problem in response.text
    assert 'aria-invalid="true"' in response.text  # the field is marked
    assert sqlite_site.log_length() == before


def test_the_forms_are_only_for_those_the_rules_let_act(sqlite_site: Site) -> None:
    before = sqlite_site.log_length()
    member = client_of(sqlite_site, "ivan")
    for page in (ADD, f"{MEMBERS}/members/ana/role", f"{MEMBERS}/members/ana/leave"):
        assert member.get(page).status_code == 403, page
    token = csrf_of(member.get(MEMBERS).text)
    assert member.post(ADD, data={"csrf_token": token, "member_id": "mila",
                                  "role": "facilitator"}).status_code == 403
    # A coordinator of the network reads the community but holds no role in it.
    coordinator = client_of(sqlite_site, "vera")
    for page in (ADD, f"{MEMBERS}/members/ivan/role", f"{MEMBERS}/members/ivan/leave"):
        assert coordinator.get(page).status_code == 403, page
    assert sqlite_site.log_length() == before


def test_a_form_sent_again_with_other_fields_after_its_person_left_is_refused_in_words(
        sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    page = f"{MEMBERS}/members/ivan/leave"
    token, key, _ = form_of(client, page)
    assert client.post(page, data={"csrf_token": token, "idempotency_key": key}).status_code \
        == 302
    before = sqlite_site.log_length()
    again = client.post(page, data={"csrf_token": token, "idempotency_key": key,
                                    "occurred_at": "2025-01-01T10:00"})
    assert again.status_code == 422 and 'role="alert"' in again.text
    assert "Remove ivan from the community" in again.text  # the id: he is no member now
    assert sqlite_site.log_length() == before


def test_a_double_post_adds_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    token, key, _ = form_of(client, ADD)
    before = sqlite_site.log_length()
    body = {"csrf_token": token, "idempotency_key": key, "member_id": "mila", "role": "member"}

    first, second = client.post(ADD, data=body), client.post(ADD, data=body)

    assert first.status_code == second.status_code == 302
    assert sqlite_site.log_length() == before + 1


def test_a_facilitator_changes_a_role_and_the_last_facilitator_cannot_step_down(
        sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()

    alone = post_form(client, f"{MEMBERS}/members/ana/role", {"to_role": "member"})
    assert alone.status_code == 422 and "facilitator" in alone.text
    assert sqlite_site.log_length() == before

    _, _, form = form_of(client, f"{MEMBERS}/members/ivan/role")
    assert re.findall(r'<option (?:selected )?value="(\w+)"',
                      form.split('name="to_role"')[1].split("</select>")[0]) == \
        ["facilitator", "coordinator"]  # not the role he has
    assert post_form(client, f"{MEMBERS}/members/ivan/role",
                     {"to_role": "facilitator"}).status_code == 302
    event = last_event(sqlite_site)
    assert (event.type, event.member_id, event.from_role, event.to_role) == \
        ("RoleChanged", "ivan", "member", "facilitator")

    # Now there are two: ana steps down.
    assert post_form(client, f"{MEMBERS}/members/ana/role",
                     {"to_role": "member"}).status_code == 302
    assert (role_of(sqlite_site, "ana"), role_of(sqlite_site, "ivan")) == \
        ("member", "facilitator")


def test_a_member_leaves_and_a_double_click_leaves_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    page = f"{MEMBERS}/members/ivan/leave"
    token, key, form = form_of(client, page)
    assert "Leave CoP Vršac" in form
    before = sqlite_site.log_length()
    body = {"csrf_token": token, "idempotency_key": key}

    first, second = client.post(page, data=body), client.post(page, data=body)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith("/communities")
    assert sqlite_site.log_length() == before + 1
    assert last_event(sqlite_site).type == "MemberLeft"
    assert "You left" in client.get("/communities").text
    assert client.get(MEMBERS).status_code == 403  # no longer his to read


def test_a_facilitator_removes_a_member_and_may_not_leave_alone(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()

    alone = post_form(client, f"{MEMBERS}/members/ana/leave", {})
    assert alone.status_code == 422 and sqlite_site.log_length() == before

    removed = post_form(client, f"{MEMBERS}/members/ivan/leave", {})
    assert removed.status_code == 302
    assert "Ivan no longer belongs to the community." in client.get(MEMBERS).text
    assert role_of(sqlite_site, "ivan") is None


def test_someone_who_does_not_belong_now_has_no_form(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    for action in ("role", "leave"):
        assert client.get(f"{MEMBERS}/members/mila/{action}").status_code == 404
        assert client.get(f"{MEMBERS}/members/nobody/{action}").status_code == 404


# -- founding ------------------------------------------------------------------------------

FOUND = "/found-a-community"


def test_a_member_founds_a_community_and_is_its_first_facilitator(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    assert f'href="{FOUND}"' in client.get("/communities").text
    _, _, form = form_of(client, FOUND)
    networks = re.findall(r'<option (?:selected )?value="([^"]*)"',
                          form.split('name="network"')[1].split("</select>")[0])
    assert networks == ["", "sel-serbia"]  # the networks of his communities
    before = sqlite_site.log_length()

    response = post_form(client, FOUND, {
        "name": " CoP Pančevo ", "domain": "Formative assessment", "network": "sel-serbia",
        "schools": "OŠ Pančevo, OŠ Pančevo, Gimnazija", "mode": "blended",
        "cadence": "monthly"})

    assert response.status_code == 302
    founded, joined = sqlite_site.journey.views.reader.records(
        [before + 1, before + 2])
    assert (founded.event.type, founded.event.name, founded.event.network_id,
            founded.event.schools, founded.event.mode) == \
        ("CommunityFounded", "CoP Pančevo", "sel-serbia", ("OŠ Pančevo", "Gimnazija"),
         "blended")
    community_id = founded.event.community_id
    assert (joined.event.type, joined.event.member_id, joined.event.role,
            joined.event.invited_by) == ("MemberJoined", "ivan", "facilitator", None)
    assert response.headers["Location"].endswith(f"/communities/{community_id}")
    page = client.get(f"/communities/{community_id}").text
    assert "CoP Pančevo is founded, and you are its facilitator." in page
    assert f"/communities/{community_id}/members/add" in page
    assert sqlite_site.log_length() == before + 2


def test_a_double_post_founds_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    token, key, _ = form_of(client, FOUND)
    body = {"csrf_token": token, "idempotency_key": key, "name": "CoP Zrenjanin",
            "domain": "Inclusion"}
    before = sqlite_site.log_length()
    assert client.post(FOUND, data=body).status_code == 302
    assert client.post(FOUND, data=body).status_code == 302
    assert sqlite_site.log_length() == before + 2


def test_a_founding_cut_short_before_the_join_is_completed_by_posting_again(
        sqlite_site: Site, monkeypatch) -> None:
    recorded = founding.record

    def cut_short(event, *args, **kwargs):
        if kwargs.get("key_suffix") == founding.FOUNDER_KEY:
            raise ConnectionError("the process died between the two commands")
        return recorded(event, *args, **kwargs)

    client = client_of(sqlite_site, "ivan")
    token, key, _ = form_of(client, FOUND)
    body = {"csrf_token": token, "idempotency_key": key, "name": "CoP Kikinda",
            "domain": "Inclusion"}
    before = sqlite_site.log_length()
    monkeypatch.setattr(founding, "record", cut_short)
    with pytest.raises(ConnectionError):
        client.post(FOUND, data=body)
    assert sqlite_site.log_length() == before + 1  # founded, nobody joined
    monkeypatch.setattr(founding, "record", recorded)

    assert client.post(FOUND, data=body).status_code == 302
    assert client.post(FOUND, data=body).status_code == 302
    assert sqlite_site.log_length() == before + 2
    assert last_event(sqlite_site).type == "MemberJoined"


def test_a_key_too_long_for_the_founders_join_founds_nothing(sqlite_site: Site) -> None:
    # 196 characters pass for the founding; with ":founder" the join's would not.
    client = client_of(sqlite_site, "ivan")
    token, _, _ = form_of(client, FOUND)
    before = sqlite_site.log_length()
    response = client.post(FOUND, data={"csrf_token": token, "idempotency_key": "k" * 196,
                                         "name": "CoP Sombor", "domain": "Inclusion"})
    assert response.status_code == 422 and 'id="name-errors"' in response.text
    assert sqlite_site.log_length() == before


@pytest.mark.parametrize("fields, problem", [
    ({"name": "", "domain": "Inclusion"}, 'id="name-errors"'),
    ({"name": "CoP", "domain": ""}, 'id="domain-errors"'),
    ({"name": "CoP", "domain": "Inclusion", "network": "mk-net"}, 'id="network-errors"'),
    ({"name": "CoP", "domain": "Inclusion", "mode": "by_pigeon"}, 'id="mode-errors"'),
])
def test_a_refused_founding_is_explained_at_the_form_and_appends_nothing(
        sqlite_site: Site, fields, problem) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(client, FOUND, fields)
    assert response.status_code == 422 and problem in response.text
    assert sqlite_site.log_length() == before


def test_an_account_without_a_member_is_not_offered_founding(sqlite_site: Site) -> None:
    # An admin account acts with the operator's trust, but a community founded by no
    # member would have nobody to be its facilitator.
    client = client_of(sqlite_site, "root")
    assert FOUND not in client.get("/communities").text
    assert client.get(FOUND).status_code == 403
    before = sqlite_site.log_length()
    token = csrf_of(client.get("/communities").text)  # the language picker's form
    assert client.post(FOUND, data={"csrf_token": token, "name": "CoP",
                                    "domain": "Inclusion"}).status_code == 403
    assert sqlite_site.log_length() == before
