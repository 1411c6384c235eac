"""Share links beside the log (events/share_links.py), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from events.accounts import digest
from events.share_links import (ACTIVE, EXPIRED, REVOKED, ShareLinkError, ShareLinks)
from events.tables import share_links
from tests.integration.accounts_setup import Clock, engine  # noqa: F401 - fixture


def test_a_link_is_found_by_its_token_and_only_its_hash_is_stored(engine):
    store = ShareLinks(engine, clock=Clock())
    link, secret = store.create("ivan", "for my mentor", "7d")
    assert store.find(secret) == link
    assert link.expires_at - link.created_at == timedelta(days=7)
    with engine.connect() as conn:
        rows = conn.execute(select(share_links)).all()
    assert [r.token_hash for r in rows] == [digest(secret)]
    assert all(secret not in str(tuple(r)) for r in rows)
    assert store.find("js_" + "x" * 40) is None and store.find("nonsense") is None


def test_a_link_expires_and_can_be_revoked_once_by_its_member(engine):
    clock = Clock()
    store = ShareLinks(engine, clock=clock)
    link, secret = store.create("ivan", "leader", "1d", date(2026, 1, 1))
    assert link.frozen_as_of == date(2026, 1, 1)
    assert link.status(clock.now) == ACTIVE
    assert link.status(clock.now + timedelta(days=1)) == EXPIRED
    with pytest.raises(ShareLinkError) as refused:
        store.revoke("mila", link.id)
    assert refused.value.code == "unknown_link"
    for beyond in (0, -1, 10 ** 23):  # no key can be these (SQLite refuses over 2**63)
        with pytest.raises(ShareLinkError):
            store.revoke("ivan", beyond)
    revoked = store.revoke("ivan", link.id)
    clock.now += timedelta(hours=1)
    again = store.revoke("ivan", link.id)
    assert revoked.revoked_at == again.revoked_at is not None
    assert store.find(secret).status(clock.now) == REVOKED


def test_bad_labels_lifetimes_and_future_dates_are_refused(engine):
    store = ShareLinks(engine, clock=Clock())
    for label, lifetime, frozen, code in (("", "7d", None, "bad_label"),
                                          ("x" * 201, "7d", None, "bad_label"),
                                          ("ok", "1y", None, "bad_lifetime"),
                                          ("ok", "7d", date(2026, 2, 1), "bad_as_of")):
        with pytest.raises(ShareLinkError) as refused:
            store.create("ivan", label, lifetime, frozen)
        assert refused.value.code == code
    assert store.of_member("ivan") == []


def test_links_are_listed_newest_first_and_erased_with_their_member(engine):
    store = ShareLinks(engine, clock=Clock())
    first, _ = store.create("ivan", "one", "1d")
    second, _ = store.create("ivan", "two", "30d")
    store.create("mila", "hers", "7d")
    assert [l.id for l in store.of_member("ivan")] == [second.id, first.id]
    assert store.erase_member("ivan") == 2
    assert store.of_member("ivan") == [] and len(store.of_member("mila")) == 1
