"""A coordinator replays history on the leadership dashboard: the earlier numbers equal the
API's report as of the same moment and differ from now; the coordination pages pass axe."""
from __future__ import annotations

from datetime import datetime, time
from urllib.parse import quote
from zoneinfo import ZoneInfo

from tests.browser.conftest import accessible, sign_in, snap

METRICS = ("enrolled", "sessions", "breadth", "gini", "entropy", "member_led_share", "rotation",
           "reciprocity", "in_degree_centralization")
DAY = "2021-01-01"


def _shown(page) -> dict[str, str]:
    cards = page.locator(".metrics [data-metric]")
    return {cards.nth(i).get_attribute("data-metric"): cards.nth(i).get_attribute("data-value")
            for i in range(cards.count())}


def _text(value) -> str:
    return "" if value is None else str(value)


def test_coordinator_moves_the_as_of_date_back(page, live) -> None:
    sign_in(page, "coordinator")
    me = page.request.get("/api/me").json()
    network = me["coordinated_networks"][0]
    page.goto("/coordinate")
    accessible(page)
    snap(page, "coordinate-index")

    page.locator(f'a[href="/coordinate/networks/{network}"]').click()
    page.wait_for_load_state()
    now = _shown(page)
    api_now = page.request.get(f"/api/networks/{network}/leadership").json()
    assert now == {k: _text(api_now[k]) for k in METRICS}
    assert page.locator(".as-of-notice").count() == 0
    accessible(page)
    snap(page, "coordinate-network")

    page.get_by_label("As of (replay history to the end of this day)").fill(DAY)
    page.get_by_role("button", name="Replay").click()
    page.wait_for_load_state()
    assert page.locator(".as-of-notice").is_visible()
    then = _shown(page)
    # the page's day ends at midnight in the account's time zone
    zone = ZoneInfo(me["time_zone"])
    moment = datetime.combine(datetime.fromisoformat(DAY).date(), time(23, 59, 59, 999999), zone)
    api_then = page.request.get(f"/api/networks/{network}/leadership?as_of="
                                + quote(moment.isoformat())).json()
    assert then == {k: _text(api_then[k]) for k in METRICS}
    assert then != now
    assert f"log position {api_then['as_of_position']:,}" in page.locator(".as-of-notice").inner_text()
    accessible(page)
    snap(page, "coordinate-network-as-of")

    # one of its communities, replayed to the same day
    page.locator("section", has_text="Communities side by side").locator("table a").first.click()
    page.wait_for_load_state()
    assert page.locator(".as-of-notice").is_visible()
    accessible(page)
    snap(page, "coordinate-community")


def test_coordinator_compares_and_verifies(page, live) -> None:
    sign_in(page, "coordinator")
    page.goto("/coordinate/compare")
    boxes = page.locator('input[name="community"]')
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_label("Period 1 from").fill("2020-01-01")
    page.get_by_label("Period 1 to (exclusive)").fill("2021-01-01")
    page.get_by_label("Period 2 from").fill("2021-01-01")
    page.get_by_label("Period 2 to (exclusive)").fill("2022-01-01")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_load_state()
    table = page.locator("table", has_text="What happened in each community and period")
    assert table.locator("thead th").count() == 5
    assert page.get_by_role("heading", name="Value-creation stories by cycle").is_visible()
    accessible(page)
    snap(page, "coordinate-compare")

    page.goto("/coordinate/verify")
    status = page.locator("#verify-status").inner_text()
    api = page.request.get("/api/verify").json()
    assert api["ok"] and status.startswith(f"OK: {api['events']:,} events")
    accessible(page)
    snap(page, "coordinate-verify")
