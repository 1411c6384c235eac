"""The seeded web story (tests/web/conftest.py) served on a real port, plus Eva (an e-mail).

`served` runs the app with werkzeug's make_server in a thread, JOURNEY_BASE_URL set to
its real address, so every URL in a document can be followed with a plain HTTP client.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from werkzeug.serving import make_server

import projections.openbadges.catalogue as catalogue_module
from journey import events as ev
from journey.records import RecordEvent
from tests.web.conftest import START, STORY, Site, make_app, seed
from web.app import close_app

EVA_EMAIL = "eva@example.org"
LD = "application/ld+json"


@dataclass
class Served(Site):
    base: str = ""

    def fetch(self, url: str, accept: str | None = LD, **kwargs: Any):
        """GET with urllib: (status, headers, body bytes)."""
        request = urllib.request.Request(url, headers={"Accept": accept} if accept else {},
                                         **kwargs)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            with exc:  # its response holds the connection: close it, not the collector
                return exc.code, exc.headers, exc.read()

    def json(self, url: str) -> tuple[int, dict[str, Any]]:
        status, _, body = self.fetch(url)
        return status, json.loads(body)

    def append(self, actor: str, event: ev.Event, day: int) -> int:
        store = self.journey.store
        store.submit(RecordEvent(event, actor, START + timedelta(days=day)))
        return store.last_position()


def add_eva(site: Site) -> None:
    """Eva registers with an e-mail, joins vrsac-1, leads a session and is recognised."""
    day = len(STORY) + 5
    store = site.journey.store
    events = [
        ("eva", ev.MemberRegistered(member_id="eva", display_name="Eva", email=EVA_EMAIL)),
        ("ana", ev.MemberJoined(community_id="vrsac-1", member_id="eva", role="member")),
        ("eva", ev.SessionLed(community_id="vrsac-1", session_id="s-eva", leaders=("eva",),
                              title="Parents' evening", format="meeting")),
    ]
    for actor, event in events:
        day += 1
        store.submit(RecordEvent(event, actor, START + timedelta(days=day)))
    session = store.last_position()
    store.submit(RecordEvent(ev.RecognitionAwarded(
        award_id="aw-eva", community_id="vrsac-1", member_id="eva", badge_id="b-1",
        awarded_by="ana", evidence=(session,)), "ana", START + timedelta(days=day + 1)))


@pytest.fixture
def served(sqlite_url: str, tmp_path) -> Iterator[Served]:
    app = make_app(sqlite_url, tmp_path / "instance")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["JOURNEY_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        site = Served(app, seed(app), base=base)
        add_eva(site)
        yield site
    finally:
        server.shutdown()
        server.server_close()  # the listening socket, else left to the garbage collector
        thread.join(timeout=10)
        close_app(app)


@pytest.fixture
def derived(monkeypatch) -> list[str]:
    """The members whose awards a catalogue build derives (not taken from its memo), in
    order, from the fixture's start: clear it where the count should begin."""
    names: list[str] = []
    real = catalogue_module._member_awards

    def counting(member, *args):
        names.append(member)
        return real(member, *args)

    monkeypatch.setattr(catalogue_module, "_member_awards", counting)
    return names
