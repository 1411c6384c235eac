"""A facilitator defines a badge, awards it with evidence from a teacher's timeline, and
the teacher sees it; the facilitation pages pass axe."""
from __future__ import annotations

import uuid

from journey.access import status_at
from journey.clock import to_micros, utcnow
from tests.browser.conftest import accessible, in_view, sign_in, snap


def test_facilitator_defines_and_awards_a_badge_the_teacher_sees(page, browser, live) -> None:
    community = live.people["community"].username
    teacher = live.people["teacher"].member_id
    name = f"Student voice {uuid.uuid4().hex[:6]}"

    sign_in(page, "facilitator")
    page.goto("/facilitate")
    accessible(page)
    snap(page, "facilitate-index")
    page.locator(f'a[href="/facilitate/{community}"]').click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Facilitating")
    accessible(page)
    snap(page, "facilitate-community")

    # define the badge
    page.get_by_label("Badge name").fill(name)
    page.get_by_label("What it recognises").fill("Brought students' voices into the inquiry")
    page.get_by_label("Criteria", exact=True).fill("Ran a student survey or focus group")
    page.get_by_role("button", name="Define the badge").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Badge “{name}” defined.").is_visible()

    # choose the teacher, then tick evidence from their timeline
    page.get_by_label("Member to recognise").select_option(teacher)
    page.get_by_role("button", name="Show their timeline").click()
    page.wait_for_load_state()
    page.get_by_label("Badge", exact=True).select_option(label=name)
    boxes = page.locator('input[name="award-evidence"]')
    assert boxes.count() >= 1
    evidence = [int(boxes.nth(i).get_attribute("value")) for i in range(min(2, boxes.count()))]
    for i in range(len(evidence)):
        boxes.nth(i).check()
    accessible(page)
    snap(page, "facilitate-award")
    page.get_by_label("Note (optional)").fill("Thank you for listening to the students.")
    page.get_by_role("button", name="Award the recognition").click()
    page.wait_for_load_state()
    assert page.get_by_text("Recognition awarded.").is_visible()
    standing = page.locator("table", has_text="Standing recognitions")
    assert standing.get_by_text(name).count() == 1

    # the teacher sees it
    context = browser.new_context(base_url=live.url, locale="en-GB")
    try:
        mine = context.new_page()
        sign_in(mine, "teacher")
        answer = mine.request.get(f"/api/members/{teacher}/badges")
        assert answer.ok
        awarded = [r for r in answer.json()["recognitions"] if r["name"] == name]
        assert len(awarded) == 1
        assert [e["position"] for e in awarded[0]["evidence"]] == sorted(evidence)
        response = mine.goto("/portfolio")
        if response is not None and response.status == 200:
            assert name in mine.content()
    finally:
        context.close()


def test_facilitator_revokes_with_a_reason(page, live) -> None:
    community = live.people["community"].username
    teacher = live.people["teacher"].member_id
    name = f"Revocable {uuid.uuid4().hex[:6]}"
    sign_in(page, "facilitator")
    page.goto(f"/facilitate/{community}")
    page.get_by_label("Badge name").fill(name)
    page.get_by_label("What it recognises").fill("A badge given by mistake")
    page.get_by_label("Criteria", exact=True).fill("None")
    page.get_by_role("button", name="Define the badge").click()
    page.wait_for_load_state()
    page.get_by_label("Member to recognise").select_option(teacher)
    page.get_by_role("button", name="Show their timeline").click()
    page.wait_for_load_state()
    page.get_by_label("Badge", exact=True).select_option(label=name)
    page.get_by_role("button", name="Award the recognition").click()
    page.wait_for_load_state()

    row = page.locator("table", has_text="Standing recognitions").locator("tr", has_text=name)
    row.get_by_text("Revoke…").click()
    reason = row.get_by_label("Reason for revoking")
    assert reason.get_attribute("required") is not None    # the server checks it too
    accessible(page)
    row.get_by_label("Reason for revoking").fill("Awarded to the wrong colleague")
    row.get_by_role("button", name="Revoke this recognition").click()
    page.wait_for_load_state()
    assert page.get_by_text("Recognition revoked.").is_visible()
    revoked = page.locator("table", has_text="Revoked recognitions").locator("tr", has_text=name)
    assert "Awarded to the wrong colleague" in revoked.inner_text()


def test_coordinator_sees_the_facilitation_page_without_awarding(page, live) -> None:
    community = live.people["community"].username
    sign_in(page, "coordinator")
    me = page.request.get("/api/me").json()
    response = page.goto(f"/facilitate/{community}")
    if me["roles"].get(community) == "coordinator" or community in [
            c["community_id"] for c in page.request.get("/api/communities").json()["communities"]
            if c["role"] is None]:
        assert response.status == 200
        assert page.get_by_text("You see this community as its coordinator").is_visible()
        assert page.get_by_role("button", name="Award the recognition").count() == 0
        assert page.get_by_role("button", name="Define the badge").count() == 0
        accessible(page)
    else:
        assert response.status == 403


def test_a_refusal_on_the_facilitation_page_opens_where_it_was_asked(page, live) -> None:
    """Each form of the long facilitation page answers a refusal beside itself, on the
    screen the answer opens at, not at the top of the page."""
    community = live.people["community"].username
    teacher = live.people["teacher"].member_id
    sign_in(page, "facilitator")
    page.goto(f"/facilitate/{community}")
    page.get_by_label("Badge name").fill(f"Not a PNG {uuid.uuid4().hex[:6]}")
    page.get_by_label("What it recognises").fill("d")
    page.get_by_label("Criteria", exact=True).fill("c")
    page.get_by_label("Image (optional)").set_input_files(
        {"name": "badge.png", "mimeType": "image/png", "buffer": b"not a png"})
    page.get_by_role("button", name="Define the badge").click()
    page.wait_for_load_state()
    refusal = page.locator("#badges .errors")
    assert "PNG" in refusal.inner_text() and in_view(refusal)

    for section, query, button in (("award", f"?member={teacher}", "Award the recognition"),
                                   ("hand-over", "", "Hand facilitation over")):
        page.goto(f"/facilitate/{community}{query}#{section}")
        page.locator(f"#{section}").get_by_label("When it happened").fill("2999-01-01T10:00")
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        refusal = page.locator(f"#{section} .form-error")
        assert "future" in refusal.inner_text() and in_view(refusal), section

    page.goto(f"/facilitate/{community}#awards")
    row = page.locator("table", has_text="Standing recognitions").locator("tbody tr").last
    row.get_by_text("Revoke…").click()
    reason = row.get_by_label("Reason for revoking")
    reason.evaluate("e => e.removeAttribute('required')")  # as a browser without checks
    row.get_by_role("button", name="Revoke this recognition").click()
    page.wait_for_load_state()
    refusal = page.locator("#awards .errors")
    assert refusal.count() == 1 and in_view(refusal)


def test_facilitator_adds_someone_by_member_id_and_removes_them_again(page, live) -> None:
    community = live.people["community"].username

    def newcomer(state):
        """Someone registered, not erased, who does not belong to the community now."""
        now = to_micros(utcnow())
        inside = {p for (c, p), t in state.timelines.items()
                  if c == community and status_at(t, now) is not None}
        return next(m for m in sorted(state.members)
                    if m not in inside and m not in state.erased)

    member_id = live.journey.store.read_state(newcomer)
    sign_in(page, "facilitator")
    page.goto(f"/communities/{community}")
    page.get_by_role("link", name="Add someone to the community").click()
    page.wait_for_load_state()
    accessible(page)
    snap(page, "community-add-member")
    page.get_by_label("Or their member id").fill(member_id)
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Add to the community").click()
    page.wait_for_load_state()
    assert page.get_by_text("now belongs to the community, as member.").is_visible()
    row = page.locator("#members tr", has=page.get_by_role(
        "link", name="Remove").and_(page.locator(f'[href$="/members/{member_id}/leave"]')))
    assert row.count() == 1 and "Member" in row.inner_text()
    accessible(page)
    snap(page, "community-members-managed")

    row.get_by_role("link", name="Remove").click()
    page.wait_for_load_state()
    accessible(page)
    page.get_by_role("button", name="Remove from the community").click()
    page.wait_for_load_state()
    assert page.get_by_text("no longer belongs to the community.").is_visible()
    assert page.locator(f'#members [href$="/members/{member_id}/leave"]').count() == 0
