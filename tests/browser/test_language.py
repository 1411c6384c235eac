"""The language switch changes the page: picker, account choice, and the browser's own."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.browser.conftest import accessible, sign_in, snap

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def translated(code: str, message: str) -> str:
    """The catalogue's translation of `message` (which the test expects on the page)."""
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as po:
        entry = read_po(po, locale=code).get(message)
    assert entry is not None and entry.string and entry.string != message, \
        f"{code} has no translation of {message!r}"
    return entry.string


@pytest.mark.parametrize("code,name", [("sr_Latn", "Srpski (latinica)"), ("mk", "Македонски"),
                                       ("tr", "Türkçe")])
def test_the_picker_switches_an_anonymous_page(page, code: str, name: str) -> None:
    page.goto("/auth/login")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Language").select_option(code)
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code.replace("_", "-")
    heading = translated(code, "Sign in")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    # The choice stays for the next page of this browser.
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == code.replace("_", "-")
    accessible(page)
    snap(page, f"language-home-{code}")


def test_the_browser_language_is_the_default(browser, live) -> None:
    context = browser.new_context(base_url=live.url, locale="mk-MK")
    try:
        page = context.new_page()
        page.goto("/auth/login")
        assert page.locator("html").get_attribute("lang") == "mk"
        assert page.get_by_role("heading", level=1).inner_text() == translated("mk", "Sign in")
    finally:
        context.close()


def test_a_signed_in_teacher_keeps_their_language_on_the_account(page, live) -> None:
    sign_in(page, "teacher2")
    try:
        page.get_by_label("Language").select_option("tr")
        page.get_by_role("button", name="Change").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "tr"
        # A new browser (no session cookie) signing in gets the account's language.
        account = live.app.extensions["journey_accounts"].by_username("teacher2")
        assert account.language == "tr"
    finally:
        live.app.extensions["journey_accounts"].set_language(
            live.app.extensions["journey_accounts"].by_username("teacher2").id, "en")
