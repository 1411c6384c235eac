"""gunicorn's master prepares the Open Badges memo once; each worker starts from its copy.

`journey serve --workers N` (web/wsgi.py) derives every member's awards in the master,
outside any app, and hands the memo to each worker's service: a worker's first Open
Badges request then derives only the members of what was appended since, as a long-lived
process would. The master keeps no e-mail; a worker reads them back from the log.
"""
from __future__ import annotations

import copy
import gc
import threading
from datetime import timedelta

import pytest

from events.log import open_log
from journey import events as ev
from journey.config import Config
from journey.records import RecordEvent
from tests.openbadges.conftest import EVA_EMAIL, add_eva
from tests.web.conftest import START, STORY, Site, make_app, seed
from web.app import close_app
from web.openbadges.service import KEY, OpenBadges, service


def seeded(url: str, instance_dir) -> tuple[str, object]:
    app = make_app(url, instance_dir)
    try:
        add_eva(Site(app, seed(app)))
    finally:
        close_app(app)
    return url, instance_dir


@pytest.fixture
def instance(sqlite_url: str, tmp_path):
    return seeded(sqlite_url, tmp_path / "instance")


def config_of(instance) -> Config:
    url, instance_dir = instance
    return Config(database_url=url, instance_dir=instance_dir,
                  base_url="http://127.0.0.1:5000")


def prepared(instance) -> OpenBadges:
    """What the master does: the memo of the whole log, outside any app."""
    log = open_log(config_of(instance))
    try:
        badges = OpenBadges().prepare(log.store, instance[1])
        # Nor does it keep the keys that opened the e-mails.
        assert log.store.cipher._cache == {}
        return badges
    finally:
        log.close()


def cold(instance):
    """The present catalogue of a process that was handed nothing."""
    app = make_app(*instance)
    try:
        with app.app_context():
            return service().latest()
    finally:
        close_app(app)


def worker_latest(instance, master: OpenBadges, before=None, after=None,
                  snapshot_after: int | None = None):
    """A worker's app: handed the master's memo, then its first present catalogue."""
    app = make_app(*instance)
    try:
        if before is not None:
            before(app)
        badges = app.extensions[KEY]
        if snapshot_after is not None:
            badges.snapshot_after = snapshot_after
        badges.start_from(master, app.extensions["journey"].store, instance[1])
        if after is not None:
            after(badges)
        with app.app_context():
            return service().latest()
    finally:
        close_app(app)


def eva_leads_again(app, session_id: str = "s-eva-2") -> None:
    app.extensions["journey"].store.submit(RecordEvent(
        ev.SessionLed(community_id="vrsac-1", session_id=session_id, leaders=("eva",),
                      title="Open lesson", format="meeting"),
        "eva", START + timedelta(days=len(STORY) + 20)))


def test_a_worker_derives_no_one_the_master_derived(instance, derived) -> None:
    expected = cold(instance)
    derived.clear()
    master = prepared(instance)
    assert derived  # the master derived everyone once
    # The master holds no personal value.
    assert set(master._memo.facts.emails.values()) == {None}
    assert all(award.email is None for *_, awards in master._memo.entries.values()
               for award in awards)
    derived.clear()
    first = worker_latest(instance, master)
    assert derived == []
    assert first.awards == expected.awards
    assert first.awards["aw-eva"].email == EVA_EMAIL


def test_a_worker_reads_only_what_was_appended_after_the_master(instance, derived) -> None:
    master = prepared(instance)
    derived.clear()
    after = worker_latest(instance, master, before=eva_leads_again)
    assert derived == ["eva"]
    assert after.awards == cold(instance).awards


def test_an_erasure_after_the_master_is_applied_by_the_worker(instance) -> None:
    master = prepared(instance)
    kept: list = []
    after = worker_latest(instance, master, before=lambda app: app.extensions[
        "journey"].store.erase("eva", "eva"), after=kept.append)
    assert after.awards["aw-eva"].erased and after.awards["aw-eva"].email is None
    # The worker read her e-mail back before it read her erasure: forgotten since.
    assert kept[0]._memo.facts.emails["eva"] is None


def test_a_worker_respawned_later_starts_from_a_newer_snapshot(instance, derived) -> None:
    """gunicorn respawns a worker long after the master prepared its memo: another worker
    left a snapshot well ahead of that memo since, and the new one starts from it."""
    master = prepared(instance)
    forked = copy.copy(master)  # what each worker gets of the master: a copy
    forked._memo = copy.deepcopy(master._memo)
    held = master._memo.last

    def many_sessions(app) -> None:
        for n in range(held // 4 + 2):  # "well ahead": past a quarter of the memo's length
            eva_leads_again(app, f"s-eva-{n}")

    worker_latest(instance, master, before=many_sessions, snapshot_after=1)
    derived.clear()
    taken: list = []
    respawned = worker_latest(instance, forked, after=taken.append, snapshot_after=1)
    assert taken[0]._memo.last > held + held // 4   # the snapshot's, not the master's
    assert derived == []
    assert respawned.awards == cold(instance).awards


def test_a_memo_of_another_log_is_refused(instance, tmp_path) -> None:
    """The same story seeded again is another log (other event ids, another chain)."""
    other = seeded(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other")
    master = prepared(other)
    app = make_app(*instance)
    try:
        badges = app.extensions[KEY]
        with pytest.raises(ValueError, match="does not hold"):
            badges.start_from(master, app.extensions["journey"].store, instance[1])
        assert badges._memo.last == 0  # nothing taken: derived on the first request
    finally:
        close_app(app)


def test_a_memo_of_other_rules_is_refused(instance) -> None:
    from projections.badges.spec import load_rules

    master = prepared(instance)
    app = make_app(*instance)
    try:
        badges = app.extensions[KEY]
        badges.rules = tuple(load_rules())[1:]
        with pytest.raises(ValueError, match="other badge rules"):
            badges.start_from(master, app.extensions["journey"].store, instance[1])
    finally:
        close_app(app)


def test_a_master_that_cannot_derive_the_catalogue_still_serves(instance, monkeypatch) -> None:
    """A failure deriving the catalogue (a bug, an unreadable row) must not keep the
    server down: the master says so, and each worker derives it on its first request."""
    from web.wsgi import prepared_badges

    def broken(self, store, instance_dir):
        raise RuntimeError("a row the rules cannot read")

    said: list[str] = []
    log = open_log(config_of(instance))
    try:
        assert prepared_badges(log.store, config_of(instance), said.append) is not None
        monkeypatch.setattr(OpenBadges, "prepare", broken)
        assert prepared_badges(log.store, config_of(instance), said.append) is None
    finally:
        log.close()
    assert said[0].startswith("derived the Open Badges catalogue in ")
    assert said[1] == ("could not derive the Open Badges catalogue (a row the rules cannot "
                       "read); each worker derives it on its first Open Badges request")


def test_the_master_derives_with_the_collector_paused(instance, monkeypatch) -> None:
    # Reading the log makes millions of objects and no cycles: the collector's passes
    # over them only cost time. Paused only where no other thread runs (quiet_fold).
    seen = []
    real = OpenBadges._derive

    def derive(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(OpenBadges, "_derive", derive)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert gc.isenabled()
    prepared(instance)
    assert seen == [False] and gc.isenabled()
