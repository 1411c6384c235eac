"""The community pages in a real browser: sessions scheduled and held, a file shared and
reused, and every page readable by axe (and on a phone)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.browser.conftest import accessible, sign_in, snap


def community(live) -> str:
    return live.people["community"].username


def test_a_facilitator_schedules_a_session_and_records_it_held_with_two_leaders(page, live):
    c = community(live)
    facilitator = live.people["facilitator"].member_id
    teacher = live.people["teacher"].member_id
    title = f"Parents' evening {uuid.uuid4().hex[:6]}"
    sign_in(page, "facilitator")
    page.goto(f"/communities/{c}/calendar")
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts at").fill("2031-03-05T17:30")
    page.get_by_label("Format").select_option("workshop")
    page.locator(f'input[name="planned_leaders"][value="{facilitator}"]').check()
    page.locator(f'input[name="planned_leaders"][value="{teacher}"]').check()
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    assert "Session scheduled." in page.content()
    row = page.get_by_role("row").filter(has_text=title)
    assert row.count() == 1
    row.get_by_role("link", name="Record as held").click()
    snap(page, "community-record-session")
    accessible(page)
    assert page.get_by_label("Title").input_value() == title
    assert page.locator(f'input[name="leaders"][value="{teacher}"]').is_checked()
    page.locator(f'input[name="leaders"][value="{facilitator}"]').check()
    page.locator(f'input[name="attendees"][value="{live.people["teacher2"].member_id}"]').check()
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_load_state()
    assert "Session recorded." in page.content()
    held = page.locator("table").nth(1).get_by_role("row").filter(has_text=title)
    assert held.count() == 1
    assert page.locator("table").first.get_by_role("row").filter(has_text=title).count() == 0


def test_a_form_with_errors_keeps_them_in_place(page, live):
    sign_in(page, "facilitator")
    page.goto(f"/communities/{community(live)}/sessions/record")
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_text("Choose at least one leader.").is_visible()
    accessible(page)
    snap(page, "community-form-errors")


def test_a_shared_file_is_found_and_reused_by_another_member(page, live):
    c = community(live)
    title = f"Exit tickets {uuid.uuid4().hex[:6]}"
    tag = f"tag{uuid.uuid4().hex[:6]}"
    sign_in(page, "teacher")
    page.goto(f"/communities/{c}/library")
    page.get_by_role("link", name="Share a resource").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind").select_option("activity")
    page.get_by_label("Tags (optional)").fill(f"{tag}, assessment")
    page.get_by_label("File").set_input_files(files=[{
        "name": "exit-tickets.txt", "mimeType": "text/plain",
        "buffer": ("Three questions at the door. " + title).encode()}])
    snap(page, "community-share")
    page.get_by_role("button", name="Share").click()
    page.wait_for_load_state()
    assert "Resource shared." in page.content()

    page.context.clear_cookies()
    sign_in(page, "teacher2")
    page.goto(f"/communities/{c}/library?tag={tag}")
    card = page.locator("li.resource").filter(has_text=title)
    assert card.count() == 1
    assert "Reused 0 times by others" in card.inner_text()
    with page.expect_download() as download:
        card.get_by_role("link", name="Download the file").click()
    assert title in Path(download.value.path()).read_text(encoding="utf-8")
    card.get_by_role("link", name="I reused it").click()
    page.get_by_label("How you used it (optional)").fill("With my grade 7")
    page.get_by_role("button", name="Record the reuse").click()
    page.wait_for_load_state()
    page.goto(f"/communities/{c}/library?tag={tag}")
    card = page.locator("li.resource").filter(has_text=title)
    assert "Reused 1 time by others" in card.inner_text()


def test_the_community_pages_are_accessible(page, live):
    c = community(live)
    sign_in(page, "teacher")
    for path, name in [("", "overview"), ("/norms", "norms"), ("/calendar", "calendar"),
                       ("/library", "library"), ("/plans", "plans")]:
        page.goto(f"/communities/{c}{path}")
        assert page.locator("h1").count() == 1
        accessible(page)
        snap(page, f"community-{name}")
    page.goto("/communities")
    accessible(page)
    snap(page, "community-list")


def test_action_plans_with_steps_are_accessible(page, live):
    """On a community of the demo whose plans have steps (read as the admin)."""
    ids = live.journey.store.read_state(lambda state: sorted(state.communities))
    sign_in(page, "admin")
    for community_id in ids:
        page.goto(f"/communities/{community_id}/plans")
        if page.locator("progress").count():
            break
    else:
        raise AssertionError("no community of the demo has an action plan")
    assert page.get_by_text(re.compile(r"steps? done")).first.is_visible()
    accessible(page)
    snap(page, "community-plans-steps")


def test_replayed_and_phone_views(page, live):
    c = community(live)
    sign_in(page, "coordinator")
    page.goto(f"/communities/{c}/plans?as_of=2023-06-30")
    assert page.get_by_role("note").filter(has_text="History replayed").count() >= 1
    accessible(page)
    snap(page, "community-plans-as-of")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/communities/{c}/library")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"the library scrolls sideways on a phone ({width}px)"
    accessible(page)
    snap(page, "community-library-phone")


def test_a_teacher_starts_a_plan_and_completing_its_step_moves_the_progress_bar(page, live):
    c = community(live)
    teacher = live.people["teacher"].member_id
    question = f"How do quiet students speak up? {uuid.uuid4().hex[:6]}"
    step_title = f"Survey grade 6 {uuid.uuid4().hex[:6]}"
    sign_in(page, "teacher")
    page.goto(f"/communities/{c}/plans")
    page.get_by_role("link", name="Start an action plan").first.click()
    page.get_by_label("Inquiry question").fill(question)
    page.get_by_role("group", name="Who it involves (optional)").get_by_label("students").check()
    first = page.get_by_role("group", name="Step 1")
    first.get_by_label("What is to be done").fill(step_title)
    first.locator(f'input[name="steps-0-owners"][value="{teacher}"]').check()
    first.get_by_label("Due on (optional)").fill("2031-05-15")
    accessible(page)
    snap(page, "community-start-plan")
    page.get_by_role("button", name="Start the plan").click()
    page.wait_for_load_state()
    assert "Action plan started." in page.content()
    anchor = page.url.split("#", 1)[1]
    plan = page.locator(f"article#{anchor}")
    assert plan.get_by_role("heading", name=question).is_visible()
    assert plan.get_by_role("row").filter(has_text=step_title).count() == 1
    assert plan.locator("progress").get_attribute("value") == "0"
    assert "0 of 1 step done" in plan.inner_text()
    accessible(page)

    # The owner goes from the open step to the step form (/record/step), the step chosen.
    plan.get_by_role("row").filter(has_text=step_title).get_by_role(
        "link", name="Mark completed").click()
    page.wait_for_load_state()
    assert "/record/step" in page.url
    chosen = page.get_by_label("Action step")
    assert step_title in chosen.locator("option:checked").inner_text()
    page.get_by_label("Outcome").fill("Twenty-four answers; the quiet ones wrote the most.")
    page.get_by_role("button", name="Mark completed").click()
    page.wait_for_load_state()
    assert "The step is marked completed." in page.content()

    page.goto(f"/communities/{c}/plans#{anchor}")
    plan = page.locator(f"article#{anchor}")
    assert plan.locator("progress").get_attribute("value") == "1"
    assert plan.locator("progress").get_attribute("max") == "1"
    assert "1 of 1 step done" in plan.inner_text()
    accessible(page)
    snap(page, "community-plan-progress")


def test_a_teacher_founds_a_community_and_facilitates_it(page, live) -> None:
    name = f"CoP of the village schools {uuid.uuid4().hex[:6]}"
    sign_in(page, "teacher2")
    page.goto("/communities")
    page.get_by_role("link", name="Found a community").click()
    page.wait_for_load_state()
    accessible(page)
    snap(page, "community-found")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("What it is about").fill("Teaching in combined classes")
    page.get_by_label("Meets (optional)").select_option("virtual")
    page.get_by_role("button", name="Found the community").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{name} is founded, and you are its facilitator.").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert page.get_by_role("link", name="Add someone to the community").is_visible()
    assert "Facilitator" in page.locator("#members").inner_text()
    accessible(page)
