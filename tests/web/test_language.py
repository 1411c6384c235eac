"""Which language a page speaks, and how people choose it.

The order (web/i18n.py): the signed-in account's language, if its person chose one; else
`?lang=xx` (kept in the session) or the header's picker; else the best match of
Accept-Language; else English.
There are no catalogues for sr_Latn/mk/tr yet, so these tests look at `<html lang>`, at
the selected options and at localised dates, not at translated words.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from babel.dates import format_datetime

from events.accounts import AccountError
from journey.clock import UTC
from tests.browser.test_language import translated
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in
from tests.web.test_auth_pages import ELSEWHERE, HERE

NEW_PASSWORD = "another long password"


def lang_of(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "the page has no <html lang>"
    return found.group(1)


def selected(html: str, select_name: str) -> str:
    """The value of the selected option of the <select name=...> of a page."""
    start = html.index(f'name="{select_name}"')
    block = html[start:html.index("</select>", start)]
    chosen = [re.search(r'value="([^"]*)"', option).group(1)
              for option in re.findall(r"<option[^>]*>", block)
              if re.search(r"\bselected\b", option)]
    assert len(chosen) == 1, f"not one option selected in {select_name}: {chosen}"
    return chosen[0]


def choose(client, lang: str, next_path: str = "/auth/login", page: str = "/auth/login"):
    """Use the header's language picker of `page`."""
    token = csrf_of(client.get(page).text)
    return client.post("/language", data={"lang": lang, "next": next_path,
                                          "csrf_token": token})


# -- anonymous readers ---------------------------------------------------------------------

def test_lang_in_the_address_picks_the_language_and_is_remembered(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    first = client.get("/auth/login?lang=tr")
    later = client.get("/auth/login")

    assert first.status_code == 200 and lang_of(first.text) == "tr"
    assert lang_of(later.text) == "tr"  # kept in the session
    assert selected(later.text, "lang") == "tr"  # and the header's picker says so


def test_lang_in_the_address_wins_over_the_browser(sqlite_site: Site) -> None:
    response = sqlite_site.app.test_client().get("/auth/login?lang=mk",
                                                 headers={"Accept-Language": "tr"})

    assert lang_of(response.text) == "mk"


def test_an_unknown_lang_in_the_address_is_ignored(sqlite_site: Site) -> None:
    response = sqlite_site.app.test_client().get("/auth/login?lang=xx",
                                                 headers={"Accept-Language": "mk"})

    assert response.status_code == 200 and lang_of(response.text) == "mk"


@pytest.mark.parametrize("header, expected", [
    ("mk", "mk"),
    ("tr-TR,tr;q=0.9,en;q=0.5", "tr"),
    ("bs", "sr-Latn"),
    ("sr-Cyrl", "sr-Latn"),
    ("sr-Latn-RS", "sr-Latn"),
    ("de-DE,fr;q=0.9,mk;q=0.4", "mk"),  # the best language we have
    ("de-DE,fr;q=0.9", "en"),  # none we have: English
    ("", "en"),
])
def test_the_browser_language_is_matched(sqlite_site: Site, header: str, expected: str) -> None:
    response = sqlite_site.app.test_client().get("/auth/login",
                                                 headers={"Accept-Language": header})

    assert lang_of(response.text) == expected


def test_the_picker_sets_the_language_of_an_anonymous_browser(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    response = choose(client, "sr_Latn", next_path="/auth/login?next=/auth/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/auth/account"
    page = client.get("/auth/login", headers={"Accept-Language": "tr"})
    assert lang_of(page.text) == "sr-Latn"  # the choice beats the browser


def test_the_picker_never_redirects_to_another_site(sqlite_site: Site) -> None:
    response = choose(sqlite_site.app.test_client(), "mk", next_path="//evil.example/x")

    assert response.headers["Location"] == "/"


def test_the_picker_never_follows_a_next_that_a_browser_reads_as_another_site(
        sqlite_site: Site) -> None:
    answers = {target: choose(sqlite_site.app.test_client(), "mk", next_path=target)
               for target in [*ELSEWHERE, HERE]}

    assert {t: (a.status_code, a.headers["Location"]) for t, a in answers.items()} == {
        **{target: (302, "/") for target in ELSEWHERE}, HERE: (302, HERE)}


def test_the_picker_needs_its_csrf_token(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    response = client.post("/language", data={"lang": "tr", "next": "/auth/login"})

    assert response.status_code == 400
    assert lang_of(client.get("/auth/login").text) == "en"


# -- signed-in accounts -----------------------------------------------------------------------

def test_the_picker_saves_the_language_on_the_account(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    response = choose(client, "tr", next_path="/auth/account", page="/auth/account")

    assert response.status_code == 302
    assert sqlite_site.accounts.by_username("ivan").language == "tr"
    elsewhere = sqlite_site.app.test_client()  # another browser, signed in later
    sign_in(elsewhere, "ivan")
    assert lang_of(elsewhere.get("/auth/account").text) == "tr"


def test_the_account_language_wins_over_the_address_and_the_browser(sqlite_site: Site) -> None:
    ivan = sqlite_site.accounts.by_username("ivan")
    sqlite_site.accounts.set_language(ivan.id, "mk")
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    page = client.get("/auth/account?lang=tr", headers={"Accept-Language": "sr-Latn"})

    assert lang_of(page.text) == "mk"
    assert selected(page.text, "language") == "mk"


def test_an_account_that_never_chose_reads_the_browser_language(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")  # a fresh account: no language chosen
    assert sqlite_site.accounts.by_username("ana").language is None

    page = client.get("/auth/account", headers={"Accept-Language": "mk"})

    assert lang_of(page.text) == "mk"
    assert selected(page.text, "language") == ""  # "as your browser says"
    picked = client.get("/auth/account?lang=sr_Latn", headers={"Accept-Language": "mk"})
    assert lang_of(picked.text) == "sr-Latn"  # this browser's own pick beats its header


def test_a_language_chosen_on_the_account_page_wins_over_the_browser(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")
    page = client.get("/auth/account", headers={"Accept-Language": "mk"})

    client.post("/auth/account/language", headers={"Accept-Language": "mk"},
                data={"language": "tr", "csrf_token": csrf_of(page.text)})

    for header in ("mk", "sr-Latn", "en"):
        assert lang_of(client.get("/auth/account", headers={"Accept-Language": header})
                       .text) == "tr"
    elsewhere = sqlite_site.app.test_client()
    sign_in(elsewhere, "ana")
    assert lang_of(elsewhere.get("/", headers={"Accept-Language": "mk"}).text) == "tr"


def test_as_the_browser_says_undoes_the_account_choice(sqlite_site: Site) -> None:
    ana = sqlite_site.accounts.by_username("ana")
    sqlite_site.accounts.set_language(ana.id, "tr")
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")
    page = client.get("/auth/account")
    assert 'value=""' in page.text and selected(page.text, "language") == "tr"

    response = client.post("/auth/account/language", data={
        "language": "", "csrf_token": csrf_of(page.text)})

    assert response.status_code == 302
    assert sqlite_site.accounts.by_username("ana").language is None
    assert lang_of(client.get("/auth/account", headers={"Accept-Language": "mk"}).text) == "mk"


def test_an_english_account_stays_english_whatever_the_browser(sqlite_site: Site) -> None:
    vera = sqlite_site.accounts.by_username("vera")
    sqlite_site.accounts.set_language(vera.id, "en")  # chosen, not merely never changed
    client = sqlite_site.app.test_client()
    sign_in(client, "vera")

    page = client.get("/auth/account", headers={"Accept-Language": "tr"})

    assert lang_of(page.text) == "en"


def test_the_account_page_saves_the_language(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")
    page = client.get("/auth/account")
    assert 'id="language-heading"' in page.text and selected(page.text, "language") == ""

    response = client.post("/auth/account/language", data={
        "language": "sr_Latn", "csrf_token": csrf_of(page.text)})

    assert response.status_code == 302 and response.headers["Location"] == "/auth/account"
    assert sqlite_site.accounts.by_username("ana").language == "sr_Latn"
    after = client.get("/auth/account")
    assert lang_of(after.text) == "sr-Latn"
    assert selected(after.text, "language") == "sr_Latn"
    assert "message-success" in after.text  # the confirmation


@pytest.mark.parametrize("code", ["de", "sr-Latn", "x" * 40])
def test_the_account_page_refuses_a_language_it_does_not_offer(sqlite_site: Site,
                                                               code: str) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")

    response = client.post("/auth/account/language", data={
        "language": code, "csrf_token": csrf_of(client.get("/auth/account").text)})

    assert response.status_code == 400
    assert 'id="language-errors"' in response.text  # the error in place
    assert re.search(r'<select[^>]*aria-invalid="true"[^>]*name="language"|'
                     r'<select[^>]*name="language"[^>]*aria-invalid="true"', response.text)
    assert sqlite_site.accounts.by_username("ana").language is None


def test_the_language_form_needs_its_csrf_token(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")

    response = client.post("/auth/account/language", data={"language": "tr"})

    assert response.status_code == 400
    assert sqlite_site.accounts.by_username("ana").language is None


def test_the_language_form_needs_a_signed_in_account(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    token = csrf_of(client.get("/auth/login").text)

    response = client.post("/auth/account/language", data={"language": "tr",
                                                            "csrf_token": token})

    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_dates_on_the_account_page_follow_its_language(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")
    ivan = sqlite_site.accounts.by_username("ivan")
    created = sqlite_site.accounts.tokens_of(ivan.id)[0].to_json()["created_at"]
    moment = datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(UTC)

    english = client.get("/auth/account").text
    sqlite_site.accounts.set_language(ivan.id, "tr")
    turkish = client.get("/auth/account").text

    in_english = format_datetime(moment, "medium", tzinfo=UTC, locale="en")
    in_turkish = format_datetime(moment, "medium", tzinfo=UTC, locale="tr")
    assert in_english != in_turkish
    assert in_english in english and in_turkish not in english
    assert in_turkish in turkish and in_english not in turkish


# -- an invitation --------------------------------------------------------------------------

def test_an_invitation_left_as_the_browser_says_follows_the_browser(sqlite_site: Site) -> None:
    path = invitation(sqlite_site, "zoran")
    client = sqlite_site.app.test_client()
    page = client.get(path, headers={"Accept-Language": "mk"})

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "time_zone": "UTC", "language": "",
                                       "csrf_token": csrf_of(page.text)})

    assert response.status_code == 302
    assert sqlite_site.accounts.by_member("zoran").language is None
    assert lang_of(client.get("/auth/account", headers={"Accept-Language": "tr"}).text) == "tr"


def invitation(site: Site, member_id: str) -> str:
    client = site.app.test_client()
    sign_in(client, "root")
    token = csrf_of(client.get("/auth/admin/accounts").text)
    response = client.post("/auth/admin/invite", data={"member_id": member_id,
                                                       "csrf_token": token})
    assert response.status_code == 201, response.text
    start = response.text.index("http://127.0.0.1:5000/auth/")
    link = response.text[start:response.text.index("<", start)]
    return link.replace("http://127.0.0.1:5000", "")


def test_an_invitation_offers_the_browser_language_and_keeps_a_choice(sqlite_site: Site) -> None:
    path = invitation(sqlite_site, "zoran")
    client = sqlite_site.app.test_client()
    page = client.get(path, headers={"Accept-Language": "mk"})
    assert lang_of(page.text) == "mk" and selected(page.text, "language") == ""

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "time_zone": "Europe/Skopje", "language": "tr",
                                       "csrf_token": csrf_of(page.text)},
                           headers={"Accept-Language": "mk"})

    assert response.status_code == 302
    assert sqlite_site.accounts.by_member("zoran").language == "tr"
    assert lang_of(client.get("/auth/account").text) == "tr"


def test_an_invitation_refuses_a_language_it_does_not_offer(sqlite_site: Site) -> None:
    path = invitation(sqlite_site, "zoran")
    client = sqlite_site.app.test_client()
    page = client.get(path)

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "time_zone": "UTC", "language": "klingon",
                                       "csrf_token": csrf_of(page.text)})

    assert response.status_code == 400 and 'id="language-errors"' in response.text
    assert sqlite_site.accounts.by_member("zoran") is None


# -- the accounts layer's refusals, and the Open Badges pages ---------------------------------

def test_known_refusals_keep_their_english_and_unknown_ones_fall_back(sqlite_site: Site) -> None:
    from web.auth.routes import account_message
    with sqlite_site.app.test_request_context("/auth/login?lang=en"):
        assert account_message(AccountError("member_has_account",
                                            "m-1 already has an account")) \
            == "m-1 already has an account"
        assert account_message(AccountError("new_code", "something new")) == "something new"
        # A known code with an unexpected wording: its own message, not a wrong sentence.
        assert account_message(AccountError("bad_credentials", "other words")) == "other words"


def test_a_lock_names_its_moment_in_the_page_language(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    client.get("/auth/login?lang=tr")
    for _ in range(5):
        sign_in(client, "ivan", "guess guess guess")

    locked = sign_in(client, "ivan", PASSWORD)

    until = sqlite_site.accounts.by_username("ivan").locked_until
    moment = datetime.fromtimestamp(until / 1_000_000, UTC).replace(microsecond=0)
    assert locked.status_code == 429 and lang_of(locked.text) == "tr"
    assert format_datetime(moment, "medium", tzinfo=UTC, locale="tr") in locked.text


def test_the_open_badges_verify_page_speaks_the_reader_language(sqlite_site: Site) -> None:
    response = sqlite_site.app.test_client().get(
        "/ob/v3/verify", headers={"Accept-Language": "mk", "Accept": "text/html"})

    assert response.status_code == 200 and lang_of(response.text) == "mk"
    for english in ("Paste an Open Badges 3.0 credential (JSON)", "or upload it", ">Check<"):
        assert english not in response.text  # the form's own words, too
    assert translated("mk", "Paste an Open Badges 3.0 credential (JSON)") in response.text
