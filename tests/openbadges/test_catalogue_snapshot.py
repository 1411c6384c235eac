"""A web process starts its Open Badges catalogue from the snapshot another one left.

A cold catalogue derives every member's awards (on the full demo, 16-18 s per process);
a process that read the whole log leaves its memo in the instance's snapshots folder, and
the next starts from it and derives no one whose records are unchanged. The snapshot holds
no e-mail (they are read from the registrations again), is sealed like the decision
state's, and an erasure deletes it.
"""
from __future__ import annotations

import zlib
from datetime import timedelta

import pytest

from events.snapshot import FOLDER, MAGIC
from journey import events as ev
from journey.records import RecordEvent
from tests.openbadges.conftest import EVA_EMAIL, add_eva
from tests.web.conftest import START, STORY, Site, make_app, seed
from web.app import close_app
import web.openbadges.service as service_module
from web.openbadges.service import MEMO_SNAPSHOT, service


@pytest.fixture
def instance(sqlite_url: str, tmp_path):
    app = make_app(sqlite_url, tmp_path / "instance")
    try:
        site = Site(app, seed(app))
        add_eva(site)
    finally:
        close_app(app)
    return sqlite_url, tmp_path / "instance"


def unsealed(raw: bytes) -> bytes:
    """The pickled memo inside a snapshot file (events/snapshot.py's layout)."""
    start = len(MAGIC) + 32
    length = int.from_bytes(raw[start:start + 4], "big")
    return zlib.decompress(raw[start + 4 + length:])


def latest(instance):
    """The present catalogue built by a new app (a new process's first build)."""
    app = make_app(*instance)
    try:
        with app.app_context():
            service().snapshot_after = 1
            return service().latest(), app.extensions["journey"].store.last_position()
    finally:
        close_app(app)


def test_a_new_process_starts_from_the_memo_another_left(instance, derived) -> None:
    first, _ = latest(instance)
    snapshot = instance[1] / FOLDER / MEMO_SNAPSHOT
    assert snapshot.exists()
    pickled = unsealed(snapshot.read_bytes())
    assert b"aw-eva" in pickled and EVA_EMAIL.encode() not in pickled

    derived.clear()
    again, _ = latest(instance)
    assert derived == []
    assert again.awards == first.awards          # e-mails included, read back from the log
    assert again.awards["aw-eva"].email == EVA_EMAIL

    # Eva leads another session: a new process derives her (and whom it names) only.
    app = make_app(*instance)
    try:
        store = app.extensions["journey"].store
        store.submit(RecordEvent(ev.SessionLed(community_id="vrsac-1", session_id="s-eva-2",
                                               leaders=("eva",), title="Open lesson",
                                               format="meeting"),
                                 "eva", START + timedelta(days=len(STORY) + 20)))
    finally:
        close_app(app)
    after, _ = latest(instance)
    assert derived == ["eva"]
    assert after.awards["aw-eva"] == first.awards["aw-eva"]


def test_an_erasure_deletes_the_snapshot(instance) -> None:
    latest(instance)
    snapshot = instance[1] / FOLDER / MEMO_SNAPSHOT
    assert snapshot.exists()
    app = make_app(*instance)
    try:
        app.extensions["journey"].store.erase("eva", "eva")
    finally:
        close_app(app)
    assert not snapshot.exists()
    erased, _ = latest(instance)
    assert erased.awards["aw-eva"].erased and erased.awards["aw-eva"].email is None


def test_a_snapshot_of_other_rules_is_not_used(instance, derived) -> None:
    latest(instance)
    from projections.badges.spec import load_rules

    fewer = tuple(load_rules())[1:]
    app = make_app(*instance)
    try:
        with app.app_context():
            service().rules = fewer
            derived.clear()
            built = service().latest()
    finally:
        close_app(app)
    assert derived  # folded afresh
    assert not any(a.badge == f"rules/{load_rules()[0].id}" for a in built.awards.values())


def test_an_erasure_during_the_build_leaves_no_snapshot(instance, monkeypatch) -> None:
    """Another process erases Eva while this one builds: the snapshot it would write after
    her erasure deleted every snapshot is about her too, and is not kept."""
    real = service_module.catalogue_of
    erased: list[str] = []

    def erasing_meanwhile(*args, **kwargs):
        built = real(*args, **kwargs)
        if not erased:
            other = make_app(*instance)
            try:
                other.extensions["journey"].store.erase("eva", "eva")
                erased.append("eva")
            finally:
                close_app(other)
        return built

    monkeypatch.setattr(service_module, "catalogue_of", erasing_meanwhile)
    latest(instance)
    assert erased and not (instance[1] / FOLDER / MEMO_SNAPSHOT).exists()


def test_an_erasure_is_folded_into_the_memo_and_forgets_the_e_mail(instance,
                                                                   derived) -> None:
    app = make_app(*instance)
    try:
        with app.app_context():
            before = service().latest()
            past = service().catalogue(before.awards["aw-eva"].appeared)
            assert past.awards["aw-eva"].email == EVA_EMAIL
            derived.clear()
            app.extensions["journey"].store.erase("eva", "eva")
            after = service().latest()
            memo, cached = service()._memo, list(service()._cache.values())
    finally:
        close_app(app)
    assert derived == ["eva"]   # the erasure is filed under her keys only
    award = after.awards["aw-eva"]
    assert award.erased and award.revoked and award.email is None
    assert memo.facts.emails["eva"] is None
    assert all(a.email != EVA_EMAIL for a in memo.entries["eva"][3])
    assert all(a.email != EVA_EMAIL for c in cached for a in c.awards.values())
