"""The web app on a small seeded story, on SQLite and PostgreSQL, with an account per role.

The story (occurred in 2024, network sel-serbia):
- vrsac-1: ana facilitates, ivan is a member (he led s-1, shared r-1, reflected privately
  and with the community, and holds ana's recognition aw-1 of badge b-1);
- nis-2: zoran facilitates, mila is a member, vera coordinates (so vera, who created
  sel-serbia, reads every community of it);
- skopje-1 in another network (mk-net): petar facilitates; nobody above belongs to it.

Accounts: ivan (a teacher), mila (a member of another community), ana (a facilitator),
vera (a coordinator), root (an admin without a member). Each has a personal access token
in `tokens`; `Site.as_(name)` gives request headers for it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from events.accounts import Accounts
from journey import events as ev
from journey.clock import UTC
from journey.config import Config
from journey.records import RecordEvent
from projections.app import init_journey
from web.app import close_app, create_app

START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
FAST_HASH = "scrypt:1024:8:1"  # tests only: the default costs ~0.1 s per password
PASSWORD = "correct horse battery"
PRIVATE_TEXT = "Only I should ever read this."
COMMUNITY_TEXT = "The survey taught us to listen to the students first."

# (actor, event) in the order they are appended, a day apart.
STORY: list[tuple[str, ev.Event]] = [
    *[(m, ev.MemberRegistered(member_id=m, display_name=m.title()))
      for m in ("ana", "ivan", "mila", "zoran", "vera", "petar")],
    ("vera", ev.NetworkCreated(network_id="sel-serbia", name="SEL Serbia")),
    ("petar", ev.NetworkCreated(network_id="mk-net", name="North Macedonia")),
    ("ana", ev.CommunityFounded(community_id="vrsac-1", name="CoP Vršac", domain="SEL",
                                network_id="sel-serbia")),
    ("ana", ev.MemberJoined(community_id="vrsac-1", member_id="ana", role="facilitator")),
    ("zoran", ev.CommunityFounded(community_id="nis-2", name="CoP Niš", domain="SEL",
                                  network_id="sel-serbia")),
    ("zoran", ev.MemberJoined(community_id="nis-2", member_id="zoran", role="facilitator")),
    ("petar", ev.CommunityFounded(community_id="skopje-1", name="Skopje", domain="SEL",
                                  network_id="mk-net")),
    ("petar", ev.MemberJoined(community_id="skopje-1", member_id="petar", role="facilitator")),
    ("ana", ev.MemberJoined(community_id="vrsac-1", member_id="ivan", role="member",
                            invited_by="ana")),
    ("zoran", ev.MemberJoined(community_id="nis-2", member_id="mila", role="member")),
    ("zoran", ev.MemberJoined(community_id="nis-2", member_id="vera", role="coordinator")),
    ("ivan", ev.SessionLed(community_id="vrsac-1", session_id="s-1", leaders=("ivan",),
                           title="Student survey", format="workshop", attendees=("ana",))),
    ("ivan", ev.ResourceShared(community_id="vrsac-1", resource_id="r-1", member_id="ivan",
                               title="Survey questions", kind="survey")),
    ("ivan", ev.ReflectionRecorded(reflection_id="rf-private", member_id="ivan",
                                   text=PRIVATE_TEXT, visibility="private")),
    ("ivan", ev.ReflectionRecorded(reflection_id="rf-community", member_id="ivan",
                                   text=COMMUNITY_TEXT, community_id="vrsac-1",
                                   visibility="community", value_cycle="immediate")),
    ("ana", ev.BadgeDefined(badge_id="b-1", community_id="vrsac-1", name="First session",
                            description="Led a session", criteria="Lead a session")),
]
SESSION_POSITION = 1 + [type(e).__name__ for _, e in STORY].index("SessionLed")
AWARD = ("ana", ev.RecognitionAwarded(award_id="aw-1", community_id="vrsac-1",
                                      member_id="ivan", badge_id="b-1", awarded_by="ana",
                                      evidence=(SESSION_POSITION,)))
# username -> (member, is_admin)
ACCOUNTS = {"ivan": ("ivan", False), "mila": ("mila", False), "ana": ("ana", False),
            "vera": ("vera", False), "root": (None, True)}


@dataclass
class Site:
    """A running app on a seeded installation, and what the tests need to call it."""

    app: Flask
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    @property
    def journey(self):
        return self.app.extensions["journey"]

    @property
    def accounts(self) -> Accounts:
        return self.app.extensions["journey_accounts"]

    def as_(self, name: str) -> dict[str, str]:
        """Headers that sign a request in with `name`'s personal access token."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def log_length(self) -> int:
        return self.journey.store.last_position()

    def post(self, who: str, type_name: str, data: dict[str, Any], **body: Any):
        """POST /api/events/<type_name> as `who` (occurred_at defaults to a day after the story)."""
        body.setdefault("occurred_at", "2024-03-01T10:00:00Z")
        headers = {**self.as_(who), **body.pop("headers", {})}
        return self.client.post(f"/api/events/{type_name}", json={**body, "data": data},
                                headers=headers)

    def get(self, who: str | None, path: str, **kwargs: Any):
        headers = self.as_(who) if who else {}
        return self.client.get(path, headers=headers, **kwargs)


def seed(app: Flask) -> dict[str, str]:
    """Append the story and create the accounts; returns username -> token."""
    store = app.extensions["journey"].store
    for index, (actor, event) in enumerate([*STORY, AWARD]):
        store.submit(RecordEvent(event, actor, START + timedelta(days=index)))
    accounts: Accounts = app.extensions["journey_accounts"]
    tokens = {}
    for username, (member, is_admin) in ACCOUNTS.items():
        account = accounts.add(username, PASSWORD, member_id=member, is_admin=is_admin)
        tokens[username] = accounts.create_token(account.id, "tests")[1]
    return tokens


def make_app(database_url: str, instance_dir, **settings: Any) -> Flask:
    config = Config(database_url=database_url, instance_dir=instance_dir,
                    base_url=settings.pop("base_url", "http://127.0.0.1:5000"))
    init_journey(config)
    return create_app({"JOURNEY_CONFIG": config, "TESTING": True,
                       "PASSWORD_METHOD": FAST_HASH, "JOURNEY_BACKGROUND": False,
                       **settings})


@pytest.fixture
def site(database_url: str, tmp_path) -> Iterator[Site]:
    """The app on the seeded story (projections folded on each read: deterministic)."""
    app = make_app(database_url, tmp_path / "instance")
    try:
        yield Site(app, seed(app))
    finally:
        close_app(app)


@pytest.fixture
def sqlite_site(sqlite_url: str, tmp_path) -> Iterator[Site]:
    """The same on SQLite only, for tests whose subject is not the database."""
    app = make_app(sqlite_url, tmp_path / "instance")
    try:
        yield Site(app, seed(app))
    finally:
        close_app(app)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.find(marker)
    if start < 0:
        marker = 'name="csrf_token" value="'
        start = html.find(marker)
    assert start >= 0, "no CSRF token on the page"
    start += len(marker)
    return html[start:html.index('"', start)]


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):
    """Sign in through the form (with its CSRF token); returns the response."""
    token = csrf_of(client.get("/auth/login").text)
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token})
