"""The community pages over HTTP: who may read them, the forms that record community life,
uploads stored by content hash, as-of replay and the library's search."""
from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from events.uploads import MAX_UPLOAD
from journey.clock import format_time, utcnow
from tests.web.conftest import Site, csrf_of, make_app, seed, sign_in
from web.app import close_app

PAGES = ["", "/norms", "/calendar", "/library", "/plans"]


def client_of(site: Site, who: str):
    client = site.app.test_client()
    assert sign_in(client, who).status_code == 302
    return client


def last_event(site: Site):
    """The last event of the log (type and data), as the store decodes it."""
    store = site.journey.store
    rec = site.journey.views.reader.records([store.last_position()])[0]
    return rec.event


def form_of(client, page: str) -> tuple[str, str, str]:
    """The CSRF token and idempotency key of the form on `page`, and the page."""
    html = client.get(page).text
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', html)
    assert key, "no idempotency key on the form"
    return csrf_of(html), key.group(1), html


def post_form(client, page: str, data: dict, **kwargs):
    token, key, _ = form_of(client, page)
    return client.post(page, data={"csrf_token": token, "idempotency_key": key, **data},
                       **kwargs)


# -- who may read ------------------------------------------------------------------------

def test_anonymous_readers_are_sent_to_sign_in(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    for path in ["/communities", *[f"/communities/vrsac-1{p}" for p in PAGES]]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["ivan", "ana", "vera", "root"])
def test_members_facilitators_coordinators_and_admins_read_the_community(
        sqlite_site: Site, who: str) -> None:
    client = client_of(sqlite_site, who)
    community = "vrsac-1" if who in ("ivan", "ana") else "nis-2"
    for path in PAGES:
        response = client.get(f"/communities/{community}{path}")
        assert response.status_code == 200, (who, path)
        assert response.text.count("<h1") == 1


def test_a_coordinator_reads_the_other_communities_of_the_network(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "vera")
    assert client.get("/communities/vrsac-1").status_code == 200
    assert client.get("/communities/skopje-1").status_code == 403


def test_a_member_of_another_community_is_refused_and_unknown_is_404(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "mila")
    for path in PAGES:
        assert client.get(f"/communities/vrsac-1{path}").status_code == 403
        assert client.get(f"/communities/no-such{path}").status_code == 404
    assert client.get("/communities/vrsac-1/sessions/schedule").status_code == 403
    assert client.get("/communities/vrsac-1/library/share").status_code == 403


def test_the_list_shows_my_communities_with_my_role_grouped_by_network(sqlite_site: Site) -> None:
    ivan = client_of(sqlite_site, "ivan").get("/communities").text
    assert "CoP Vršac" in ivan and "CoP Niš" not in ivan and "Skopje" not in ivan
    assert "Your role: Member" in ivan and "SEL Serbia" in ivan
    vera = client_of(sqlite_site, "vera").get("/communities").text
    assert "CoP Vršac" in vera and "CoP Niš" in vera and "Skopje" not in vera
    root = client_of(sqlite_site, "root").get("/communities").text
    assert all(name in root for name in ("CoP Vršac", "CoP Niš", "Skopje", "North Macedonia"))


def test_the_pages_show_members_roles_calendar_and_library(site: Site) -> None:
    client = client_of(site, "ivan")
    overview = client.get("/communities/vrsac-1").text
    assert "Ana" in overview and "Facilitator" in overview and "since" in overview
    calendar = client.get("/communities/vrsac-1/calendar").text
    assert "Student survey" in calendar and "Workshop" in calendar
    library = client.get("/communities/vrsac-1/library").text
    assert "Survey questions" in library and "Reused 0 times by others" in library


# -- sessions ----------------------------------------------------------------------------

def test_a_facilitator_schedules_cancels_and_records_sessions(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = post_form(client, "/communities/vrsac-1/sessions/schedule", {
        "title": "Parents' workshop", "starts_at": "2030-05-04T17:30", "format": "workshop",
        "planned_leaders": ["ana", "ivan"], "link": "https://meet.example.org/cop"})
    assert response.status_code == 302
    assert sqlite_site.log_length() == before + 1
    scheduled = last_event(sqlite_site)
    assert type(scheduled).__name__ == "SessionScheduled"
    assert scheduled.planned_leaders == ("ana", "ivan")
    assert scheduled.starts_at.startswith("2030-05-04T17:30")  # the account's zone is UTC
    assert scheduled.session_id.startswith("s-")
    calendar = client.get("/communities/vrsac-1/calendar").text
    assert "Parents&#39; workshop" in calendar and "Session scheduled." in calendar

    page = f"/communities/vrsac-1/sessions/record?session_id={scheduled.session_id}"
    form = client.get(page).text
    assert 'value="ivan" checked' in form or 'checked id="leaders-1"' in form or \
        re.search(r'<input checked[^>]*name="leaders"[^>]*value="ivan"', form)
    response = post_form(client, page, {
        "session_id": scheduled.session_id, "title": "Parents' workshop",
        "format": "workshop", "leaders": ["ana", "ivan"], "attendees": ["ivan"]})
    assert response.status_code == 302
    held = last_event(sqlite_site)
    assert type(held).__name__ == "SessionLed"
    assert held.session_id == scheduled.session_id and held.leaders == ("ana", "ivan")
    assert held.attendees == ("ivan",)

    post_form(client, "/communities/vrsac-1/sessions/schedule", {
        "title": "Lesson study", "starts_at": "2030-06-01T10:00", "format": "lesson_study"})
    other = last_event(sqlite_site)
    count = sqlite_site.log_length()
    response = post_form(client, f"/communities/vrsac-1/sessions/{other.session_id}/cancel",
                         {"reason": "School holiday"})
    assert response.status_code == 302
    assert sqlite_site.log_length() == count + 1
    cancelled = last_event(sqlite_site)
    assert type(cancelled).__name__ == "SessionCancelled"
    assert "School holiday" in client.get("/communities/vrsac-1/calendar").text


@pytest.mark.parametrize("page,field,data", [
    ("/communities/vrsac-1/sessions/schedule", "starts_at",
     {"title": "A typo", "format": "workshop"}),
    ("/communities/vrsac-1/sessions/record", "occurred_at",
     {"title": "A typo", "format": "workshop", "leaders": ["ivan"]}),
])
def test_a_year_before_1000_is_refused_in_place_and_shown_as_typed(
        sqlite_site: Site, page: str, field: str, data: dict) -> None:
    sqlite_site.accounts.set_time_zone(sqlite_site.accounts.by_username("ivan").id,
                                       "Europe/Skopje")
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()

    response = post_form(client, page, {**data, field: "0999-01-01T10:00"})

    assert response.status_code == 422 and "RFC 3339" not in response.text
    errors = response.text[response.text.index(f'id="{field}-errors"'):]
    assert errors[:200].count("The year must be 1000 or later: check the year.") == 1
    assert re.search(rf'<input[^>]* name="{field}"[^>]* value="0999-01-01T10:00">',
                     response.text)
    assert sqlite_site.log_length() == before


def test_bad_session_forms_append_nothing_and_show_errors_in_place(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = post_form(client, "/communities/vrsac-1/sessions/schedule", {
        "title": "", "starts_at": "not a time", "format": "dancing", "link": "javascript:x"})
    assert response.status_code == 422
    assert response.text.count('aria-invalid="true"') >= 3
    assert 'id="title-errors"' in response.text and 'id="link-errors"' in response.text

    response = post_form(client, "/communities/vrsac-1/sessions/record", {
        "title": "Observation", "format": "observation"})
    assert response.status_code == 422
    assert "Choose at least one leader." in response.text

    # A leader who is not a member is not a choice at all.
    response = post_form(client, "/communities/vrsac-1/sessions/record", {
        "title": "Observation", "format": "observation", "leaders": ["mila"]})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before


def test_the_domain_refusal_shows_in_place(sqlite_site: Site) -> None:
    # ivan records a session led by ana alone: only a leader may record it (SessionLed rule).
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(client, "/communities/vrsac-1/sessions/record", {
        "title": "Her session", "format": "meeting", "leaders": ["ana"]})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert sqlite_site.log_length() == before


def test_a_reposted_form_appends_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    token, key, _ = form_of(client, "/communities/vrsac-1/sessions/record")
    data = {"csrf_token": token, "idempotency_key": key, "title": "Peer visit",
            "format": "observation", "leaders": ["ivan"]}
    before = sqlite_site.log_length()
    assert client.post("/communities/vrsac-1/sessions/record", data=data).status_code == 302
    assert client.post("/communities/vrsac-1/sessions/record", data=data).status_code == 302
    assert sqlite_site.log_length() == before + 1


def test_a_script_in_a_title_is_shown_as_text(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    post_form(client, "/communities/vrsac-1/sessions/record", {
        "title": "<script>alert(1)</script>", "format": "meeting", "leaders": ["ivan"]})
    page = client.get("/communities/vrsac-1/calendar").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- norms -------------------------------------------------------------------------------

def test_norms_are_agreed_and_earlier_ones_kept(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    page = "/communities/vrsac-1/norms/agree"
    before = sqlite_site.log_length()
    assert post_form(client, page, {"norms": "We listen first\n\nWe start on time\n",
                                    "agreed_by": ["ana", "ivan"]}).status_code == 302
    agreed = last_event(sqlite_site)
    assert type(agreed).__name__ == "NormsAgreed"
    assert agreed.norms == ("We listen first", "We start on time")
    assert agreed.agreed_by == ("ana", "ivan")
    assert post_form(client, page, {"norms": "We share what we try",
                                    "agreed_by": ["ana"]}).status_code == 302
    assert sqlite_site.log_length() == before + 2
    norms = client.get("/communities/vrsac-1/norms").text
    current, earlier = norms.split("Earlier norms")
    assert "We share what we try" in current and "We listen first" in earlier


def test_only_those_the_log_would_accept_are_offered_norms_and_cancelling(
        sqlite_site: Site) -> None:
    site = sqlite_site
    for session_id, planned in (("s-ana", ["ana"]), ("s-ivan", ["ivan"])):
        assert site.post("ana", "SessionScheduled", {
            "community_id": "vrsac-1", "session_id": session_id, "title": f"Plan {session_id}",
            "starts_at": "2099-04-01T15:00:00Z", "format": "meeting",
            "planned_leaders": planned}).status_code == 201

    def cancels(who: str) -> set[str]:
        page = client_of(site, who).get("/communities/vrsac-1/calendar").text
        return set(re.findall(r"/sessions/(s-\w+)/cancel", page))

    def offers_norms(who: str) -> bool:
        page = client_of(site, who).get("/communities/vrsac-1/norms").text
        return "/communities/vrsac-1/norms/agree" in page

    assert cancels("ana") == {"s-ana", "s-ivan"} and offers_norms("ana")  # the facilitator
    assert cancels("ivan") == {"s-ivan"} and not offers_norms("ivan")    # a planned leader


def test_norms_must_include_me_and_a_norm(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = post_form(client, "/communities/vrsac-1/norms/agree",
                         {"norms": "We listen", "agreed_by": ["ivan"]})
    assert response.status_code == 422
    assert "you must be among those agreeing" in response.text
    response = post_form(client, "/communities/vrsac-1/norms/agree",
                         {"norms": "   \n  ", "agreed_by": ["ana"]})
    assert response.status_code == 422
    assert 'id="norms-errors"' in response.text
    # A member (not a facilitator) is refused by the domain rule.
    response = post_form(client_of(sqlite_site, "ivan"), "/communities/vrsac-1/norms/agree",
                         {"norms": "We listen", "agreed_by": ["ivan"]})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before


@pytest.mark.parametrize("page,data,field", [
    ("/communities/vrsac-1/norms/agree", {"norms": "We listen\nWe \x00 start",
                                          "agreed_by": ["ana"]}, "norms"),
    ("/communities/vrsac-1/sessions/schedule", {"title": "Parents\x00", "format": "workshop",
                                                "starts_at": "2030-05-04T17:30",
                                                "planned_leaders": ["ana"]}, "title"),
])
def test_a_nul_in_a_community_form_is_refused_in_place(sqlite_site: Site, page, data,
                                                        field) -> None:
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = post_form(client, page, data)
    assert response.status_code == 422
    assert "contains characters that cannot be stored" in response.text
    assert f'id="{field}-errors"' in response.text
    assert sqlite_site.log_length() == before


# -- resources ---------------------------------------------------------------------------

def test_a_link_is_shared_tag_search_finds_it_and_reuse_counts(sqlite_site: Site) -> None:
    ivan = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(ivan, "/communities/vrsac-1/library/share", {
        "title": "Exit ticket rubric", "kind": "rubric", "tags": "assessment, sel, assessment",
        "url": "https://example.org/rubric"})
    assert response.status_code == 302
    shared = last_event(sqlite_site)
    assert type(shared).__name__ == "ResourceShared"
    assert shared.tags == ("assessment", "sel") and shared.member_id == "ivan"
    assert shared.url == "https://example.org/rubric" and shared.file is None

    found = ivan.get("/communities/vrsac-1/library?tag=assessment").text
    assert "Exit ticket rubric" in found and "Survey questions" not in found
    found = ivan.get("/communities/vrsac-1/library?q=SURVEY").text
    assert "Survey questions" in found and "Exit ticket rubric" not in found

    ana = client_of(sqlite_site, "ana")
    response = post_form(ana, f"/communities/vrsac-1/library/{shared.resource_id}/reuse",
                         {"note": "Used it with grade 6"})
    assert response.status_code == 302
    assert type(last_event(sqlite_site)).__name__ == "ResourceReused"
    assert sqlite_site.log_length() == before + 2
    library = ana.get("/communities/vrsac-1/library?tag=assessment").text
    assert "Reused 1 time by others" in library and "(Ana)" in library


def test_a_resource_needs_a_link_or_a_file_not_both(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(client, "/communities/vrsac-1/library/share",
                         {"title": "Nothing", "kind": "other"})
    assert response.status_code == 422
    assert "either a link or a file" in response.text
    response = post_form(client, "/communities/vrsac-1/library/share", {
        "title": "Both", "kind": "other", "url": "https://example.org/x",
        "file": (io.BytesIO(b"bytes"), "x.txt")}, content_type="multipart/form-data")
    assert response.status_code == 422
    response = post_form(client, "/communities/vrsac-1/library/share",
                         {"title": "Bad kind", "kind": "poem", "url": "ftp://example.org/x"})
    assert response.status_code == 422 and 'id="kind-errors"' in response.text
    assert sqlite_site.log_length() == before
    assert not (sqlite_site.journey.config.instance_dir / "uploads").exists() or not [
        p for p in (sqlite_site.journey.config.instance_dir / "uploads").iterdir()
        if not p.name.startswith(".")]


def upload(client, content: bytes, name: str = "plan.pdf", title: str = "Lesson plan",
           kind: str = "lesson_plan", mimetype: str = "application/pdf"):
    """POST the share form with a file (the body encoded in memory: the test client's own
    temporary file would be left open when the app refuses the body unread)."""
    page = "/communities/vrsac-1/library/share"
    token, key, _ = form_of(client, page)
    boundary, body = encode_multipart({
        "csrf_token": token, "idempotency_key": key, "title": title, "kind": kind,
        "tags": "plans", "file": FileStorage(io.BytesIO(content), name, content_type=mimetype)})
    return client.post(page, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_an_upload_is_stored_by_content_hash_and_downloaded_by_members(site: Site) -> None:
    content = b"%PDF-1.4 a lesson plan about listening\n" * 1000
    digest = hashlib.sha256(content).hexdigest()
    ivan = client_of(site, "ivan")
    assert upload(ivan, content).status_code == 302
    shared = last_event(site)
    assert shared.file == digest
    stored = site.journey.config.instance_dir / "uploads" / digest
    assert stored.read_bytes() == content
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700

    library = client_of(site, "ana").get("/communities/vrsac-1/library").text
    assert f"/files/{digest}" in library
    with client_of(site, "ana").get(f"/files/{digest}") as response:
        assert response.status_code == 200 and response.data == content
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Not a reader of vrsac-1: the file is not there for them.
    assert client_of(site, "mila").get(f"/files/{digest}").status_code == 404
    assert site.app.test_client().get(f"/files/{digest}").status_code == 302
    assert client_of(site, "ana").get("/files/" + "0" * 64).status_code == 404
    assert client_of(site, "ana").get("/files/not-a-hash").status_code == 404


def test_a_relative_instance_folder_serves_its_files(sqlite_url: str, tmp_path,
                                                     monkeypatch) -> None:
    """`make demo` runs with JOURNEY_INSTANCE_DIR=instance: the folder under the working
    directory, wherever the app's code lives."""
    monkeypatch.chdir(tmp_path)
    app = make_app(sqlite_url, Path("instance"))
    try:
        site = Site(app, seed(app))
        content = b"%PDF-1.4 rubric"
        assert upload(client_of(site, "ivan"), content).status_code == 302
        digest = hashlib.sha256(content).hexdigest()
        assert (tmp_path / "instance" / "uploads" / digest).read_bytes() == content
        with client_of(site, "ana").get(f"/files/{digest}") as response:
            assert response.status_code == 200 and response.data == content
    finally:
        close_app(app)


def test_the_same_file_twice_is_stored_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    content = b"the same rubric"
    assert upload(client, content, title="One").status_code == 302
    assert upload(client, content, title="Two", name="copy.pdf").status_code == 302
    uploads = sqlite_site.journey.config.instance_dir / "uploads"
    files = [p for p in uploads.iterdir() if not p.name.startswith(".")
             and not p.name.endswith(".json")]
    assert [p.name for p in files] == [hashlib.sha256(content).hexdigest()]


def test_a_refused_share_leaves_no_file_and_keeps_the_one_already_there(
        sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    uploads = sqlite_site.journey.config.instance_dir / "uploads"
    kept = b"a rubric someone shared"
    assert upload(client, kept, title="Kept").status_code == 302
    before = sorted(p.name for p in uploads.iterdir())
    count = sqlite_site.log_length()

    # A title the log cannot store: refused by the rules after the file was read.
    new = upload(client, b"never shared", title="Bad\x00title")
    same = upload(client, kept, title="Bad\x00title")

    assert new.status_code == same.status_code == 422
    assert sqlite_site.log_length() == count
    assert sorted(p.name for p in uploads.iterdir()) == before  # no file, sidecar or temp
    digest = hashlib.sha256(kept).hexdigest()
    with client_of(sqlite_site, "ana").get(f"/files/{digest}") as response:
        assert response.status_code == 200 and response.data == kept


def test_html_uploads_are_served_as_bytes(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    content = b"<html><script>alert(1)</script></html>"
    assert upload(client, content, name="x.html", mimetype="text/html").status_code == 302
    with client.get(f"/files/{hashlib.sha256(content).hexdigest()}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/octet-stream"


def test_an_upload_over_20_mib_is_refused_with_nothing_stored(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = upload(client, b"x" * (MAX_UPLOAD + 1))
    assert response.status_code == 413
    assert "Too large" in response.text
    # Far over: refused before the body is read.
    response = upload(client, b"x" * (MAX_UPLOAD + 2 * 1024 * 1024))
    assert response.status_code == 413
    assert sqlite_site.log_length() == before
    uploads = sqlite_site.journey.config.instance_dir / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []
    # Exactly 20 MiB is accepted.
    assert upload(client, b"y" * MAX_UPLOAD).status_code == 302
    assert sqlite_site.log_length() == before + 1


def test_other_pages_still_refuse_bodies_over_1_mib(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ana")
    response = post_form(client, "/communities/vrsac-1/norms/agree",
                         {"norms": "x" * (1024 * 1024 + 10), "agreed_by": ["ana"]})
    assert response.status_code == 413


# -- as of -------------------------------------------------------------------------------

def test_as_of_shows_the_notice_and_the_earlier_state(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    time.sleep(0.01)
    moment = format_time(utcnow())
    time.sleep(0.01)
    post_form(client, "/communities/vrsac-1/library/share", {
        "title": "Written later", "kind": "article", "url": "https://example.org/later"})
    now = client.get("/communities/vrsac-1/library").text
    assert "Written later" in now and "History replayed" not in now
    then = client.get(f"/communities/vrsac-1/library?as_of={moment}").text
    assert "History replayed" in then and "Written later" not in then
    assert "Survey questions" in then
    assert "Share a resource" not in then  # no forms on a replayed page
    # A date before the community was recorded: said so, not an error.
    early = client.get("/communities/vrsac-1?as_of=2020-01-01")
    assert early.status_code == 200 and "did not hold this community yet" in early.text
    bad = client.get("/communities/vrsac-1?as_of=yesterday")
    assert bad.status_code == 200 and "is not a date" in bad.text


def test_action_plans_show_steps_owners_and_progress(sqlite_site: Site) -> None:
    response = sqlite_site.post("ivan", "ActionPlanCreated", {
        "community_id": "vrsac-1", "plan_id": "p-1",
        "inquiry_question": "How do we hear quiet students?", "involves": ["students"],
        "steps": [{"step_id": "st-1", "title": "Survey the class", "owners": ["ivan"],
                   "due_on": "2024-04-01"},
                  {"step_id": "st-2", "title": "Talk with parents", "owners": ["ana"]}]})
    assert response.status_code == 201, response.json
    assert sqlite_site.post("ivan", "ActionStepCompleted", {
        "community_id": "vrsac-1", "plan_id": "p-1", "step_id": "st-1",
        "member_ids": ["ivan"], "outcome": "Done in March"},
        occurred_at="2024-03-02T10:00:00Z").status_code == 201
    page = client_of(sqlite_site, "ivan").get("/communities/vrsac-1/plans").text
    assert "How do we hear quiet students?" in page
    assert '<progress max="2" value="1"' in page and "1 of 2 steps done" in page
    assert "Survey the class" in page and "Talk with parents" in page
    assert "Involves: students" in page


def test_the_upload_form_still_checks_its_csrf_token(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = client.post("/communities/vrsac-1/library/share", data={
        "title": "No token", "kind": "link", "url": "https://example.org/x"})
    assert response.status_code == 422
    assert "The form expired" in response.text
    assert sqlite_site.log_length() == before


# -- action plans ------------------------------------------------------------------------

START_PLAN = "/communities/vrsac-1/plans/start"


def plan_rows(*rows: dict, field: str = "steps") -> dict:
    """Form data for step rows: row n's title, owners and due date (rows not given: blank)."""
    data: dict = {}
    for index, row in enumerate(rows):
        data[f"{field}-{index}-title"] = row.get("title", "")
        data[f"{field}-{index}-owners"] = row.get("owners", [])
        data[f"{field}-{index}-due_on"] = row.get("due_on", "")
    return data


def start_a_plan(site: Site, client, question: str = "How do we hear quiet students?"):
    """ivan's plan of two steps, started through the form; returns the event."""
    response = post_form(client, START_PLAN, {
        "inquiry_question": question, "involves": ["students", "parents"],
        **plan_rows({"title": "Survey the class", "owners": ["ivan"], "due_on": "2030-04-01"},
                    {}, {"title": "Talk with parents", "owners": ["ana", "ivan"]})})
    assert response.status_code == 302, response.text
    created = last_event(site)
    assert type(created).__name__ == "ActionPlanCreated"
    return created, response


def test_a_member_starts_a_plan_and_it_shows_with_its_steps_and_owners(
        sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    empty = client.get("/communities/vrsac-1/plans").text
    assert f'href="{START_PLAN}"' in empty  # the empty state leads to the form
    before = sqlite_site.log_length()

    created, response = start_a_plan(sqlite_site, client)

    assert sqlite_site.log_length() == before + 1
    location = response.headers["Location"]
    assert location.endswith(f"/communities/vrsac-1/plans#plan-{created.plan_id}")
    assert created.plan_id.startswith("p-")
    assert created.inquiry_question == "How do we hear quiet students?"
    assert created.involves == ("students", "parents")
    # The blank row between the two is no step.
    assert [(s.title, s.owners, s.due_on) for s in created.steps] == [
        ("Survey the class", ("ivan",), "2030-04-01"),
        ("Talk with parents", ("ana", "ivan"), None)]
    assert len({s.step_id for s in created.steps}) == 2
    page = client.get(location).text
    assert "Action plan started." in page and f'id="plan-{created.plan_id}"' in page
    assert "How do we hear quiet students?" in page and "0 of 2 steps done" in page
    assert "Involves: students, parents" in page
    survey = page[page.index("Survey the class"):page.index("Talk with parents")]
    assert "Ivan" in survey and "Ana" not in survey
    # Each owner is led from their open step to the form that completes it.
    survey_step, parents_step = created.steps
    for step, owned_by_ana in ((survey_step, False), (parents_step, True)):
        link = f"/record/step?step=vrsac-1%7C{created.plan_id}%7C{step.step_id}"
        assert link in page
        assert (link in client_of(sqlite_site, "ana").get("/communities/vrsac-1/plans").text) \
            == owned_by_ana
    assert f"/communities/vrsac-1/plans/{created.plan_id}/revise" in page


def test_a_titleless_row_with_owners_is_an_error_at_that_row(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(client, START_PLAN, {
        "inquiry_question": "How do we hear quiet students?",
        **plan_rows({"title": "Survey the class", "owners": ["ivan"]},
                    {"title": "  ", "owners": ["ana"]}, {"due_on": "2030-05-01"})})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before
    for row in (1, 2):
        assert f'id="steps-{row}-title-errors"' in response.text
        assert f'aria-describedby="steps-{row}-title-errors"' in response.text
    assert 'id="steps-0-title-errors"' not in response.text
    assert "Say what is to be done" in response.text
    # What was typed is kept.
    assert 'value="Survey the class"' in response.text


def test_a_plan_needs_a_step_with_an_owner(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    response = post_form(client, START_PLAN, {"inquiry_question": "Why?", **plan_rows({}, {})})
    assert response.status_code == 422
    assert 'id="steps-0-title-errors"' in response.text and "at least one step" in response.text
    response = post_form(client, START_PLAN, {"inquiry_question": "Why?",
                                              **plan_rows({"title": "Ask"})})
    assert response.status_code == 422
    assert 'id="steps-0-owners-errors"' in response.text
    assert sqlite_site.log_length() == before


def test_an_owner_who_was_not_yet_a_member_is_refused_at_that_row(sqlite_site: Site) -> None:
    # ana records a plan as of 20 January 2024: ivan joined two days later.
    client = client_of(sqlite_site, "ana")
    before = sqlite_site.log_length()
    response = post_form(client, START_PLAN, {
        "inquiry_question": "How do we hear quiet students?", "occurred_at": "2024-01-20T10:00",
        **plan_rows({}, {"title": "Survey the class", "owners": ["ana"]},
                    {"title": "Talk with parents", "owners": ["ivan"]})})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before
    errors = response.text[response.text.index('id="steps-2-owners-errors"'):]
    assert "ivan" in errors[:300]
    assert 'id="steps-1-owners-errors"' not in response.text


def test_a_double_posted_plan_is_started_once(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    token, key, _ = form_of(client, START_PLAN)
    data = {"csrf_token": token, "idempotency_key": key, "inquiry_question": "Why?",
            **plan_rows({"title": "Ask the students", "owners": ["ivan"]})}
    before = sqlite_site.log_length()
    first = client.post(START_PLAN, data=data)
    second = client.post(START_PLAN, data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert sqlite_site.log_length() == before + 1


def test_who_is_not_a_member_is_not_offered_or_let_start_a_plan(sqlite_site: Site) -> None:
    mila = client_of(sqlite_site, "mila")  # a member of another community
    assert mila.get(START_PLAN).status_code == 403
    # vera coordinates the network: she reads the community, but plans are its members'.
    vera = client_of(sqlite_site, "vera")
    assert START_PLAN not in vera.get("/communities/vrsac-1/plans").text
    assert vera.get(START_PLAN).status_code == 403
    before = sqlite_site.log_length()
    token = csrf_of(vera.get("/communities/vrsac-1/plans").text)
    response = vera.post(START_PLAN, data={"csrf_token": token, "inquiry_question": "Why?",
                                           **plan_rows({"title": "Ask", "owners": ["ivan"]})})
    assert response.status_code == 403
    assert sqlite_site.log_length() == before
    created, _ = start_a_plan(sqlite_site, client_of(sqlite_site, "ivan"))
    for reader in (mila, vera):
        assert reader.get(f"/communities/vrsac-1/plans/{created.plan_id}/revise"
                          ).status_code == 403
    assert client_of(sqlite_site, "ivan").get(
        "/communities/vrsac-1/plans/no-such/revise").status_code == 404


def test_a_revision_adds_and_drops_steps_and_changes_the_question(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    created, _ = start_a_plan(sqlite_site, client)
    survey, parents = created.steps
    page = f"/communities/vrsac-1/plans/{created.plan_id}/revise"
    form = client.get(page).text
    assert "How do we hear quiet students?</textarea>" in form  # the question as it stands
    assert 'value="%s"' % parents.step_id in form
    before = sqlite_site.log_length()

    response = post_form(client, page, {
        "inquiry_question": "How do quiet students want to be heard?",
        "steps_dropped": [parents.step_id], "note": "Parents come in spring instead.",
        **plan_rows({}, {"title": "Class council", "owners": ["ivan"]}, field="steps_added")})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#plan-{created.plan_id}")
    assert sqlite_site.log_length() == before + 1
    revised = last_event(sqlite_site)
    assert type(revised).__name__ == "ActionPlanRevised"
    assert revised.inquiry_question == "How do quiet students want to be heard?"
    assert revised.steps_dropped == (parents.step_id,)
    assert [(s.title, s.owners) for s in revised.steps_added] == [("Class council", ("ivan",))]
    assert revised.note == "Parents come in spring instead."
    plans = client.get("/communities/vrsac-1/plans").text
    assert "Action plan revised." in plans
    assert "How do quiet students want to be heard?" in plans
    assert "Class council" in plans and "0 of 2 steps done" in plans and "1 dropped" in plans
    # The plan's history says who revised it, what changed and why.
    history = plans[plans.index('class="plan-revisions"'):].split("</details>")[0]
    assert "1 revision</summary>" in history and "Ivan" in history
    assert ("the question became “How do quiet students want to be heard?”; 1 step added; "
            "1 step dropped. <q>Parents come in spring instead.</q>") in history


def test_a_revision_that_leaves_the_plan_as_it_is_is_refused(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    created, _ = start_a_plan(sqlite_site, client)
    page = f"/communities/vrsac-1/plans/{created.plan_id}/revise"
    before = sqlite_site.log_length()
    response = post_form(client, page, {"inquiry_question": created.inquiry_question,
                                        **plan_rows({}, field="steps_added")})
    assert response.status_code == 422 and 'role="alert"' in response.text
    assert "leaves plan" in response.text and "as it is" in response.text
    assert sqlite_site.log_length() == before


def test_dropping_the_last_step_is_refused_in_words_at_the_form(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    created, _ = start_a_plan(sqlite_site, client)
    page = f"/communities/vrsac-1/plans/{created.plan_id}/revise"
    before = sqlite_site.log_length()
    response = post_form(client, page, {"inquiry_question": created.inquiry_question,
                                        "steps_dropped": [s.step_id for s in created.steps]})
    assert response.status_code == 422
    assert sqlite_site.log_length() == before
    errors = response.text[response.text.index('id="steps_dropped-errors"'):]
    assert "drops every step" in errors[:300]
    assert 'aria-describedby="steps_dropped-errors"' in response.text


def test_a_completed_step_is_not_offered_to_drop(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    created, _ = start_a_plan(sqlite_site, client)
    survey, parents = created.steps
    assert sqlite_site.post("ivan", "ActionStepCompleted", {
        "community_id": "vrsac-1", "plan_id": created.plan_id, "step_id": survey.step_id,
        "member_ids": ["ivan"], "outcome": "Done"},
        occurred_at=format_time(utcnow())).status_code == 201
    form = client.get(f"/communities/vrsac-1/plans/{created.plan_id}/revise").text
    assert f'value="{parents.step_id}"' in form and f'value="{survey.step_id}"' not in form


def test_a_replayed_plans_page_offers_no_forms(sqlite_site: Site) -> None:
    client = client_of(sqlite_site, "ivan")
    time.sleep(0.01)
    moment = format_time(utcnow())
    time.sleep(0.01)
    created, _ = start_a_plan(sqlite_site, client)
    now = client.get("/communities/vrsac-1/plans").text
    assert START_PLAN in now and f"/plans/{created.plan_id}/revise" in now
    then = client.get(f"/communities/vrsac-1/plans?as_of={moment}").text
    assert "History replayed" in then
    assert "No action plan yet." in then and START_PLAN not in then
    later = client.get(f"/communities/vrsac-1/plans?as_of={format_time(utcnow())}").text
    assert "How do we hear quiet students?" in later
    assert START_PLAN not in later and "/revise" not in later
