"""Browser tests: the real app on a real port, driven by Debian's chromium (headless).

One server per session, on SQLite, loaded with the small demo (its recorded_at span
2019-2025, so replaying history moves the numbers) and an account per role with a known
password, plus a second teacher of the first teacher's community. Tests that write use
ids of their own, so their order does not matter.

`page` is a fresh browser context per test (no cookies carried over). `accessible(page)`
runs axe-core in the page and fails on any serious or critical violation; `snap(page,
name)` saves a full-page screenshot under tests/artifacts/ (not committed).
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli.users import demo_people
from journey.access import status_at
from journey.clock import to_micros, utcnow
from journey.config import Config
from projections.app import init_journey
from projections.demo_runner import load_demo
from web.app import close_app, create_app

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
FAST_HASH = "scrypt:1024:8:1"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Person:
    username: str
    member_id: str | None


@dataclass
class Live:
    """The served app: its URL, the app object and the demo's people."""

    url: str
    app: object
    people: dict[str, Person] = field(default_factory=dict)

    def path(self, path: str) -> str:
        return self.url + path

    @property
    def journey(self):
        return self.app.extensions["journey"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _second_teacher(state, community_of_teacher: str, taken: set[str], at: int) -> str:
    for (community, person), timeline in sorted(state.timelines.items()):
        if community == community_of_teacher and person not in taken \
                and status_at(timeline, at) == "member":
            return person
    raise AssertionError("the demo has no second teacher in the teacher's community")


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("browser")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    config = Config(database_url=f"sqlite:///{folder / 'journey.db'}",
                    instance_dir=folder / "instance", base_url=url)
    init_journey(config)
    app = create_app({"JOURNEY_CONFIG": config, "PASSWORD_METHOD": FAST_HASH,
                      "JOURNEY_BACKGROUND": True})
    installation = app.extensions["journey"]
    load_demo(installation.store)
    installation.runner.wait_for(installation.store.last_position(), timeout=120)
    now = to_micros(utcnow())

    def people(state):
        found = demo_people(state, now)
        teacher = found["teacher"]
        community = next(c for (c, p), t in state.timelines.items()
                         if p == teacher and status_at(t, now) == "member")
        found["teacher2"] = _second_teacher(state, community,
                                            {v for v in found.values() if v}, now)
        found["community"] = community
        return found

    found = installation.store.read_state(people)
    accounts = app.extensions["journey_accounts"]
    live = Live(url, app)
    for role in ("teacher", "teacher2", "facilitator", "coordinator"):
        accounts.add(role, PASSWORD, member_id=found[role])
        live.people[role] = Person(role, found[role])
    accounts.add("admin", PASSWORD, is_admin=True)
    live.people["admin"] = Person("admin", None)
    live.people["community"] = Person(found["community"], None)  # the teachers' community

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()  # the listening socket, else left to the garbage collector
        thread.join(10)
        close_app(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, live) -> Iterator[object]:
    context = browser.new_context(base_url=live.url, locale="en-GB")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n.get('target')) for n in v['nodes'][:3]) for v in bad)


def in_view(locator) -> bool:
    """Whether the element is on the screen the page opened at (no scrolling needed)."""
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.bottom > 0 && r.top < window.innerHeight; }")


def snap(page, name: str) -> Path:
    """A full-page screenshot under tests/artifacts/ (for people to look at; not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
