"""The auth pages: sign in and out, passwords, one-time links, tokens, the admin's page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from journey.clock import utcnow
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in

NEW_PASSWORD = "another long password"


def form_post(client, page: str, action: str, data: dict) -> object:
    """POST a form of `page` to `action` with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def later(site: Site, hours: float) -> None:
    """Move the accounts' clock forward."""
    moment = utcnow() + timedelta(hours=hours)
    site.accounts.clock = lambda: moment


# -- sign in and out -------------------------------------------------------------------------

def test_sign_in_and_out(site: Site) -> None:
    client = site.app.test_client()
    assert client.get("/auth/account").status_code == 302  # to the sign-in page

    response = sign_in(client, "ivan")

    assert response.status_code == 302
    assert "Account (ivan)" in client.get("/").text
    assert client.get("/api/me").json["member_id"] == "ivan"
    token = csrf_of(client.get("/").text)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/me").status_code == 401


def test_a_session_cookie_copied_before_sign_out_is_signed_out_too(site: Site) -> None:
    client, ana = site.app.test_client(), site.app.test_client()
    sign_in(client, "ivan")
    sign_in(ana, "ana")
    copied = client.get_cookie("session").value
    assert client.post("/auth/logout", data={
        "csrf_token": csrf_of(client.get("/").text)}).status_code == 302

    # The copy, as someone who kept it would send it from another browser.
    thief = site.app.test_client()
    thief.set_cookie("session", copied)

    assert thief.get("/api/me").status_code == 401
    page = thief.get("/auth/account")
    assert page.status_code == 302 and page.headers["Location"].startswith("/auth/login")
    # Another account's session goes on.
    assert ana.get("/api/me").json["member_id"] == "ana"
    # Signing in again works, with a new session.
    assert sign_in(client, "ivan").status_code == 302
    assert client.get("/api/me").json["member_id"] == "ivan"
    assert thief.get("/api/me").status_code == 401


def test_an_admins_form_refuses_a_session_copied_before_sign_out(site: Site) -> None:
    client = site.app.test_client()
    sign_in(client, "root")
    token = csrf_of(client.get("/auth/admin/accounts").text)
    copied = client.get_cookie("session").value
    client.post("/auth/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    thief = site.app.test_client()
    thief.set_cookie("session", copied)

    response = thief.post("/auth/admin/invite", data={"member_id": "petar",
                                                      "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert site.accounts.pending_invites() == []


def test_a_wrong_password_is_refused(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    response = sign_in(client, "ivan", "not the password")

    assert response.status_code == 401
    assert "not right" in response.text
    assert client.get("/api/me").status_code == 401


def test_an_unknown_username_is_refused_alike(sqlite_site: Site) -> None:
    response = sign_in(sqlite_site.app.test_client(), "nobody", "whatever it is")

    assert response.status_code == 401
    assert "the username or the password is not right" in response.text


def test_repeated_failures_lock_the_account_for_a_while(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    for _ in range(5):
        assert sign_in(client, "ivan", "guess guess guess").status_code == 401

    locked = sign_in(client, "ivan", PASSWORD)

    assert locked.status_code == 429
    assert "try again after" in locked.text
    later(sqlite_site, 0.5)
    assert sign_in(client, "ivan", PASSWORD).status_code == 302
    assert sqlite_site.accounts.by_username("ivan").failed_logins == 0


def test_an_unknown_username_locks_exactly_as_an_account_does(site: Site) -> None:
    """Five wrong passwords must not tell whether a username exists: the same statuses and
    the same page (bar the name typed and the form's token), on both databases."""
    moment = utcnow()
    site.accounts.clock = lambda: moment  # both locks end at the same instant

    def attempt(name: str, password: str) -> tuple[int, str]:
        response = sign_in(site.app.test_client(), name, password)
        page = response.text.replace(csrf_of(response.text), "TOKEN")
        return response.status_code, page.replace(f'value="{name}"', 'value="NAME"')

    for _ in range(5):
        assert attempt("ivan", "guess guess guess") == attempt("nobody-at-all", "guess")
    known, unknown = attempt("ivan", PASSWORD), attempt("nobody-at-all", PASSWORD)

    assert known == unknown
    assert unknown[0] == 429 and "try again after" in unknown[1]


def test_a_form_without_its_csrf_token_is_refused(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    response = client.post("/auth/login", data={"username": "ivan", "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


def test_sign_in_goes_back_to_next_but_never_to_another_site(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    token = csrf_of(client.get("/auth/login").text)
    data = {"username": "ivan", "password": PASSWORD, "csrf_token": token}

    local = client.post("/auth/login?next=/auth/account", data=data)
    client.post("/auth/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    token = csrf_of(client.get("/auth/login").text)
    away = client.post("/auth/login?next=//evil.example/x",
                       data={**data, "csrf_token": token})

    assert local.headers["Location"] == "/auth/account"
    assert away.headers["Location"] == "/"


# Each would leave this site once a browser has dropped its tabs and newlines and read
# its backslashes as slashes; the newlines would also break the Location header (a 500).
ELSEWHERE = ["/\t/evil.com", "/\n/evil.com", "/\r/evil.com", "/\r\n/evil.com",
             "/\\evil.com", "\\\\evil.com", "//evil.com", " //evil.com", "/ /evil.com",
             "/\x7f/evil.com", "https://evil.com", "javascript:alert(1)", "evil.com"]
HERE = "/portfolio?timeline_offset=100&lang=tr"


def test_sign_in_never_follows_a_next_that_a_browser_reads_as_another_site(
        sqlite_site: Site) -> None:
    def sign_in_with(target: str):
        client = sqlite_site.app.test_client()
        token = csrf_of(client.get("/auth/login").text)
        return client.post("/auth/login", query_string={"next": target},
                           data={"username": "ivan", "password": PASSWORD,
                                 "csrf_token": token})

    answers = {target: sign_in_with(target) for target in [*ELSEWHERE, HERE]}

    assert {t: (a.status_code, a.headers["Location"]) for t, a in answers.items()} == {
        **{target: (302, "/") for target in ELSEWHERE}, HERE: (302, HERE)}


@pytest.mark.parametrize("encoded", ["%0a", "%0d"])
def test_a_newline_in_next_is_not_a_server_error(sqlite_site: Site, encoded: str) -> None:
    client = sqlite_site.app.test_client()
    token = csrf_of(client.get("/auth/login").text)

    response = client.post(f"/auth/login?next=/{encoded}/evil.com",
                           data={"username": "ivan", "password": PASSWORD,
                                 "csrf_token": token})

    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_the_session_cookie_is_http_only_and_same_site(sqlite_site: Site) -> None:
    response = sign_in(sqlite_site.app.test_client(), "ivan")

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- passwords ---------------------------------------------------------------------------------

def test_changing_the_password_signs_other_sessions_out(sqlite_site: Site) -> None:
    here, elsewhere = sqlite_site.app.test_client(), sqlite_site.app.test_client()
    sign_in(here, "ivan")
    sign_in(elsewhere, "ivan")

    response = form_post(here, "/auth/password", "/auth/password", {
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert here.get("/api/me").status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    assert sign_in(sqlite_site.app.test_client(), "ivan", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("data", [
    {"current": "wrong wrong wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    {"current": PASSWORD, "password": "short", "confirm": "short"},
    {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "something else"},
])
def test_a_bad_password_change_is_refused(sqlite_site: Site, data) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    response = form_post(client, "/auth/password", "/auth/password", data)

    assert response.status_code == 400
    assert sign_in(sqlite_site.app.test_client(), "ivan", PASSWORD).status_code == 302


def test_passwords_are_stored_hashed(sqlite_site: Site) -> None:
    stored = sqlite_site.accounts.by_username("ivan").password_hash

    assert stored.startswith("scrypt:") and PASSWORD not in stored


# -- one-time links --------------------------------------------------------------------------

def admin_link(site: Site, action: str, data: dict | None = None) -> str:
    client = site.app.test_client()
    sign_in(client, "root")
    response = form_post(client, "/auth/admin/accounts", action, data or {})
    assert response.status_code == 201, response.text
    text = response.text
    start = text.index("http://127.0.0.1:5000/auth/")
    return text[start:text.index("<", start)].replace("http://127.0.0.1:5000", "")


def test_an_invitation_makes_an_account_once(site: Site) -> None:
    path = admin_link(site, "/auth/admin/invite", {"member_id": "zoran"})
    client = site.app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "zoran" in page.text
    assert "Your name" not in page.text  # zoran is registered already

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "time_zone": "Europe/Belgrade",
                                       "csrf_token": csrf_of(page.text)})

    assert response.status_code == 302
    account = site.accounts.by_member("zoran")
    assert account.username == "zoran" and account.time_zone == "Europe/Belgrade"
    assert client.get("/api/me").json["roles"] == {"nis-2": "facilitator"}
    assert site.app.test_client().get(path).status_code == 404  # used: it works once


def test_an_invitation_for_a_newcomer_registers_them_in_the_log(site: Site) -> None:
    path = admin_link(site, "/auth/admin/invite", {"member_id": "m-new"})
    client = site.app.test_client()
    page = client.get(path)
    before = site.log_length()

    without_name = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                           "time_zone": "UTC", "csrf_token": csrf_of(page.text)})
    response = client.post(path, data={"display_name": "Nova Nović", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD, "time_zone": "UTC",
                                       "csrf_token": csrf_of(page.text)})

    assert without_name.status_code == 400
    assert response.status_code == 302
    assert site.log_length() == before + 1
    row = site.journey.store.recorder.row_at(before + 1)
    assert row.type == "MemberRegistered" and row.actor == "m-new"
    # In no community yet, greeted by the name they gave.
    site.journey.runner.catch_up()
    home = client.get("/").text
    assert "<h1>Welcome, Nova Nović</h1>" in home
    assert "Welcome, Nova Nović: your account is ready." in home


def test_a_link_expires_after_72_hours(sqlite_site: Site) -> None:
    path = admin_link(sqlite_site, "/auth/admin/invite", {"member_id": "zoran"})

    later(sqlite_site, 71)
    assert sqlite_site.app.test_client().get(path).status_code == 200
    later(sqlite_site, 73)
    assert sqlite_site.app.test_client().get(path).status_code == 404


def test_a_made_up_link_is_404(sqlite_site: Site) -> None:
    assert sqlite_site.app.test_client().get("/auth/invite/made-up").status_code == 404
    assert sqlite_site.app.test_client().get("/auth/reset/made-up").status_code == 404


def test_a_reset_link_sets_a_new_password_once(sqlite_site: Site) -> None:
    ivan = sqlite_site.accounts.by_username("ivan")
    path = admin_link(sqlite_site, f"/auth/admin/accounts/{ivan.id}/reset")
    client = sqlite_site.app.test_client()
    page = client.get(path)

    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_of(page.text)})

    assert response.status_code == 302
    assert sign_in(sqlite_site.app.test_client(), "ivan", NEW_PASSWORD).status_code == 302
    assert sqlite_site.app.test_client().get(path).status_code == 404


def test_an_invitation_for_someone_with_an_account_is_refused(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "root")

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/invite",
                         {"member_id": "ivan"})

    assert response.status_code == 400
    assert "already has an account" in response.text


def test_an_invitation_for_an_erased_member_is_refused(sqlite_site: Site) -> None:
    # Their account would read their communities as them again (the CLI refused already).
    client = sqlite_site.app.test_client()
    sign_in(client, "root")
    erased = form_post(client, "/auth/admin/accounts", "/auth/admin/erase",
                       {"member_id": "zoran", "requested_by": "zoran", "confirm": "y"})
    assert erased.status_code == 302

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/invite",
                         {"member_id": "zoran"})

    assert response.status_code == 400
    assert "zoran was erased" in response.text
    assert sqlite_site.accounts.pending_invites() == []


# -- the account page: time zone and tokens -----------------------------------------------------

def test_the_time_zone_is_kept_per_account(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ivan")

    ok = form_post(client, "/auth/account", "/auth/account/time-zone",
                   {"time_zone": "Africa/Lagos"})
    bad = form_post(client, "/auth/account", "/auth/account/time-zone",
                    {"time_zone": "Mars/Olympus"})

    assert ok.status_code == 302 and bad.status_code == 400
    assert client.get("/api/me").json["time_zone"] == "Africa/Lagos"


def test_tokens_are_made_shown_once_and_revoked(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")

    made = form_post(client, "/auth/account", "/auth/tokens", {"name": "import script"})
    text = made.text
    start = text.index("jt_")
    token = text[start:text.index("<", start)]
    headers = {"Authorization": f"Bearer {token}"}
    assert sqlite_site.client.get("/api/me", headers=headers).json["member_id"] == "ana"
    assert token not in client.get("/auth/account").text  # shown once only
    stored = sqlite_site.accounts.tokens_of(sqlite_site.accounts.by_username("ana").id)
    record = next(t for t in stored if t.name == "import script")

    revoked = form_post(client, "/auth/account", f"/auth/tokens/{record.id}/revoke", {})

    assert revoked.status_code == 302
    assert sqlite_site.client.get("/api/me", headers=headers).status_code == 401



@pytest.mark.parametrize("name", ["a\x00b", "tab\there", "bell\x07"])
def test_a_token_name_with_control_characters_is_refused_in_place(site: Site,
                                                                  name: str) -> None:
    # NUL cannot be stored in PostgreSQL: the page answered 500 there.
    client = site.app.test_client()
    sign_in(client, "ana")
    ana = site.accounts.by_username("ana")
    before = site.accounts.tokens_of(ana.id)

    refused = form_post(client, "/auth/account", "/auth/tokens", {"name": name})

    assert refused.status_code == 400
    assert "a token name has no control characters" in refused.text
    assert site.accounts.tokens_of(ana.id) == before

def test_someone_elses_token_cannot_be_revoked(sqlite_site: Site) -> None:
    ivan = sqlite_site.accounts.by_username("ivan")
    token_id = sqlite_site.accounts.tokens_of(ivan.id)[0].id
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")

    response = form_post(client, "/auth/account", f"/auth/tokens/{token_id}/revoke", {})

    assert response.status_code == 404
    assert sqlite_site.get("ivan", "/api/me").status_code == 200



# An id past the column's range (a 32-bit INTEGER on PostgreSQL, 64-bit on SQLite): a
# made-up URL names no account and no token, as any other unknown id.
BEYOND = [2 ** 31, 2 ** 63, 10 ** 30]


@pytest.mark.parametrize("number", BEYOND)
def test_a_token_id_past_any_key_is_404(site: Site, number: int) -> None:
    client = site.app.test_client()
    sign_in(client, "ana")

    response = form_post(client, "/auth/account", f"/auth/tokens/{number}/revoke", {})

    assert response.status_code == 404


@pytest.mark.parametrize("number", BEYOND)
def test_an_account_id_past_any_key_is_404(site: Site, number: int) -> None:
    client = site.app.test_client()
    sign_in(client, "root")

    response = form_post(client, "/auth/admin/accounts",
                         f"/auth/admin/accounts/{number}/reset", {})

    assert response.status_code == 404

# -- the admin's page ---------------------------------------------------------------------------

def test_only_an_admin_sees_the_accounts_page(sqlite_site: Site) -> None:
    anonymous = sqlite_site.app.test_client().get("/auth/admin/accounts")
    member = sqlite_site.app.test_client()
    sign_in(member, "vera")
    admin = sqlite_site.app.test_client()
    sign_in(admin, "root")

    assert anonymous.status_code == 302
    assert member.get("/auth/admin/accounts").status_code == 403
    page = admin.get("/auth/admin/accounts")
    assert page.status_code == 200
    assert all(name in page.text for name in ("ivan", "mila", "ana", "vera", "root"))


def test_an_admin_erases_a_member_and_their_account(site: Site) -> None:
    client = site.app.test_client()
    sign_in(client, "root")

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/erase",
                         {"member_id": "mila", "requested_by": "mila", "confirm": "y"})

    assert response.status_code == 302
    assert site.accounts.by_member("mila") is None
    assert site.journey.store.recorder.row_at(site.log_length()).type == "MemberErased"


def test_erasure_needs_the_confirmation(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "root")
    before = sqlite_site.log_length()

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/erase",
                         {"member_id": "mila", "requested_by": "mila"})

    assert response.status_code == 400
    assert sqlite_site.log_length() == before


def test_a_refused_erasure_says_why_in_words_not_by_its_rule_code(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "root")
    before = sqlite_site.log_length()

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/erase",
                         {"member_id": "nobody", "requested_by": "nobody", "confirm": "y"})

    assert response.status_code == 422
    assert "Nothing was erased: nobody (member_id) is not a registered member" in response.text
    assert "unknown_member" not in response.text
    assert sqlite_site.log_length() == before


def test_an_erasure_the_instance_cannot_record_appends_nothing_and_says_so(
        sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "root")
    before = sqlite_site.log_length()
    erasures = sqlite_site.journey.log.instance.path / "erasures"
    erasures.unlink(missing_ok=True)
    erasures.mkdir()  # as unwritable as a wrong owner or mode makes it

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/erase",
                         {"member_id": "mila", "requested_by": "mila", "confirm": "y"})

    assert response.status_code == 503
    assert "Nothing was erased" in response.text
    assert sqlite_site.log_length() == before
    assert sqlite_site.accounts.by_member("mila") is not None


def test_an_erasure_retried_with_its_key_finishes_what_the_first_left(sqlite_site: Site,
                                                                       monkeypatch) -> None:
    # The first attempt appended MemberErased and stopped (a crash) before the rest; the
    # client retries with the same idempotency key, as it should.
    import events.erasure as erasure
    body = {"data": {"member_id": "mila", "requested_by": "mila"}, "idempotency_key": "e-1"}
    with monkeypatch.context() as patched:
        patched.setattr(erasure, "_beside_the_log", lambda *args: None)
        first = sqlite_site.client.post("/api/events/MemberErased", json=body,
                                        headers=sqlite_site.as_("root"))
    assert first.status_code == 201 and sqlite_site.accounts.by_member("mila") is not None

    store = sqlite_site.journey.store
    scrubbed: list = []
    scrub = store.scrub_erased
    monkeypatch.setattr(store, "scrub_erased", lambda ids: scrubbed.append(list(ids)) or
                        scrub(ids))

    again = sqlite_site.client.post("/api/events/MemberErased", json=body,
                                    headers=sqlite_site.as_("root"))

    assert again.status_code == 200 and again.json["replayed"] is True
    assert scrubbed == [["mila"]]  # the database is scrubbed of the deleted key's traces
    assert sqlite_site.accounts.by_member("mila") is None
    assert "mila" in (sqlite_site.journey.log.instance.path / "erasures").read_text()


def test_a_member_cannot_use_the_admin_forms(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "ana")
    token = csrf_of(client.get("/auth/account").text)

    response = client.post("/auth/admin/erase", data={
        "member_id": "mila", "requested_by": "mila", "confirm": "y", "csrf_token": token})

    assert response.status_code == 403
    assert sqlite_site.accounts.by_member("mila") is not None


def test_control_characters_in_names_are_refused_not_crashed_on(site: Site) -> None:
    # PostgreSQL refuses NUL in text: such names must never reach a query.
    assert sign_in(site.app.test_client(), "iv\x00an").status_code == 401
    client = site.app.test_client()
    sign_in(client, "root")

    response = form_post(client, "/auth/admin/accounts", "/auth/admin/invite",
                         {"member_id": "m\x00x"})

    assert response.status_code == 400
    assert "no spaces or control characters" in response.text


def test_the_admin_page_shows_each_account_language_and_lock(sqlite_site: Site) -> None:
    ivan = sqlite_site.accounts.by_username("ivan")
    sqlite_site.accounts.set_language(ivan.id, "tr")
    for _ in range(5):
        sign_in(sqlite_site.app.test_client(), "ivan", "guess guess guess")
    admin = sqlite_site.app.test_client()
    sign_in(admin, "root")

    page = admin.get("/auth/admin/accounts").text

    row = page[page.index("<td>ivan</td>"):]
    row = row[:row.index("</tr>")]
    assert "Türkçe" in row and "set, locked" in row
    assert "English" in page  # the others


def test_a_bad_link_says_why_in_the_page_language(sqlite_site: Site) -> None:
    response = sqlite_site.app.test_client().get("/auth/invite/made-up?lang=mk")

    assert response.status_code == 404
    assert '<html lang="mk">' in response.text
    assert "this link is unknown, used or expired" not in response.text
    assert "овој линк е непознат, искористен или истечен" in response.text


def test_the_sign_in_page_asks_in_the_flash_when_a_page_needs_it(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()

    client.get("/auth/account")
    page = client.get("/auth/login")

    assert "Sign in to see this page." in page.text
