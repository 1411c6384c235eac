"""The teacher's journeys in a real browser: reflect privately, share the portfolio.

A private reflection shows in the teacher's own portfolio and nowhere a colleague of the
same community can look; a share link opens without an account and stops working (410)
once revoked. Every page on the way passes axe and leaves a screenshot.
"""
from __future__ import annotations

import uuid

from tests.browser.conftest import accessible, in_view, sign_in, snap


def _second_page(browser, live):
    context = browser.new_context(base_url=live.url, locale="en-GB")
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_a_private_reflection_stays_with_its_author(page, browser, live) -> None:
    secret = f"Private doubt {uuid.uuid4()}: my survey questions were leading."
    community = live.people["community"].username
    sign_in(page, "teacher")
    page.goto("/")
    assert page.get_by_role("heading", name="My communities").is_visible()
    accessible(page)
    snap(page, "teacher-home")

    page.goto("/record")
    accessible(page)
    snap(page, "teacher-record")
    page.get_by_role("link", name="Write a reflection").first.click()
    page.get_by_label("Your reflection").fill(secret)
    page.get_by_label("Who may read it").select_option("private")
    page.get_by_label("Community").select_option(community)
    accessible(page)
    snap(page, "teacher-record-reflect")
    page.get_by_role("button", name="Record reflection").click()
    page.wait_for_load_state()
    assert "/portfolio" in page.url and "#entry-" in page.url
    assert page.get_by_text(secret).first.is_visible()
    # The page opens at the new entry, and the confirmation is on the screen with it.
    entry = page.locator(f"#{page.url.split('#')[1]}")
    assert in_view(page.get_by_role("status").first) and in_view(entry)
    assert page.evaluate("window.scrollY") > 0
    accessible(page)
    snap(page, "teacher-portfolio")

    page.goto("/portfolio/print")
    assert page.get_by_text(secret).first.is_visible()
    accessible(page)
    snap(page, "teacher-portfolio-print")

    # A bad form keeps what was typed and says what is wrong, in place.
    page.goto("/record/reflect")
    page.get_by_label("Who may read it").select_option("community")
    page.get_by_label("Your reflection").fill("Needs a community")
    page.get_by_role("button", name="Record reflection").click()
    page.wait_for_load_state()
    assert page.locator(".form-error").is_visible()
    accessible(page)

    context, other = _second_page(browser, live)
    try:
        sign_in(other, "teacher2")
        answer = other.goto(f"/members/{live.people['teacher'].member_id}/portfolio")
        assert answer.status == 403
        for path in ("/", "/portfolio", f"/communities/{community}", "/record"):
            shown = other.goto(path)
            assert shown.status == 200, path
            assert secret not in other.content(), path
    finally:
        context.close()


def test_a_share_link_opens_without_an_account_until_revoked(page, browser, live) -> None:
    label = f"for my school leader {uuid.uuid4().hex[:6]}"
    sign_in(page, "teacher")
    page.goto("/portfolio/share")
    page.get_by_label("Who is it for").fill(label)
    page.get_by_label("Works for").select_option("7d")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_load_state()
    address = page.get_by_label("Link address").input_value()
    assert "/shared/" in address
    accessible(page)
    snap(page, "teacher-share-links")

    context, visitor = _second_page(browser, live)
    try:
        opened = visitor.goto(address)
        assert opened.status == 200
        assert visitor.get_by_role("heading", level=1).inner_text().startswith("Portfolio of")
        assert visitor.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
        accessible(visitor)
        snap(visitor, "teacher-shared-view")

        page.get_by_role("button", name=f"Revoke “{label}”").click()
        page.wait_for_load_state()
        gone = visitor.goto(address)
        assert gone.status == 410
        assert visitor.get_by_role("heading", name="No longer available").is_visible()
        accessible(visitor)
    finally:
        context.close()


def test_a_refused_visibility_change_is_shown_where_it_was_asked(page) -> None:
    text = f"Only for me {uuid.uuid4()}: no community."
    sign_in(page, "teacher")
    page.goto("/record/reflect")
    page.get_by_label("Your reflection").fill(text)
    page.get_by_label("Who may read it").select_option("private")
    page.get_by_role("button", name="Record reflection").click()
    page.wait_for_load_state()

    # Without a community it cannot be shared with one: the refusal is beside its form,
    # and on the screen the answer opens at (far down the portfolio, not at its top).
    card = page.locator("li.card", has_text=text)
    card.get_by_label("Who may read it").select_option("community")
    card.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    refusal = page.locator("li.card", has_text=text).locator(".errors")
    assert "stays private" in refusal.inner_text()
    assert in_view(refusal)
