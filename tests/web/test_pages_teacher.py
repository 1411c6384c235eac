"""The teacher's pages over HTTP: home, portfolio, record forms and share links.

On the seeded story of tests/web/conftest.py: ivan (a teacher of vrsac-1) wrote a private
and a community reflection; mila belongs to another community; ana facilitates vrsac-1;
vera coordinates in the same network; root is an admin without a member.
"""
from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta
from urllib.parse import quote

import pytest

from events.share_links import ShareLinks
from journey.clock import UTC, format_time, utcnow
from tests.browser.test_language import translated
from tests.web.conftest import (COMMUNITY_TEXT, PRIVATE_TEXT, SESSION_POSITION, STORY, csrf_of,
                                sign_in)


def signed(site, name: str):
    client = site.client
    sign_in(client, name)
    return client


def key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"',
                  html)
    assert found, "no idempotency key on the page"
    return found.group(1)


def form_post(client, path: str, fields: dict, page: str | None = None):
    html = client.get(page or path).text
    data = {"csrf_token": csrf_of(html), "idempotency_key": key_of(html), **fields}
    return client.post(path, data=data)


# -- home ---------------------------------------------------------------------------------

def test_home_welcomes_a_visitor_with_a_sign_in_link(sqlite_site):
    page = sqlite_site.client.get("/")
    assert page.status_code == 200
    assert "/auth/login" in page.text
    assert "communities of practice" in page.text


def test_home_shows_my_communities_steps_and_upcoming_sessions(sqlite_site):
    soon = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sqlite_site.post("ivan", "ActionPlanCreated", {
        "community_id": "vrsac-1", "plan_id": "p-home", "inquiry_question": "How do students feel?",
        "steps": [{"step_id": "st-1", "title": "Run the parents' workshop", "owners": ["ivan"],
                   "due_on": "2024-05-01"}]}).status_code == 201
    assert sqlite_site.post("ana", "SessionScheduled", {
        "community_id": "vrsac-1", "session_id": "s-next", "starts_at": soon,
        "title": "Lesson study round two", "format": "lesson_study"}).status_code == 201
    assert sqlite_site.post("ana", "SessionScheduled", {
        "community_id": "vrsac-1", "session_id": "s-off", "starts_at": soon,
        "title": "Cancelled meeting", "format": "meeting"}).status_code == 201
    assert sqlite_site.post("ana", "SessionCancelled", {
        "community_id": "vrsac-1", "session_id": "s-off"}).status_code == 201
    page = signed(sqlite_site, "ivan").get("/")
    assert page.status_code == 200
    assert "CoP Vršac" in page.text
    assert "Run the parents&#39; workshop" in page.text
    assert "Lesson study round two" in page.text
    assert "Cancelled meeting" not in page.text
    assert "Student survey" in page.text  # a session held lately


# -- portfolio: who sees what ---------------------------------------------------------------

def test_my_portfolio_shows_my_private_reflection_and_badges(sqlite_site):
    page = signed(sqlite_site, "ivan").get("/portfolio")
    assert page.status_code == 200
    assert PRIVATE_TEXT in page.text and COMMUNITY_TEXT in page.text
    assert "First session" in page.text  # ana's recognition
    assert "/ob/v2/assertions/aw-1" in page.text
    assert 'href="#entry-' in page.text and 'id="entry-' in page.text
    assert "<svg" in page.text  # the tier path
    assert "/record/correct?entry=" in page.text  # his own entries can be corrected
    assert "/record/correct?entry=" not in signed(sqlite_site, "ana").get(
        "/members/ivan/portfolio").text


def test_another_teacher_gets_403_and_never_sees_the_private_text(sqlite_site):
    client = signed(sqlite_site, "mila")
    assert client.get("/members/ivan/portfolio").status_code == 403
    assert client.get("/members/ivan/portfolio/print").status_code == 403
    for path in ("/", "/portfolio", "/record", "/portfolio/print"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert PRIVATE_TEXT not in page.text, path


def test_facilitator_and_coordinator_read_the_portfolio_without_private_reflections(sqlite_site):
    for name in ("ana", "vera"):
        page = signed(sqlite_site, name).get("/members/ivan/portfolio")
        assert page.status_code == 200, name
        assert PRIVATE_TEXT not in page.text
        assert "Student survey" in page.text
    assert COMMUNITY_TEXT in signed(sqlite_site, "ana").get("/members/ivan/portfolio").text


def test_unknown_member_is_404_and_an_admin_without_member_has_no_own_portfolio(sqlite_site):
    client = signed(sqlite_site, "ivan")
    assert client.get("/members/nobody/portfolio").status_code == 404
    root = signed(sqlite_site, "root")
    assert root.get("/portfolio").status_code == 404
    assert root.get("/portfolio/archive.json").status_code == 404
    admin_view = root.get("/members/ivan/portfolio")
    assert admin_view.status_code == 200 and PRIVATE_TEXT not in admin_view.text


def test_one_reuse_of_my_resource_is_said_in_the_singular(sqlite_site):
    assert sqlite_site.post("ana", "ResourceReused", {
        "community_id": "vrsac-1", "resource_id": "r-1", "member_id": "ana",
        "note": "Ran it with my class."}).status_code == 201
    page = signed(sqlite_site, "ivan").get("/portfolio").text
    assert "reused 1 time by colleagues" in page
    assert "1 times" not in page


def _timeline_label(html: str, position: int) -> str:
    found = re.search(rf'<li id="entry-{position}">.*?<strong>(.*?)</strong>', html, re.S)
    assert found, f"no timeline entry {position}"
    return found.group(1)


def test_the_timeline_names_the_members_part_in_feedback_and_recognitions(sqlite_site):
    # ana gave ivan feedback and awarded him a recognition: in her timeline both are what
    # she gave, in his what he received, never the other way round.
    assert sqlite_site.post("ana", "FeedbackGiven", {
        "community_id": "vrsac-1", "from_member_id": "ana", "to_member_id": "ivan",
        "about_kind": "session", "about_id": "s-1",
        "text": "Your survey opened the meeting up."}).status_code == 201
    feedback = sqlite_site.log_length()
    assert sqlite_site.post("ana", "RecognitionAwarded", {
        "award_id": "aw-given", "community_id": "vrsac-1", "member_id": "ivan",
        "badge_id": "b-1", "awarded_by": "ana", "evidence": [SESSION_POSITION]}).status_code == 201
    award = sqlite_site.log_length()
    for path in ("/portfolio", "/portfolio/print"):
        hers = signed(sqlite_site, "ana").get(path).text
        assert _timeline_label(hers, feedback) == "Feedback given", path
        assert _timeline_label(hers, award) == "Recognition given", path
        his = signed(sqlite_site, "ivan").get(path).text
        assert _timeline_label(his, feedback) == "Feedback received", path
        assert _timeline_label(his, award) == "Recognition received", path


def test_signed_out_visitors_are_sent_to_sign_in(sqlite_site):
    client = sqlite_site.client
    for path in ("/portfolio", "/record", "/record/reflect", "/portfolio/share",
                 "/members/ivan/portfolio"):
        assert client.get(path).status_code in (302, 401), path


def test_filters_keep_only_what_is_asked_and_a_bad_date_says_so_in_place(sqlite_site):
    client = signed(sqlite_site, "ivan")
    page = client.get("/portfolio?kind=resource")
    timeline = page.text.split('id="p-timeline"')[1]
    assert "Survey questions" in timeline and "Student survey" not in timeline
    bad = client.get("/portfolio?from=someday")
    assert bad.status_code == 400
    assert 'id="filter-error"' in bad.text and 'aria-invalid="true"' in bad.text
    backwards = client.get("/portfolio?from=2025-01-01&to=2024-01-01")
    assert backwards.status_code == 400
    assert 'id="filter-error"' in backwards.text
    assert "the window ends (2024-01-01) before it starts (2025-01-01)" in backwards.text


def test_a_refused_filter_keeps_every_choice_in_the_form(sqlite_site):
    """The dates are refused and the timeline is shown unfiltered, but the form keeps what
    was chosen (community and kind too), so only the dates need correcting."""
    page = signed(sqlite_site, "ivan").get(
        "/portfolio?community=vrsac-1&kind=resource&from=2025-01-01&to=2024-01-01")
    assert page.status_code == 400 and 'id="filter-error"' in page.text
    form = page.text.split('id="f-community"')[1].split("</form>")[0]
    assert re.search(r'<option value="vrsac-1" selected>', form)
    assert re.search(r'<option value="resource" selected>', form)
    assert 'id="f-from" type="date" name="from" value="2025-01-01"' in form


def _entries(html: str) -> list[int]:
    """The positions of the timeline entries a page shows, in the page's order."""
    timeline = html.split('id="p-timeline"')[1]
    return [int(p) for p in re.findall(r'<li id="entry-(\d+)"', timeline)]


def _links(html: str) -> dict[str, str]:
    """The pager's links by their rel (prev: later entries, next: earlier ones)."""
    return {rel: href.replace("&amp;", "&") for href, rel in
            re.findall(r'<a href="([^"]+)" rel="(prev|next)"', html)}


def test_a_long_timeline_comes_a_page_at_a_time_and_the_pages_tile_it(sqlite_site, monkeypatch):
    import web.pages.portfolio as pages

    client = signed(sqlite_site, "ivan")
    everything = _entries(client.get("/portfolio").text)
    assert len(everything) == 6 and 'class="pager' not in client.get("/portfolio").text
    monkeypatch.setattr(pages, "PAGE_ENTRIES", 4)  # two pages: 4 entries, then the 2 oldest

    latest = client.get("/portfolio")
    assert latest.status_code == 200
    assert "Entries 1 to 4 of 6, the latest first." in latest.text
    assert _entries(latest.text) == everything[:4] and "prev" not in _links(latest.text)
    seen, page = [], latest.text
    while True:  # back through the pages, then forward again
        seen += _entries(page)
        if "next" not in _links(page):
            break
        page = client.get(_links(page)["next"]).text
    # Every entry on exactly one page: the oldest page holds only what is left.
    assert seen == everything
    assert "Entries 5 to 6 of 6" in page and _entries(page) == everything[4:]
    assert _entries(client.get(_links(page)["prev"]).text) == everything[:4]  # the latest

    oldest = everything[-1]
    assert _entries(client.get(f"/portfolio?entry={oldest}").text) == everything[4:]


def test_walking_the_pages_both_ways_shows_each_entry_once(sqlite_site, monkeypatch):
    """Any number of entries and page size: Earlier from the latest page and Later from
    the oldest meet the same pages, which hold every entry once."""
    import web.pages.portfolio as pages

    client = signed(sqlite_site, "ivan")
    everything = _entries(client.get("/portfolio").text)
    for size in range(1, len(everything) + 1):
        monkeypatch.setattr(pages, "PAGE_ENTRIES", size)
        back, page = [], client.get("/portfolio").text
        while True:
            back.append(_entries(page))
            if "next" not in _links(page):
                break
            page = client.get(_links(page)["next"]).text
        forth = [_entries(page)]
        while "prev" in _links(page):
            page = client.get(_links(page)["prev"]).text
            forth.append(_entries(page))
        assert [e for entries in back for e in entries] == everything, size
        assert forth == back[::-1], size


def test_the_pages_keep_the_filters_and_a_bad_page_says_so(sqlite_site, monkeypatch):
    import web.pages.portfolio as pages

    monkeypatch.setattr(pages, "PAGE_ENTRIES", 1)
    client = signed(sqlite_site, "ivan")
    page = client.get("/portfolio?kind=resource&kind=reflection")
    earlier = _links(page.text)["next"]
    assert "kind=resource" in earlier and "kind=reflection" in earlier
    assert "timeline_offset=" in earlier
    for bad in ("abc", "-1", "1.5", "١"):
        refused = client.get(f"/portfolio?timeline_offset={bad}")
        assert refused.status_code == 400, bad
        assert "is not a place in the timeline; showing the latest entries." in refused.text
        assert _entries(refused.text) == _entries(client.get("/portfolio").text)


def test_an_offset_past_the_end_says_so_and_shows_the_latest_page(sqlite_site, monkeypatch):
    import web.pages.portfolio as pages

    monkeypatch.setattr(pages, "PAGE_ENTRIES", 2)
    client = signed(sqlite_site, "ivan")
    latest = client.get("/portfolio").text
    total = int(re.search(r"Entries 1 to 2 of (\d+)", latest).group(1))
    for past in (str(total), "99999999"):
        refused = client.get(f"/portfolio?kind=&timeline_offset={past}")
        assert refused.status_code == 400, past
        assert f"“{past}” is past the end of the timeline; showing the latest entries." \
            in refused.text
        assert f"Entries 1 to 2 of {total}" in refused.text
        assert _entries(refused.text) == _entries(latest)
    last = client.get(f"/portfolio?timeline_offset={total - 1}")
    assert last.status_code == 200 and "past the end" not in last.text


def test_evidence_on_another_page_links_to_the_page_that_holds_it(sqlite_site, monkeypatch):
    import web.pages.portfolio as pages

    monkeypatch.setattr(pages, "PAGE_ENTRIES", 1)
    client = signed(sqlite_site, "ivan")
    html = client.get("/portfolio").text
    evidence = re.findall(r'href="/portfolio\?entry=(\d+)#entry-\1"', html)
    assert evidence, "ana's recognition of ivan has evidence on an earlier page"
    target = int(evidence[0])
    assert target in _entries(client.get(f"/portfolio?entry={target}").text)


def test_as_of_shows_the_notice_and_a_bad_as_of_is_explained(sqlite_site):
    client = signed(sqlite_site, "ivan")
    before = datetime.now(UTC).date() - timedelta(days=1)
    page = client.get(f"/portfolio?as_of={before.isoformat()}")
    assert page.status_code == 200 and "as-of-notice" in page.text
    assert PRIVATE_TEXT not in page.text  # nothing was recorded yesterday
    bad = client.get("/portfolio?as_of=31.12.")
    assert bad.status_code == 200 and 'id="as-of-error"' in bad.text


def test_a_replayed_timeline_offers_no_correcting_or_retracting(sqlite_site):
    """A replay shows entries as they stood: one since corrected or retracted would be
    acted on from its past text, so, like the visibility forms, the links are not offered."""
    moment = format_time(utcnow())
    time.sleep(0.01)
    assert sqlite_site.post("ivan", "EntryRetracted", {
        "position": SESSION_POSITION + 1, "retracted_by": "ivan",
        "reason": "shared in the wrong community"}).status_code == 201
    client = signed(sqlite_site, "ivan")
    now = client.get("/portfolio").text
    assert "/record/retract?entry=" in now and "/record/correct?entry=" in now
    then = client.get(f"/portfolio?as_of={quote(moment)}")
    assert then.status_code == 200 and "as-of-notice" in then.text
    assert f'id="entry-{SESSION_POSITION + 1}"' in then.text  # the retracted resource, then
    assert "/record/retract?entry=" not in then.text
    assert "/record/correct?entry=" not in then.text


def test_print_view_has_no_navigation(sqlite_site):
    page = signed(sqlite_site, "ivan").get("/portfolio/print")
    assert page.status_code == 200
    assert "Portfolio of Ivan" in page.text and PRIVATE_TEXT in page.text
    assert 'aria-label="Main"' not in page.text and "site-header" not in page.text


def _summary_of(html: str, position: int) -> str:
    """The summary line of the timeline entry at `position`."""
    start = html.index(f'<li id="entry-{position}">')
    item = html[start:html.index("</li>", start)]
    return item.split("<br>")[1].strip()


@pytest.mark.parametrize("code", ["mk", "sr_Latn", "tr"])
def test_the_role_of_a_membership_entry_reads_in_the_page_language(sqlite_site, code):
    """The summary of MemberJoined and RoleChanged is a role, a word of the schema."""
    joined = 1 + [(type(e).__name__, getattr(e, "member_id", None))
                  for _, e in STORY].index(("MemberJoined", "ivan"))
    changed = sqlite_site.post("ana", "RoleChanged", {
        "community_id": "vrsac-1", "member_id": "ivan", "from_role": "member",
        "to_role": "facilitator"})
    assert changed.status_code == 201, changed.get_json()
    sqlite_site.accounts.set_language(sqlite_site.accounts.by_username("ivan").id, code)
    page = signed(sqlite_site, "ivan").get("/portfolio").text
    assert _summary_of(page, joined) == translated(code, "member")
    assert _summary_of(page, sqlite_site.log_length()) == translated(code, "facilitator")


def test_archive_downloads_as_an_attachment_of_my_own(sqlite_site):
    answer = signed(sqlite_site, "ivan").get("/portfolio/archive.json")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    body = json.loads(answer.data)
    assert body["archive"] == "journey-portfolio" and body["member"]["member_id"] == "ivan"
    assert any(n["text"] == PRIVATE_TEXT for n in body["reflections"])


def test_reflection_text_is_escaped(sqlite_site):
    hostile = '<script>alert("x")</script><b>bold</b>'
    client = signed(sqlite_site, "ivan")
    done = form_post(client, "/record/reflect", {"text": hostile, "visibility": "private"})
    assert done.status_code == 302
    page = client.get("/portfolio").text
    assert hostile not in page
    assert "&lt;script&gt;alert(" in page


# -- record: reflect ----------------------------------------------------------------------

def test_reflect_appends_one_event_and_shows_it_in_my_portfolio(sqlite_site):
    client = signed(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    done = form_post(client, "/record/reflect", {
        "text": "Parents came to the workshop.", "visibility": "community",
        "community": "vrsac-1", "value_cycle": "applied", "prompt": "What changed?"})
    assert done.status_code == 302 and "/portfolio" in done.headers["Location"]
    assert sqlite_site.log_length() == before + 1
    assert "Parents came to the workshop." in client.get("/portfolio").text
    assert "Parents came to the workshop." in signed(sqlite_site, "ana").get(
        "/members/ivan/portfolio").text


def test_a_private_reflection_stays_mine(sqlite_site):
    secret = "I doubt my survey questions."
    client = signed(sqlite_site, "ivan")
    assert form_post(client, "/record/reflect", {"text": secret, "visibility": "private",
                                                 "community": "vrsac-1"}).status_code == 302
    assert secret in client.get("/portfolio").text
    for name in ("ana", "vera", "root"):
        assert secret not in signed(sqlite_site, name).get("/members/ivan/portfolio").text


def test_a_bad_reflection_appends_nothing_and_shows_errors_in_place(sqlite_site):
    client = signed(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    empty = form_post(client, "/record/reflect", {"text": "", "visibility": "private"})
    assert empty.status_code == 422
    assert 'id="text-errors"' in empty.text and 'aria-invalid="true"' in empty.text
    # A community reflection needs a community: the domain refuses, shown beside the form.
    refused = form_post(client, "/record/reflect", {"text": "Shared thought",
                                                    "visibility": "community"})
    assert refused.status_code == 422
    assert 'class="form-error"' in refused.text and "Shared thought" in refused.text
    wrong = form_post(client, "/record/reflect", {"text": "x", "visibility": "everyone"})
    assert wrong.status_code == 422 and 'id="visibility-errors"' in wrong.text
    assert sqlite_site.log_length() == before


UNSTORABLE = "contains characters that cannot be stored (NUL or a lone surrogate)"


@pytest.mark.parametrize("who,path,fields,field", [
    ("ivan", "/record/reflect", {"text": "a\x00b", "visibility": "private"}, "text"),
    ("ivan", "/record/reflect", {"text": "ok", "prompt": "why\x00", "visibility": "private"},
     "prompt"),
    ("ana", "/record/feedback", {"about": "resource|vrsac-1|r-1", "to_member": "ivan",
                                 "text": "a\x00b"}, "text"),
    ("ivan", "/record/retract", {"entry": "RF", "reason": "a\x00b"}, "reason"),
    ("ivan", "/record/correct", {"entry": "RF", "field_name": "text", "value": "a\x00b",
                                 "reason": "typo"}, "value"),
])
def test_a_form_with_a_nul_is_refused_in_place_and_appends_nothing(sqlite_site, who, path,
                                                                     fields, field):
    # The API and import refuse such text: a form must not store what they refuse.
    client = signed(sqlite_site, who)
    if fields.get("entry") == "RF":
        fields = {**fields, "entry": str(_position_of(sqlite_site, "rf-community"))}
    before = sqlite_site.log_length()
    refused = form_post(client, path, fields)
    assert refused.status_code == 422
    assert UNSTORABLE in refused.text and 'id="refusal"' in refused.text
    assert f'id="{field}-errors"' in refused.text
    assert sqlite_site.log_length() == before


@pytest.mark.parametrize("key,problem", [
    ("k" * 201, "must be a non-empty text of at most 200 characters"),
    ("   ", "must be a non-empty text of at most 200 characters"),
    ("web-\x00", "must not contain control characters"),
])
def test_a_form_whose_hidden_key_cannot_be_stored_says_so(sqlite_site, key, problem):
    client = signed(sqlite_site, "ivan")
    html = client.get("/record/reflect").text
    before = sqlite_site.log_length()
    refused = client.post("/record/reflect", data={
        "csrf_token": csrf_of(html), "idempotency_key": key, "text": "Fine words",
        "visibility": "private"})
    assert refused.status_code == 422
    assert f"idempotency_key: {problem}" in refused.text
    assert sqlite_site.log_length() == before


def test_posting_the_same_form_twice_appends_once(sqlite_site):
    client = signed(sqlite_site, "ivan")
    html = client.get("/record/reflect").text
    data = {"csrf_token": csrf_of(html), "idempotency_key": key_of(html),
            "text": "Posted twice by a double click.", "visibility": "private"}
    before = sqlite_site.log_length()
    first = client.post("/record/reflect", data=data)
    second = client.post("/record/reflect", data=data)
    assert first.status_code == second.status_code == 302
    assert sqlite_site.log_length() == before + 1
    assert client.get("/portfolio").text.count("Posted twice by a double click.") == 2  # reflection + timeline


# -- portfolio: visibility ---------------------------------------------------------------

def test_changing_visibility_appends_one_event_and_a_bad_choice_nothing(sqlite_site):
    client = signed(sqlite_site, "ivan")
    before = sqlite_site.log_length()
    done = form_post(client, "/portfolio/visibility", {"reflection_id": "rf-community",
                                                       "visibility": "private"},
                     page="/portfolio")
    assert done.status_code == 302
    assert sqlite_site.log_length() == before + 1
    assert COMMUNITY_TEXT not in signed(sqlite_site, "ana").get("/members/ivan/portfolio").text
    # The private reflection has no community: it cannot become a community one.
    refused = form_post(client, "/portfolio/visibility", {"reflection_id": "rf-private",
                                                          "visibility": "community"},
                        page="/portfolio")
    assert refused.status_code == 422 and 'id="vis-err-rf-private"' in refused.text
    bad = form_post(client, "/portfolio/visibility", {"reflection_id": "rf-private",
                                                      "visibility": "world"},
                    page="/portfolio")
    assert bad.status_code == 422
    assert sqlite_site.log_length() == before + 1


def test_nobody_changes_the_visibility_of_someone_elses_reflection(sqlite_site):
    client = signed(sqlite_site, "mila")
    before = sqlite_site.log_length()
    html = client.get("/portfolio").text
    refused = client.post("/portfolio/visibility", data={
        "csrf_token": csrf_of(html), "idempotency_key": "web-mila-1",
        "reflection_id": "rf-private", "visibility": "network"})
    assert refused.status_code == 422
    assert sqlite_site.log_length() == before


# -- record: steps, feedback, corrections, retractions ------------------------------------

def _plan(site) -> None:
    assert site.post("ana", "ActionPlanCreated", {
        "community_id": "vrsac-1", "plan_id": "p-1", "inquiry_question": "Do students feel heard?",
        "steps": [{"step_id": "st-a", "title": "Survey the students", "owners": ["ivan"]},
                  {"step_id": "st-b", "title": "Talk to parents", "owners": ["ana"]}]}
    ).status_code == 201


def test_complete_a_step_i_own(sqlite_site):
    _plan(sqlite_site)
    client = signed(sqlite_site, "ivan")
    page = client.get("/record/step").text
    assert "Survey the students" in page and "Talk to parents" not in page
    before = sqlite_site.log_length()
    bad = form_post(client, "/record/step", {"step": "vrsac-1|p-1|st-a", "outcome": "",
                                             "evidence_url": "not a url"})
    assert bad.status_code == 422 and 'id="outcome-errors"' in bad.text
    assert 'id="evidence_url-errors"' in bad.text
    not_mine = form_post(client, "/record/step", {"step": "vrsac-1|p-1|st-b", "outcome": "x"})
    assert not_mine.status_code == 422
    assert sqlite_site.log_length() == before
    done = form_post(client, "/record/step", {"step": "vrsac-1|p-1|st-a",
                                              "outcome": "42 students answered."})
    assert done.status_code == 302 and sqlite_site.log_length() == before + 1
    assert "42 students answered." in client.get("/portfolio").text
    assert "Survey the students" not in client.get("/record/step").text


def test_give_feedback(sqlite_site):
    client = signed(sqlite_site, "ana")
    before = sqlite_site.log_length()
    missing = form_post(client, "/record/feedback", {"about": "resource|vrsac-1|r-1",
                                                     "to_member": "", "text": "Good"})
    assert missing.status_code == 422 and 'id="to_member-errors"' in missing.text
    assert sqlite_site.log_length() == before
    done = form_post(client, "/record/feedback", {"about": "resource|vrsac-1|r-1",
                                                  "to_member": "ivan",
                                                  "text": "Your survey helped us."})
    assert done.status_code == 302 and sqlite_site.log_length() == before + 1
    assert "Your survey helped us." in client.get("/portfolio").text


def test_feedback_tells_apart_sessions_and_resources_of_the_same_title(sqlite_site):
    """A community holds "the same" session again and shares a new version of a resource
    under its old title: each choice says when it was, so the teacher can pick the one."""
    assert sqlite_site.post("ivan", "SessionLed", {
        "community_id": "vrsac-1", "session_id": "s-2", "leaders": ["ivan"],
        "title": "Student survey", "format": "workshop"}).status_code == 201
    assert sqlite_site.post("ivan", "ResourceShared", {
        "community_id": "vrsac-1", "resource_id": "r-2", "member_id": "ivan",
        "title": "Survey questions", "kind": "survey"}).status_code == 201
    page = signed(sqlite_site, "ana").get("/record/feedback").text
    labels = dict(re.findall(r'<option value="([^"]+)">([^<]*)</option>', page))
    assert labels["session|vrsac-1|s-1"] != labels["session|vrsac-1|s-2"]
    assert labels["resource|vrsac-1|r-1"] != labels["resource|vrsac-1|r-2"]
    assert "Mar 1, 2024" in labels["session|vrsac-1|s-2"]
    assert "Mar 1, 2024" in labels["resource|vrsac-1|r-2"]


def test_correct_and_retract_my_entry(sqlite_site):
    client = signed(sqlite_site, "ivan")
    page = client.get("/record/correct").text
    assert "Survey questions" in page
    before = sqlite_site.log_length()
    position = _position_of(sqlite_site, "rf-community")
    wrong_field = form_post(client, "/record/correct", {
        "entry": str(position), "field_name": "title", "value": "x", "reason": "typo"})
    assert wrong_field.status_code == 422 and 'id="field_name-errors"' in wrong_field.text
    assert sqlite_site.log_length() == before
    done = form_post(client, "/record/correct", {
        "entry": str(position), "field_name": "text",
        "value": "The survey taught us to listen to students and parents.", "reason": "typo"})
    assert done.status_code == 302 and sqlite_site.log_length() == before + 1
    assert "listen to students and parents" in client.get("/portfolio").text

    no_reason = form_post(client, "/record/retract", {"entry": str(position), "reason": ""})
    assert no_reason.status_code == 422 and 'id="reason-errors"' in no_reason.text
    assert sqlite_site.log_length() == before + 1
    gone = form_post(client, "/record/retract", {"entry": str(position),
                                                 "reason": "recorded twice"})
    assert gone.status_code == 302 and sqlite_site.log_length() == before + 2
    assert "listen to students and parents" not in client.get("/portfolio").text


def test_norms_and_links_are_corrected_through_the_form(sqlite_site):
    """Every field the form offers has a label of its own, and a list of texts (norms)
    is written one per line."""
    site = sqlite_site
    agreed = site.post("ana", "NormsAgreed", {"community_id": "vrsac-1",
                                              "norms": ["We listen first"],
                                              "agreed_by": ["ana"]})
    scheduled = site.post("ana", "SessionScheduled", {
        "community_id": "vrsac-1", "session_id": "s-9", "starts_at": "2024-04-01T15:00:00Z",
        "title": "Survey results", "format": "meeting", "planned_leaders": ["ana"],
        "link": "https://meet.example.org/s-9"})
    assert agreed.status_code == scheduled.status_code == 201
    client = signed(site, "ana")
    page = client.get("/record/correct").text
    select = page[page.index('name="field_name"'):]
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select[:select.index("</select>")])
    assert len(labels) == len(set(labels)) and "Meeting link" in labels
    position = agreed.get_json()["position"]
    assert f'value="{position}"' in page
    done = form_post(client, "/record/correct", {
        "entry": str(position), "field_name": "norms", "reason": "we added one",
        "value": "We listen first\n\n  We share our plans  \n"})
    assert done.status_code == 302, done.text
    site.journey.runner.catch_up()
    community = site.get("ana", "/api/communities/vrsac-1").get_json()
    assert community["norms"]["current"]["norms"] == ["We listen first", "We share our plans"]


def test_cannot_retract_someone_elses_entry(sqlite_site):
    client = signed(sqlite_site, "mila")
    before = sqlite_site.log_length()
    position = _position_of(sqlite_site, "rf-community")
    refused = form_post(client, "/record/retract", {"entry": str(position), "reason": "mine?"})
    assert refused.status_code == 422
    assert sqlite_site.log_length() == before


def _position_of(site, reflection_id: str) -> int:
    site.journey.runner.catch_up()
    view = site.journey.views.portfolio("ivan")
    return next(n["position"] for n in view["reflections"] if n["reflection_id"] == reflection_id)


def test_record_hub_links_to_the_community_pages(sqlite_site):
    page = signed(sqlite_site, "ivan").get("/record")
    assert page.status_code == 200
    assert 'href="/communities"' in page.text and "in your community" in page.text


# -- share links ------------------------------------------------------------------------------

def _create_link(client, **fields) -> str:
    html = client.get("/portfolio/share").text
    answer = client.post("/portfolio/share", data={
        "csrf_token": csrf_of(html), "label": "for my school leader", "lifetime": "7d",
        **fields})
    assert answer.status_code == 201, answer.text
    found = re.search(r'value="(http[^"]+/shared/[^"]+)"', answer.text)
    assert found
    return found.group(1).split("://", 1)[1].split("/", 1)[1]


def test_share_link_lifecycle(site):
    owner = signed(site, "ivan")
    path = "/" + _create_link(owner)
    token = path.rsplit("/", 1)[1]
    # Only the hash is kept.
    assert all(token not in repr(link) for link in ShareLinks(site.accounts.engine)
               .of_member("ivan"))
    anonymous = site.client
    shared = anonymous.get(path)
    assert shared.status_code == 200
    assert "Portfolio of Ivan" in shared.text and "Student survey" in shared.text
    assert PRIVATE_TEXT not in shared.text and COMMUNITY_TEXT not in shared.text
    assert '<meta name="robots" content="noindex' in shared.text
    assert shared.headers["Referrer-Policy"] == "same-origin"
    # Someone else cannot revoke it.
    link_id = ShareLinks(site.accounts.engine).of_member("ivan")[0].id
    other = signed(site, "mila")
    html = other.get("/portfolio/share").text
    assert other.post("/portfolio/share/revoke", data={
        "csrf_token": csrf_of(html), "link_id": str(link_id)}).status_code == 404
    assert anonymous.get(path).status_code == 200
    # The owner revokes it: 410.
    html = owner.get("/portfolio/share").text
    assert "for my school leader" in html
    done = owner.post("/portfolio/share/revoke", data={"csrf_token": csrf_of(html),
                                                       "link_id": str(link_id)})
    assert done.status_code == 302
    assert anonymous.get(path).status_code == 410
    assert anonymous.get(path[:-3] + "abc").status_code == 404
    assert anonymous.get("/shared/js_unknown").status_code == 404


def test_a_shared_view_comes_a_page_at_a_time_too(sqlite_site, monkeypatch):
    import web.pages.portfolio as pages

    _link, secret = ShareLinks(sqlite_site.accounts.engine).create("ivan", "pages", "1d")
    path = f"/shared/{secret}"
    anonymous = sqlite_site.client
    everything = _entries(anonymous.get(path).text)
    monkeypatch.setattr(pages, "PAGE_ENTRIES", 1)
    latest = anonymous.get(path)
    assert _entries(latest.text) == everything[:1]
    earlier = _links(latest.text)["next"]
    assert earlier.startswith(f"{path}?timeline_offset=")
    assert _entries(anonymous.get(earlier).text) == everything[1:2]
    assert anonymous.get(f"{path}?timeline_offset=x").status_code == 400


def test_expired_link_is_410_and_frozen_link_shows_its_date(sqlite_site):
    store = ShareLinks(sqlite_site.accounts.engine,
                       clock=lambda: utcnow() - timedelta(days=8))
    _link, secret = store.create("ivan", "old", "7d")
    assert sqlite_site.client.get(f"/shared/{secret}").status_code == 410
    yesterday = date.today() - timedelta(days=1)
    _link, frozen = ShareLinks(sqlite_site.accounts.engine).create("ivan", "frozen", "1d",
                                                                    yesterday)
    page = sqlite_site.client.get(f"/shared/{frozen}")
    assert page.status_code == 200 and "This view is frozen" in page.text
    assert "Student survey" not in page.text  # recorded today, after the frozen day


def test_a_bad_share_form_shows_errors_in_place(sqlite_site):
    client = signed(sqlite_site, "ivan")
    html = client.get("/portfolio/share").text
    future = (date.today() + timedelta(days=5)).isoformat()
    answer = client.post("/portfolio/share", data={"csrf_token": csrf_of(html), "label": "",
                                                   "lifetime": "99y", "frozen_as_of": future})
    assert answer.status_code == 422
    assert 'id="label-errors"' in answer.text and 'id="lifetime-errors"' in answer.text
    answer = client.post("/portfolio/share", data={"csrf_token": csrf_of(html), "label": "x",
                                                   "lifetime": "1d", "frozen_as_of": future})
    assert answer.status_code == 422 and 'id="frozen_as_of-errors"' in answer.text
    assert ShareLinks(sqlite_site.accounts.engine).of_member("ivan") == []


@pytest.mark.parametrize("path", ["/portfolio/share"])
def test_admin_without_member_has_no_share_links(sqlite_site, path):
    assert signed(sqlite_site, "root").get(path).status_code == 404
