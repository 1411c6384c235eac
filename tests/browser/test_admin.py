"""The admin's accounts page in a real browser: every field of its forms is named by
its own label (the invitation and the erasure both ask for a member id), and the page
passes axe."""
from __future__ import annotations

from tests.browser.conftest import accessible, sign_in, snap


def test_each_form_of_the_accounts_page_labels_its_own_fields(page) -> None:
    sign_in(page, "admin")
    page.goto("/auth/admin/accounts")
    invite = page.get_by_role("region", name="Invite a member")
    erase = page.get_by_role("region", name="Erase a member")

    # As a screen reader names them: each form's own box, and only that one.
    erase.get_by_role("textbox", name="Member id", exact=True).fill("m-someone")
    assert erase.get_by_label("Member id", exact=True).input_value() == "m-someone"
    assert invite.get_by_label("Member id", exact=True).input_value() == ""
    accessible(page)
    snap(page, "admin-accounts")
