"""The browser harness itself: the served app answers, signs in, and passes axe."""
from __future__ import annotations

from tests.browser.conftest import accessible, sign_in, snap


def test_sign_in_page_is_accessible(page) -> None:
    page.goto("/auth/login")
    accessible(page)
    snap(page, "sign-in")


def test_a_teacher_signs_in(page, live) -> None:
    sign_in(page, "teacher")
    assert page.get_by_role("link", name="Account (teacher)").is_visible()
