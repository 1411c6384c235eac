"""The app factory: configuration, the installation it opens, security headers and limits."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask_wtf import FlaskForm

from events.ready import NotInitialised
from journey.config import Config
from journey.events import MemberRegistered
from journey.records import RecordEvent
from projections.app import init_journey
from tests.web.conftest import Site, make_app, seed, sign_in
from web.app import close_app, create_app
from web.extensions import csrf
from web.forms import LocalDateTimeField
from web.security import HEADERS


def config_for(url: str, tmp_path, base_url: str = "http://127.0.0.1:5000") -> Config:
    return Config(database_url=url, instance_dir=tmp_path / "instance", base_url=base_url)


def test_the_home_page_counts_the_events_at_the_head(sqlite_url, tmp_path) -> None:
    config = config_for(sqlite_url, tmp_path)
    init_journey(config)
    app = create_app(config)
    try:
        before = app.test_client().get("/")
        app.extensions["journey"].store.submit(RecordEvent(
            MemberRegistered(member_id="ana", display_name="Ana"), "ana",
            datetime(2024, 3, 5, tzinfo=timezone.utc)))
        after = app.test_client().get("/")
    finally:
        close_app(app)

    assert before.status_code == 200
    assert "Journey is running with 0 events at the log head" in before.text
    assert "Journey is running with 1 events at the log head" in after.text


def test_the_app_refuses_an_uninitialised_installation(sqlite_url, tmp_path) -> None:
    with pytest.raises(NotInitialised):
        create_app(config_for(sqlite_url, tmp_path))


def test_without_a_config_it_reads_the_environment(sqlite_url, tmp_path, monkeypatch) -> None:
    config = config_for(sqlite_url, tmp_path, "https://journey.example.org")
    init_journey(config)
    monkeypatch.setenv("JOURNEY_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("JOURNEY_INSTANCE_DIR", str(config.instance_dir))
    monkeypatch.setenv("JOURNEY_BASE_URL", config.base_url)

    app = create_app()
    try:
        assert app.extensions["journey"].config == config
        assert app.config["JOURNEY_BASE_URL"] == "https://journey.example.org"
    finally:
        close_app(app)


def test_a_mapping_configures_flask_and_journey(sqlite_url, tmp_path) -> None:
    config = config_for(sqlite_url, tmp_path)
    init_journey(config)

    app = create_app({"JOURNEY_DATABASE_URL": sqlite_url,
                      "JOURNEY_INSTANCE_DIR": str(config.instance_dir),
                      "READ_WAIT_SECONDS": 1.5, "TESTING": True})
    try:
        assert app.config["READ_WAIT_SECONDS"] == 1.5
        assert app.extensions["journey"].config.database_url == sqlite_url
        assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
        assert app.config["SECRET_KEY"]  # from the instance directory
    finally:
        close_app(app)


def test_projections_fold_in_the_background_until_the_app_is_closed(sqlite_url,
                                                                    tmp_path) -> None:
    app = make_app(sqlite_url, tmp_path / "instance", JOURNEY_BACKGROUND=True)
    runner = app.extensions["journey"].runner
    assert runner._thread is not None  # noqa: SLF001

    close_app(app)

    assert runner._thread is None  # noqa: SLF001
    assert "journey" not in app.extensions
    close_app(app)  # closing twice is harmless


@pytest.mark.parametrize("path", ["/", "/auth/login", "/api/docs", "/api/openapi.json",
                                  "/api/me", "/api/nothing", "/static/journey.css"])
def test_every_response_carries_the_security_headers(sqlite_site: Site, path: str) -> None:
    response = sqlite_site.client.get(path)
    response.close()

    for name, value in HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_answers_for_one_person_are_never_stored(sqlite_site: Site) -> None:
    signed = sqlite_site.app.test_client()
    sign_in(signed, "ivan")
    anonymous = sqlite_site.app.test_client()

    for answer in (signed.get("/portfolio"), signed.get("/auth/account"),
                   sqlite_site.get("ivan", "/api/me"), anonymous.get("/shared/unknown"),
                   anonymous.get("/auth/login")):
        assert answer.headers["Cache-Control"] == "private, no-store", answer.request.path
    # What is the same for everyone may be kept.
    with anonymous.get("/static/journey.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
    assert "Cache-Control" not in anonymous.get("/api/openapi.json").headers


def test_pages_have_no_inline_script_or_style(sqlite_site: Site) -> None:
    client = sqlite_site.app.test_client()
    sign_in(client, "root")
    for path in ("/", "/auth/login", "/auth/account", "/auth/password",
                 "/auth/admin/accounts", "/api/docs"):
        text = client.get(path).text
        assert "<script" not in text and "style=" not in text and "<style" not in text, path
        assert "<main" in text and "<nav" in text, path


def test_on_https_the_session_cookie_is_secure(sqlite_url, tmp_path) -> None:
    app = make_app(sqlite_url, tmp_path / "instance", base_url="https://journey.example.org")
    try:
        site = Site(app, seed(app))
        response = sign_in(site.app.test_client(), "ivan")
        assert "Secure" in response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        close_app(app)


def test_a_page_body_over_the_limit_is_413(sqlite_site: Site) -> None:
    response = sqlite_site.client.post("/auth/login", data={"username": "x" * (1024 * 1024)})

    assert response.status_code == 413


def test_an_unexpected_api_failure_is_a_json_500(sqlite_url, tmp_path) -> None:
    app = make_app(sqlite_url, tmp_path / "instance", PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/api/boom", "boom", boom)
    try:
        response = app.test_client().get("/api/boom")
    finally:
        close_app(app)

    assert response.status_code == 500
    assert response.json["error"] == "internal"
    assert "a bug" not in response.text


class WhenForm(FlaskForm):
    class Meta:
        csrf = False

    when = LocalDateTimeField("When")


def test_form_times_are_read_in_the_account_time_zone(sqlite_url, tmp_path) -> None:
    app = make_app(sqlite_url, tmp_path / "instance")

    @app.post("/when-test")
    @csrf.exempt
    def when_test():
        form = WhenForm()
        if not form.validate():
            return {"errors": form.when.errors}, 422
        return {"utc": form.when.data.isoformat(), "shown": form.when._value()}

    try:
        site = Site(app, seed(app))
        site.accounts.set_time_zone(site.accounts.by_username("ivan").id, "Europe/Belgrade")
        client = app.test_client()
        sign_in(client, "ivan")

        winter = client.post("/when-test", data={"when": "2024-03-05T14:00"}).json
        summer = client.post("/when-test", data={"when": "2024-07-05T14:00"}).json
        anonymous = app.test_client().post("/when-test", data={"when": "2024-03-05T14:00"}).json
        # Midnight of year 1 in Belgrade is in year 0 in UTC: a message, not a 500.
        before_time = client.post("/when-test", data={"when": "0001-01-01T00:30"})
    finally:
        close_app(app)

    assert winter == {"utc": "2024-03-05T13:00:00+00:00", "shown": "2024-03-05T14:00"}
    assert summer["utc"] == "2024-07-05T12:00:00+00:00"
    assert anonymous["utc"] == "2024-03-05T14:00:00+00:00"
    assert before_time.status_code == 422
    assert before_time.json["errors"] == ["This time is outside the years 0001 to 9999 in UTC."]
