"""The coordinator's pages over HTTP: access like the API, the dashboard's numbers equal
the API's report (now and as of a past moment), CSV downloads, comparison and verify."""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cli.main import main
from journey.clock import UTC, format_time, from_micros, parse_time, utcnow
from projections.csv_rows import EVALUATION_CSV_COLUMNS
from projections.leadership.report import LEADERSHIP_CSV_COLUMNS, SESSIONS_CSV_COLUMNS
from tests.browser.test_language import translated
from tests.web.conftest import STORY, sign_in
from web.pages.common import as_of_from_request

METRICS = ("enrolled", "sessions", "breadth", "gini", "entropy", "member_led_share", "rotation",
           "reciprocity", "in_degree_centralization")


def _client(site, who):
    client = site.client
    if who:
        sign_in(client, who)
    return client


def _shown(html: str) -> dict[str, str]:
    """The metrics of a dashboard page: data-metric -> data-value (the unrounded number)."""
    head = html[:html.index('id="tiers-h"')]
    return dict(re.findall(r'data-metric="(\w+)" data-value="([^"]*)"', head))


def _as_text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("who, path, status", [
    ("vera", "/coordinate", 200), ("root", "/coordinate", 200),
    ("mila", "/coordinate", 403), ("ana", "/coordinate", 403),
    ("vera", "/coordinate/communities/vrsac-1", 200),
    ("vera", "/coordinate/communities/skopje-1", 403),
    ("mila", "/coordinate/communities/vrsac-1", 403),
    # like GET /api/communities/<id>/leadership: a community's members read its report
    ("ivan", "/coordinate/communities/vrsac-1", 200), ("ivan", "/coordinate", 403),
    ("vera", "/coordinate/communities/nowhere", 404),
    ("vera", "/coordinate/networks/sel-serbia", 200),
    ("root", "/coordinate/networks/mk-net", 200),
    ("vera", "/coordinate/networks/mk-net", 403),
    ("ana", "/coordinate/networks/sel-serbia", 403),
    ("vera", "/coordinate/networks/nowhere", 404),
    ("vera", "/coordinate/verify", 200), ("ivan", "/coordinate/verify", 403),
    ("vera", "/coordinate/compare?community=vrsac-1", 200),
    ("ana", "/coordinate/compare?community=vrsac-1", 403),
    ("vera", "/coordinate/compare?community=skopje-1", 403),
    ("vera", "/coordinate/compare?community=nowhere", 404),
])
def test_access_matches_the_api(sqlite_site, who, path, status):
    assert _client(sqlite_site, who).get(path).status_code == status


@pytest.mark.parametrize("path", ["/coordinate", "/coordinate/communities/vrsac-1",
                                  "/coordinate/networks/sel-serbia", "/coordinate/compare",
                                  "/coordinate/verify",
                                  "/coordinate/communities/vrsac-1/leadership.csv"])
def test_anonymous_is_sent_to_sign_in(sqlite_site, path):
    response = sqlite_site.client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_index_links_my_network_and_its_communities(sqlite_site):
    text = _client(sqlite_site, "vera").get("/coordinate").text
    assert 'href="/coordinate/networks/sel-serbia"' in text
    assert 'href="/coordinate/communities/vrsac-1"' in text and "CoP Vršac" in text
    assert "skopje-1" not in text and "mk-net" not in text
    assert 'href="/coordinate/verify"' in text


def test_dashboard_numbers_equal_the_api_report(site):
    client = _client(site, "vera")
    page = client.get("/coordinate/communities/vrsac-1?from=2024-01-01&to=2024-07-01")
    api = site.get("vera", "/api/communities/vrsac-1/leadership?from=2024-01-01&to=2024-07-01"
                   ).get_json()
    shown = _shown(page.text)
    assert set(shown) == set(METRICS)
    for key in METRICS:
        assert shown[key] == _as_text(api[key]), key
    # the tiers distribution and every metric's explanation are there
    counts = dict(re.findall(r'data-tier="(\w+)">(\d+)<', page.text))
    assert counts == {"core": "1", "active": "0", "peripheral": "0", "inactive": "1"}
    assert "Share of enrolled people who led at least one session" in page.text
    assert page.text.count('<svg class="chart"') >= 4          # tiers + trend charts


def test_network_dashboard_equals_the_api_and_lists_its_communities(sqlite_site):
    page = _client(sqlite_site, "vera").get("/coordinate/networks/sel-serbia").text
    api = sqlite_site.get("vera", "/api/networks/sel-serbia/leadership").get_json()
    shown = _shown(page)
    for key in METRICS:
        assert shown[key] == _as_text(api[key]), key
    side = page[page.index("Communities side by side"):]
    assert "CoP Vršac" in side and "CoP Niš" in side


def test_as_of_replays_the_earlier_numbers(sqlite_site):
    site = sqlite_site
    moment = format_time(utcnow())
    time.sleep(0.01)
    response = site.post("ana", "SessionLed", {"community_id": "vrsac-1", "session_id": "s-2",
                                               "leaders": ["ana"], "title": "Parents evening",
                                               "format": "meeting"})
    assert response.status_code == 201, response.get_json()
    client = _client(site, "vera")
    then = client.get(f"/coordinate/communities/vrsac-1?as_of={quote(moment)}")
    now = client.get("/coordinate/communities/vrsac-1")
    api_then = site.get("vera", f"/api/communities/vrsac-1/leadership?as_of={quote(moment)}"
                        ).get_json()
    assert then.status_code == 200
    assert "History replayed" in then.text and "History replayed" not in now.text
    shown_then, shown_now = _shown(then.text), _shown(now.text)
    for key in METRICS:
        assert shown_then[key] == _as_text(api_then[key]), key
    assert shown_then["sessions"] == "1" and shown_now["sessions"] == "2"
    assert f"log position {api_then['as_of_position']}" in then.text


@pytest.mark.parametrize("query", ["as_of=not-a-date", "as_of=2999-01-01", "from=xx",
                                   "from=2024-05-01&to=2024-01-01", "to=9999-12-31",
                                   "from=1000-01-01"])
def test_bad_dates_are_messages_not_errors(sqlite_site, query):
    response = _client(sqlite_site, "vera").get(f"/coordinate/communities/vrsac-1?{query}")
    assert response.status_code == 200
    assert 'class="errors"' in response.text


@pytest.mark.parametrize("path", ["/coordinate/communities/vrsac-1",
                                  "/coordinate/networks/sel-serbia"])
def test_a_refused_window_stays_in_the_form_as_it_was_typed(sqlite_site, path):
    """The window ends before it starts: all time is shown, and the boxes keep the two
    dates as typed, so the coordinator corrects one of them rather than typing both again."""
    response = _client(sqlite_site, "vera").get(f"{path}?from=2024-05-01&to=2024-01-01")
    assert 'id="window-error"' in response.text
    boxes = dict(re.findall(r'<input id="(window-(?:from|to))" type="date" name="\w+" '
                            r'value="([^"]*)"', response.text))
    assert boxes == {"window-from": "2024-05-01", "window-to": "2024-01-01"}


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_as_of_is_now_and_tomorrow_is_in_the_future(sqlite_site, zone):
    for who in ("ivan", "vera"):
        sqlite_site.accounts.set_time_zone(sqlite_site.accounts.by_username(who).id, zone)
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    pages = [("ivan", "/portfolio"), ("ivan", "/communities/vrsac-1"),
             ("vera", "/coordinate/communities/vrsac-1")]
    for who, path in pages:
        client = _client(sqlite_site, who)
        now = client.get(f"{path}?as_of={today.isoformat()}")
        later = client.get(f"{path}?as_of={(today + timedelta(days=1)).isoformat()}")
        assert now.status_code == 200 and 'id="as-of-error"' not in now.text, path
        assert "in the future" in later.text and 'id="as-of-error"' in later.text, path


@pytest.mark.parametrize("text,utc", [
    ("2024-01-01T00:00:00-05:00", datetime(2024, 1, 1, 5, tzinfo=UTC)),
    ("2024-01-01T00:00:00+01:00", datetime(2023, 12, 31, 23, tzinfo=UTC)),
    ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
    ("2024-01-01T00:00:00", datetime(2024, 1, 1, tzinfo=UTC)),  # the reader's zone: UTC
])
def test_as_of_keeps_the_offset_it_is_given(sqlite_site, text, utc):
    with sqlite_site.app.test_request_context(f"/coordinate?as_of={quote(text)}"):
        as_of = as_of_from_request()
    assert as_of.error is None and as_of.moment == utc


@pytest.mark.parametrize("path", ["/coordinate/communities/vrsac-1",
                                  "/coordinate/networks/sel-serbia"])
def test_as_of_before_the_community_or_network_existed_says_so(sqlite_site, path):
    response = _client(sqlite_site, "vera").get(f"{path}?as_of=2020-01-01")
    assert response.status_code == 200 and "Not yet recorded" in response.text


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_downloads_have_the_cli_columns(sqlite_site):
    client = _client(sqlite_site, "vera")
    leadership = client.get("/coordinate/communities/vrsac-1/leadership.csv")
    rows = _rows(leadership)
    assert rows[0] == list(LEADERSHIP_CSV_COLUMNS) and rows[1][:2] == ["community", "vrsac-1"]
    assert leadership.headers["Journey-Log-Position"] == str(sqlite_site.log_length())
    assert re.fullmatch(r"[0-9a-f]{64}", leadership.headers["Journey-Log-Head"])
    sessions = _rows(client.get("/coordinate/communities/vrsac-1/sessions.csv"))
    assert sessions[0] == list(SESSIONS_CSV_COLUMNS)
    assert [r[1] for r in sessions[1:]] == ["s-1"]
    network = _rows(client.get("/coordinate/networks/sel-serbia/leadership.csv"))
    assert [r[:2] for r in network[1:]] == [["community", "nis-2"], ["community", "vrsac-1"],
                                            ["network", "sel-serbia"]]
    stories = _rows(client.get("/coordinate/compare.csv?community=nis-2&period=2024-01-01.."))
    assert stories[0] == list(EVALUATION_CSV_COLUMNS)
    assert client.get("/coordinate/networks/mk-net/leadership.csv").status_code == 403
    assert client.get("/coordinate/communities/vrsac-1/leadership.csv?as_of=bad"
                      ).status_code == 400


def test_a_network_csv_as_of_a_past_moment_has_the_communities_founded_by_then(sqlite_site):
    # As of vrsac-1's founding, nis-2 (founded next) was not recorded yet.
    founded = [i for i, (_, e) in enumerate(STORY, 1) if e.type == "CommunityFounded"]
    row = sqlite_site.journey.store.recorder.row_at(founded[0])
    as_of = quote(format_time(from_micros(row.recorded_at)))
    client = _client(sqlite_site, "vera")
    for table in ("leadership", "sessions"):
        rows = _rows(client.get(f"/coordinate/networks/sel-serbia/{table}.csv?as_of={as_of}"))
        if table == "leadership":
            assert [r[:2] for r in rows[1:]] == [["community", "vrsac-1"],
                                                ["network", "sel-serbia"]]
            config = sqlite_site.journey.config
            cli = CliRunner().invoke(main, [
                "export-csv", "--report", "leadership", "--network", "sel-serbia",
                "--as-of", format_time(from_micros(row.recorded_at))], env={
                "JOURNEY_DATABASE_URL": config.database_url,
                "JOURNEY_INSTANCE_DIR": str(config.instance_dir)})
            assert cli.exit_code == 0, cli.output
            assert list(csv.reader(io.StringIO(cli.stdout))) == rows


def test_compare_puts_communities_and_periods_side_by_side(sqlite_site):
    site = sqlite_site
    response = site.post("mila", "ReflectionRecorded",
                         {"reflection_id": "rf-net", "member_id": "mila",
                          "text": "Our students now plan the school fair themselves.",
                          "community_id": "nis-2", "visibility": "network",
                          "value_cycle": "applied"}, occurred_at="2024-03-02T10:00:00Z")
    assert response.status_code == 201, response.get_json()
    page = _client(site, "vera").get(
        "/coordinate/compare?community=vrsac-1&community=nis-2"
        "&from=2024-01-01&to=2024-02-01&from=2024-02-01&to=2024-04-01")
    assert page.status_code == 200
    table = page.text[page.text.index('id="figures-h"'):page.text.index('id="stories-h"')]
    assert table.count('<th scope="col" class="number">') == 4   # 2 communities x 2 periods
    evaluation = site.get("vera", "/api/evaluation?community=vrsac-1&community=nis-2"
                          "&period=2024-01-01..2024-02-01&period=2024-02-01..2024-04-01"
                          ).get_json()
    held = [c["summary"]["sessions_held"] for c in evaluation["columns"]]
    row = table[table.index("Sessions held"):]
    assert re.findall(r'<td class="number">(\d+)</td>', row)[:4] == [str(h) for h in held]
    stories = page.text[page.text.index('id="stories-h"'):]
    applied = stories[stories.index("Applied value"):stories.index("Realized value")]
    assert "Our students now plan the school fair themselves." in applied


def test_compare_with_a_bad_period_shows_the_form_again(sqlite_site):
    response = _client(sqlite_site, "vera").get(
        "/coordinate/compare?community=vrsac-1&period=yesterday")
    assert response.status_code == 400
    assert "is not a period" in response.text and 'id="period-errors"' in response.text


def test_a_refused_period_stays_in_the_form_as_it_was_typed(sqlite_site):
    """The second period ends before it starts: the form shows both periods as typed, so
    the coordinator corrects the one date, and nothing shifts into another period's boxes."""
    response = _client(sqlite_site, "vera").get(
        "/coordinate/compare?community=vrsac-1"
        "&from=2024-01-01&to=2024-02-01&from=2024-03-01&to=2024-02-15")
    assert response.status_code == 400 and 'id="period-errors"' in response.text
    boxes = dict(re.findall(r'<input id="(period-\d-(?:from|to))" type="date" name="\w+" '
                            r'value="([^"]*)">', response.text))
    assert boxes == {"period-0-from": "2024-01-01", "period-0-to": "2024-02-01",
                     "period-1-from": "2024-03-01", "period-1-to": "2024-02-15"}

    first_refused = _client(sqlite_site, "vera").get(
        "/coordinate/compare?community=vrsac-1"
        "&from=2024-03-01&to=2024-02-15&from=2024-01-01&to=2024-02-01")
    boxes = dict(re.findall(r'<input id="(period-\d-(?:from|to))" type="date" name="\w+" '
                            r'value="([^"]*)">', first_refused.text))
    assert boxes["period-0-from"] == "2024-03-01" and boxes["period-1-from"] == "2024-01-01"


@pytest.mark.parametrize("as_of", ["garbage", "2999-01-01"])
def test_the_compare_download_asks_what_the_page_shows(sqlite_site, as_of):
    assert sqlite_site.post("mila", "ReflectionRecorded", {
        "reflection_id": "rf-net", "member_id": "mila", "text": "The students plan the fair.",
        "community_id": "nis-2", "visibility": "network", "value_cycle": "applied"}
    ).status_code == 201
    client = _client(sqlite_site, "vera")
    page = client.get(f"/coordinate/compare?community=nis-2&from=2024-01-01&to="
                      f"&period=..2025-01-01&as_of={as_of}")
    link = re.search(r'<a href="([^"]+)" download>', page.text).group(1).replace("&amp;", "&")

    download = client.get(link)

    assert page.status_code == 200 and 'id="as-of-error"' in page.text
    assert download.status_code == 200 and "The students plan the fair." in download.text
    assert _rows(download) == _rows(client.get(
        "/coordinate/compare.csv?community=nis-2&period=..2025-01-01&period=2024-01-01.."))


def test_a_period_that_ends_before_it_starts_is_said_in_the_readers_language(sqlite_site):
    response = _client(sqlite_site, "vera").get(
        "/coordinate/compare?community=vrsac-1&period=2025-01-01..2024-01-01&lang=tr")
    detail = "the period ends (2024-01-01) before it starts (2025-01-01)"
    meaning = translated("tr", "These dates do not make a period that can be shown: check them.")

    assert response.status_code == 400
    assert f"{meaning} ({detail})" in response.text.replace("&#39;", "'")


def test_verify_says_ok_with_the_head(sqlite_site):
    text = _client(sqlite_site, "vera").get("/coordinate/verify").text
    api = sqlite_site.get("vera", "/api/verify").get_json()
    assert api["ok"]
    assert f"OK: {api['events']} events" in text and api["head"] in text


def _charts_of(html: str) -> list[str]:
    return re.findall(r'<svg class="chart".*?</svg>', html, flags=re.S)


def test_chart_numbers_are_written_in_the_page_language(sqlite_site):
    """Axes, tooltips and the screen readers' <desc> write numbers as the tables do."""
    client = _client(sqlite_site, "vera")  # vera's account has no language of its own
    english = _charts_of(client.get("/coordinate/communities/vrsac-1?lang=en").text)
    turkish = _charts_of(client.get("/coordinate/communities/vrsac-1?lang=tr").text)

    assert len(turkish) >= 4 and len(english) == len(turkish)
    assert any("0.25" in chart for chart in english)  # the ratio charts' axis
    assert any(">0,25<" in chart for chart in turkish)
    for chart in turkish:
        words = " ".join(re.findall(r">([^<]+)<", chart))  # not the coordinates
        assert not re.search(r"\d\.\d", words), words  # quarters (2024-Q1) have no dot
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", turkish[2], flags=re.S).group(1)
    assert re.search(r"\d,\d\d", desc), desc  # a ratio, as the table shows it


def test_a_network_csv_as_of_before_the_network_existed_is_unknown_network(sqlite_site):
    """As the network's report and dashboard answer: the log did not know it yet."""
    created = next(i for i, (_, e) in enumerate(STORY, 1) if e.type == "NetworkCreated")
    row = sqlite_site.journey.store.recorder.row_at(created)
    before = format_time(from_micros(row.recorded_at - 1))
    client = _client(sqlite_site, "vera")
    config = sqlite_site.journey.config
    for table in ("leadership", "sessions"):
        page = client.get(f"/coordinate/networks/sel-serbia/{table}.csv?as_of={quote(before)}")
        assert page.status_code == 422 and b"network" in page.data
        cli = CliRunner().invoke(main, [
            "export-csv", "--report", table, "--network", "sel-serbia", "--as-of", before],
            env={"JOURNEY_DATABASE_URL": config.database_url,
                 "JOURNEY_INSTANCE_DIR": str(config.instance_dir)})
        assert cli.exit_code == 1 and "error: unknown_network: " in cli.output, cli.output


def test_no_downloaded_csv_cell_starts_like_a_formula(sqlite_site):
    # Text a spreadsheet would run (OWASP "CSV injection"): ids a client chose, titles,
    # a reflection's text and prompt. Every download goes through the one writer.
    calc = "+cmd|'/C calc'!A0"
    for who, type_name, data in [
            ("ana", "CommunityFounded", {"community_id": "-c9", "name": "=Hostile",
                                         "domain": "SEL", "network_id": "sel-serbia"}),
            ("ivan", "SessionLed", {"community_id": "vrsac-1", "session_id": "@s-2",
                                    "leaders": ["ivan"], "title": calc, "format": "meeting"}),
            ("ivan", "ReflectionRecorded", {"reflection_id": "rf-9", "member_id": "ivan",
                                            "text": "-1+1", "prompt": "=1+1",
                                            "community_id": "vrsac-1", "visibility": "network",
                                            "value_cycle": "applied"})]:
        response = sqlite_site.post(who, type_name, data)
        assert response.status_code == 201, response.get_json()
    client = _client(sqlite_site, "vera")

    def table(path):
        rows = _rows(client.get(path))
        return [dict(zip(rows[0], row)) for row in rows[1:]], rows[1:]

    leadership, all_rows = table("/coordinate/networks/sel-serbia/leadership.csv")
    [hostile] = [r for r in leadership if r["id"] == "'-c9"]
    assert (hostile["enrolled"], hostile["sessions"]) == ("0", "0")  # numbers stay numbers
    sessions, rows = table("/coordinate/communities/vrsac-1/sessions.csv")
    all_rows += rows
    [led] = [r for r in sessions if r["session_id"] == "'@s-2"]
    assert led["position"] == str(sqlite_site.log_length() - 1)
    stories, rows = table("/coordinate/compare.csv?community=vrsac-1&period=2024-01-01..")
    all_rows += rows
    [story] = [r for r in stories if r["reflection_id"] == "rf-9"]
    assert (story["text"], story["prompt"]) == ("'-1+1", "'=1+1")
    assert not [cell for row in all_rows for cell in row if cell[:1] in "=+-@\t\r" and cell]


def _export_csv(site, *args: str):
    config = site.journey.config
    return CliRunner().invoke(main, ["export-csv", *args], env={
        "JOURNEY_DATABASE_URL": config.database_url,
        "JOURNEY_INSTANCE_DIR": str(config.instance_dir)})


@pytest.mark.parametrize("path", ["/coordinate/networks/sel-serbia",
                                  "/coordinate/communities/vrsac-1"])
def test_a_download_link_carries_the_exact_moment_the_page_showed(sqlite_site, path):
    """The picker means the end of the day; the link says which moment that was, in RFC
    3339 UTC, so the CSV is the one `journey export-csv --as-of` gives for that moment."""
    today = utcnow().date()  # vera's zone is UTC; the whole story was recorded today
    client = _client(sqlite_site, "vera")
    page = client.get(f"{path}?as_of={today.isoformat()}")
    assert page.status_code == 200 and 'id="as-of-error"' not in page.text
    for table in ("leadership", "sessions"):
        link = re.search(rf'<a href="([^"]*/{table}\.csv[^"]*)" download>', page.text
                         ).group(1).replace("&amp;", "&")
        as_of = parse_qs(urlsplit(link).query)["as_of"][0]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", as_of), as_of
        assert parse_time(as_of).date() == today and parse_time(as_of) <= utcnow()
        scope = ["--network", "sel-serbia"] if "networks" in path else ["--community",
                                                                         "vrsac-1"]
        cli = _export_csv(sqlite_site, "--report", table, *scope, "--as-of", as_of)
        assert cli.exit_code == 0, cli.output
        assert list(csv.reader(io.StringIO(cli.stdout))) == _rows(client.get(link))


def test_a_download_reads_a_bare_date_as_the_api_and_the_cli_do(sqlite_site):
    """DESIGN: YYYY-MM-DD is 00:00 UTC of that day, for the CSV as for the API and the
    command line -- today's 00:00, before anything of the story was recorded."""
    today = utcnow().date().isoformat()
    client = _client(sqlite_site, "vera")
    download = client.get(f"/coordinate/networks/sel-serbia/leadership.csv?as_of={today}")
    api = sqlite_site.get("vera", f"/api/networks/sel-serbia/leadership?as_of={today}")
    cli = _export_csv(sqlite_site, "--report", "leadership", "--network", "sel-serbia",
                      "--as-of", today)
    # Not yet recorded as of then: the API's 404 for its URL's id, the download's 422 (as
    # test_a_network_csv_as_of_before_the_network_existed_is_unknown_network).
    assert api.status_code == 404 and api.get_json()["error"] == "unknown_network"
    assert download.status_code == 422 and b"network" in download.data
    assert cli.exit_code == 1 and "error: unknown_network: " in cli.output, cli.output
    # A moment without its offset means nothing to anyone else: refused, as by the API.
    assert client.get("/coordinate/networks/sel-serbia/leadership.csv"
                      "?as_of=2024-01-01T00:00:00").status_code == 400
