"""The views through a real store, index projection and runner, on SQLite and PostgreSQL.

The property: for any history the domain accepts, each view's live answer equals its
answer after `runner.rebuild()`, equals its answer as of the latest recorded_at, equals
the pure fold over the whole log; and its answer as of an earlier moment T equals the
live answer of a fresh log holding only the events recorded by T.
"""
from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from events.migrate import upgrade
from events.sql import SqlRecorder, make_engine
from events.store import EventStore, Options
from events.verify import check_signed_head
from journey import errors
from journey import events as ev
from journey.clock import UTC, from_micros
from journey.records import HandOverFacilitation, Recorded, RecordEvent
from projections.app import all_projections
from projections.community.fold import community as community_fold
from projections.evaluation.fold import evaluation as evaluation_fold
from projections.folds.personal import ERASED
from projections.index.projection import IndexProjection
from projections.migrate import upgrade_projections
from projections.portfolio.fold import portfolio as portfolio_fold
from projections.runner import ProjectionRunner
from projections.tables import event_keys, metadata as projection_metadata
from projections.views import Views
from tests.contract.scenario import FakeClock, Seal
from tests.integration.story import open_test_journey

PEOPLE = ("ana", "ivan", "mila", "zoran")
COMMUNITIES = {"c1": "ana", "c2": "zoran", "c3": "mila"}   # community -> founder
START = datetime(2024, 1, 1, tzinfo=UTC)
PERIODS = [(None, "2024-03-01"), ("2024-03-01", None)]


# -- databases and installations ------------------------------------------------------------

@pytest.fixture
def new_database(database_url: str, request: pytest.FixtureRequest, tmp_path
                 ) -> Iterator[Callable[[], str]]:
    """Further empty databases on the backend of `database_url` (one per example)."""
    if database_url.startswith("sqlite"):
        counter = itertools.count()
        yield lambda: f"sqlite:///{tmp_path / f'log-{next(counter)}.db'}"
        return
    admin = request.getfixturevalue("_postgres_admin")
    made: list[str] = []

    def make() -> str:
        name = f"journey_t_{secrets.token_hex(6)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        made.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Site:
    """A log, its index projection, a runner and the views, on one database."""

    def __init__(self, url: str, clock: FakeClock, batch: int = 2000) -> None:
        engine = make_engine(url)
        upgrade(engine)
        upgrade_projections(engine)
        self.store = EventStore(SqlRecorder(engine), master_key=os.urandom(32),
                                seal=Seal(os.urandom(32)), clock=clock)
        self.runner = ProjectionRunner(engine, self.store, [IndexProjection()], batch=batch)
        self.views = Views(engine, self.store,
                           lambda: self.runner.checkpoint_of(IndexProjection.name))

    def close(self) -> None:
        self.store.recorder.close()  # type: ignore[attr-defined]


# -- histories the domain accepts -----------------------------------------------------------

days = st.integers(min_value=1, max_value=150)
people = st.sampled_from(PEOPLE)
communities = st.sampled_from(["c1", "c1", "c2", "c3"])
picks = st.integers(min_value=0, max_value=50)
# Content first and twice: most memberships are set up already, and content is what the
# views are about.
content = [
    st.tuples(st.just("lead"), communities, st.lists(people, min_size=1, max_size=2, unique=True),
              st.lists(people, max_size=2, unique=True), days),
    st.tuples(st.just("share"), people, communities, days, st.none() | people),
    st.tuples(st.just("reuse"), people, communities, picks, days),
    st.tuples(st.just("reflect"), people, st.sampled_from(["c1", "c2", "c3", None]),
              st.sampled_from(ev.VISIBILITIES), st.sampled_from([*ev.VALUE_CYCLES, None]), days),
]
commands = st.one_of(
    *content, *content,
    st.tuples(st.just("join"), people, communities, days),
    st.tuples(st.just("leave"), people, communities, days),
    st.tuples(st.just("feedback"), people, people, communities, days),
    st.tuples(st.just("visibility"), picks, st.sampled_from(ev.VISIBILITIES)),
    st.tuples(st.just("plan"), communities, st.lists(people, min_size=1, max_size=2,
                                                     unique=True), days),
    st.tuples(st.just("revise"), picks, people, days),
    st.tuples(st.just("complete"), picks, days),
    st.tuples(st.just("norms"), communities, days),
    st.tuples(st.just("schedule"), communities, days),
    st.tuples(st.just("cancel"), picks, days),
    st.tuples(st.just("award"), people, picks, days),
    st.tuples(st.just("revoke"), picks, days),
    st.tuples(st.just("retract"), picks, days),
    st.tuples(st.just("correct"), picks, days),
    st.tuples(st.just("hand_over"), communities, people, days),
)


class History:
    """Tries commands on a store; what the domain refuses is skipped."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.serial = itertools.count(1)
        self.content: list[int] = []            # positions of content events
        self.things: dict[str, list[Any]] = {k: [] for k in (
            "resource", "reflection", "plan", "scheduled", "award")}
        self.sessions: dict[str, str] = {}      # community -> last session held there

    def record(self, event: ev.Event, actor: str, day: int = 0) -> ev.Event | None:
        try:
            result = self.store.submit(RecordEvent(event, actor, START + timedelta(days=day)))
        except errors.Refused:
            return None
        if event.type in ev.CONTENT_TYPES:
            self.content.extend(result.positions)
        return event

    def setup(self) -> None:
        for person in PEOPLE:
            self.record(ev.MemberRegistered(member_id=person, display_name=f"Name {person}",
                                            email=f"{person}@school.rs"), person)
        self.record(ev.NetworkCreated(network_id="n1", name="Network"), "ana")
        for community, founder in COMMUNITIES.items():
            network = None if community == "c3" else "n1"
            self.record(ev.CommunityFounded(community_id=community, name=community.upper(),
                                            domain="SEL", network_id=network), founder)
            self.record(ev.MemberJoined(community_id=community, member_id=founder,
                                        role="facilitator"), founder)
        for person, community in (("ivan", "c1"), ("mila", "c1"), ("zoran", "c1"),
                                  ("ivan", "c2"), ("mila", "c2"), ("ana", "c3"), ("ivan", "c3")):
            self._join(person, community, 0)

    def at(self, position: int) -> Recorded:
        """The event at `position`, as the store reads it."""
        return self.store.to_recorded(self.store.recorder.row_at(position))

    def pick(self, kind: str, index: int) -> Any:
        items = self.things[kind]
        return items[index % len(items)] if items else None

    def try_(self, kind: str, *args: Any) -> None:
        getattr(self, "_" + kind)(*args)

    def _join(self, person, community, day):
        founder = COMMUNITIES[community]
        self.record(ev.MemberJoined(community_id=community, member_id=person, role="member",
                                    invited_by=founder), founder, day)

    def _leave(self, person, community, day):
        self.record(ev.MemberLeft(community_id=community, member_id=person), person, day)

    def _lead(self, community, leaders, attendees, day):
        session = f"s-{next(self.serial)}"
        if self.record(ev.SessionLed(
                community_id=community, session_id=session, leaders=tuple(leaders),
                title="Session", format="workshop",
                attendees=tuple(a for a in attendees if a not in leaders) or None),
                leaders[0], day):
            self.sessions[community] = session

    def _share(self, person, community, day, reuser=None):
        resource = f"r-{next(self.serial)}"
        if self.record(ev.ResourceShared(community_id=community, resource_id=resource,
                                         member_id=person, title="Rubric", kind="rubric",
                                         tags=("sel",)), person, day):
            self.things["resource"].append(resource)
            if reuser is not None:  # reuse by others is rare by chance alone
                self._reuse(reuser, "c1", -1, day + 1)

    def _reuse(self, person, community, index, day):
        resource = self.pick("resource", index)
        if resource:
            self.record(ev.ResourceReused(community_id=community, resource_id=resource,
                                          member_id=person, note="Used it"), person, day)

    def _feedback(self, giver, receiver, community, day):
        session = self.sessions.get(community)
        if session:
            self.record(ev.FeedbackGiven(community_id=community, from_member_id=giver,
                                         to_member_id=receiver, about_kind="session",
                                         about_id=session, text="Thanks"), giver, day)

    def _reflect(self, person, community, visibility, cycle, day):
        reflection = f"rf-{next(self.serial)}"
        if self.record(ev.ReflectionRecorded(
                reflection_id=reflection, member_id=person, text=f"Words of {person}",
                community_id=community, visibility=visibility, value_cycle=cycle),
                person, day):
            self.things["reflection"].append((reflection, person))

    def _visibility(self, index, visibility):
        picked = self.pick("reflection", index)
        if picked:
            self.record(ev.ReflectionVisibilityChanged(
                reflection_id=picked[0], member_id=picked[1], visibility=visibility),
                picked[1], 150)

    def _plan(self, community, owners, day):
        plan = f"p-{next(self.serial)}"
        step = ev.Step(step_id=f"{plan}-1", title="Survey", owners=tuple(owners))
        if self.record(ev.ActionPlanCreated(community_id=community, plan_id=plan,
                                            inquiry_question="How?", involves=("students",),
                                            steps=(step,)), owners[0], day):
            self.things["plan"].append((plan, community, [step]))

    def _revise(self, index, person, day):
        picked = self.pick("plan", index)
        if picked:
            plan, community, steps = picked
            step = ev.Step(step_id=f"{plan}-{len(steps) + 1}", title="Workshop",
                           owners=(person,))
            if self.record(ev.ActionPlanRevised(
                    community_id=community, plan_id=plan, inquiry_question="Why?",
                    steps_added=(step,), steps_dropped=(steps[0].step_id,)), person, day):
                steps.append(step)

    def _complete(self, index, day):
        picked = self.pick("plan", index)
        if picked:
            plan, community, steps = picked
            step = steps[-1]
            self.record(ev.ActionStepCompleted(community_id=community, plan_id=plan,
                                               step_id=step.step_id,
                                               member_ids=(step.owners[0],), outcome="Done"),
                        step.owners[0], day)

    def _norms(self, community, day):
        founder = COMMUNITIES[community]
        self.record(ev.NormsAgreed(community_id=community, norms=("Listen",),
                                   agreed_by=(founder,)), founder, day)

    def _schedule(self, community, day):
        session = f"s-{next(self.serial)}"
        founder = COMMUNITIES[community]
        if self.record(ev.SessionScheduled(community_id=community, session_id=session,
                                           starts_at="2024-08-01T10:00:00Z", title="Planned",
                                           format="meeting"), founder, day):
            self.things["scheduled"].append((session, community))

    def _cancel(self, index, day):
        picked = self.pick("scheduled", index)
        if picked:
            self.record(ev.SessionCancelled(community_id=picked[1], session_id=picked[0],
                                            reason="Strike"), COMMUNITIES[picked[1]], day)

    def _award(self, person, index, day):
        community = "c1"
        badge = f"b-{next(self.serial)}"
        self.record(ev.BadgeDefined(badge_id=badge, community_id=community, name="Keeper",
                                    description="Keeps", criteria="Keeps going"), "ana", day)
        evidence = [p for p in self.content if self._by(p, person, community)][:1]
        award = f"a-{next(self.serial)}"
        if self.record(ev.RecognitionAwarded(
                award_id=award, community_id=community, member_id=person, badge_id=badge,
                awarded_by="ana", evidence=tuple(evidence) or None, note="Well done"),
                "ana", day):
            self.things["award"].append(award)

    def _by(self, position: int, person: str, community: str) -> bool:
        rec = self.at(position)
        return (rec.actor == person
                and getattr(rec.event, "community_id", None) == community)

    def _revoke(self, index, day):
        award = self.pick("award", index)
        if award:
            self.record(ev.RecognitionRevoked(award_id=award, revoked_by="ana",
                                              reason="Mistake"), "ana", day)

    def _retract(self, index, day):
        if self.content:
            target = self.at(self.content[index % len(self.content)])
            self.record(ev.EntryRetracted(position=target.position, retracted_by=target.actor,
                                          reason="Mistake"), target.actor, 150)

    def _hand_over(self, community, person, day):
        founder = COMMUNITIES[community]
        try:
            self.store.submit(HandOverFacilitation(community, founder, person, founder,
                                                    START + timedelta(days=day)))
        except errors.Refused:
            pass

    def _correct(self, index, day):
        if not self.content:
            return
        target = self.at(self.content[index % len(self.content)])
        fields = {"SessionLed": {"title": "Fixed"}, "ResourceShared": {"tags": ["fixed"]},
                  "ReflectionRecorded": {"text": "Fixed words", "value_cycle": "applied"},
                  "NormsAgreed": {"norms": ["Fixed"]}, "ActionStepCompleted": {"outcome": "Ok"},
                  "ResourceReused": {"note": "Fixed"}, "FeedbackGiven": {"text": "Fixed"},
                  "SessionScheduled": {"title": "Fixed"}, "SessionCancelled": {"reason": "Fix"}}
        self.record(ev.EntryCorrected(position=target.position, corrected_by=target.actor,
                                      fields=fields[target.type], reason="Typo"),
                    target.actor, 150)


# -- the views compared ---------------------------------------------------------------------

VIEWERS = [(m, v) for m in PEOPLE for v in (None, m, PEOPLE[(PEOPLE.index(m) + 1) % 4])]


def outcome(make: Callable[[], dict[str, Any]], head: dict[str, Any] | None = None) -> Any:
    """A view without the as_of it was asked with, or the rule that refused it."""
    try:
        view = make()
    except errors.Refused as refused:
        return ("refused", refused.rule)
    view.pop("as_of", None)
    return {**(head or {}), **view}


def all_views(views: Views, as_of: datetime | None = None) -> dict[str, Any]:
    """Every view of the scenario."""
    out: dict[str, Any] = {}
    for member, viewer in VIEWERS:
        out[f"portfolio {member} by {viewer}"] = outcome(
            lambda: views.portfolio(member, viewer=viewer, as_of=as_of))
    for community in COMMUNITIES:
        out[f"community {community}"] = outcome(lambda: views.community(community, as_of=as_of))
    for viewer in (None, "mila"):
        out[f"evaluation by {viewer}"] = outcome(lambda: views.evaluation(
            sorted(COMMUNITIES), PERIODS, viewer=viewer, as_of=as_of))
    return out


def all_folds(site: Site, position: int) -> dict[str, Any]:
    """The same views, folded from the whole log up to `position` (no index involved)."""
    records = list(site.store.read(upto=position))
    row = site.views.reader.row_at(position)
    moment = from_micros(row.recorded_at) if row else None
    erased = site.views.erased()
    head = {"as_of_position": position}
    out: dict[str, Any] = {}
    for member, viewer in VIEWERS:
        out[f"portfolio {member} by {viewer}"] = outcome(lambda: portfolio_fold(
            records, member, viewer=viewer, erased=erased, moment=moment), head)
    for community in COMMUNITIES:
        out[f"community {community}"] = outcome(lambda: community_fold(
            records, community, erased=erased), {**head, "viewer": None})
    for viewer in (None, "mila"):
        out[f"evaluation by {viewer}"] = outcome(lambda: evaluation_fold(
            records, sorted(COMMUNITIES), PERIODS, viewer=viewer, erased=erased), head)
    return out


def copy_upto(source: Site, target: Site, moment: datetime) -> None:
    """Append to `target` the events `source` recorded by `moment`, keeping recorded_at."""
    for rec in source.store.read(upto=source.store.position_at(moment)):
        # The correlation too: it pairs the two RoleChanged of a hand-over.
        target.store.submit(RecordEvent(rec.event, rec.actor, rec.occurred_at),
                             Options(recorded_at=rec.recorded_at,
                                     meta={"correlation_id": rec.meta["correlation_id"]}))


# No shrinking: each example builds two databases, and shrinking one can take minutes.
@settings(max_examples=int(os.environ.get("JOURNEY_VIEWS_EXAMPLES", "5")), deadline=None,
          database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tried=st.lists(commands, min_size=10, max_size=40), cut=st.floats(0.2, 0.9))
def test_views_live_rebuilt_as_of_and_folded_agree(new_database, tried, cut):
    # Small batches here, one batch in the fresh log: a target is found in the same batch
    # as what points at it, or in the rows of an earlier one; both must file the same keys.
    site = Site(new_database(), FakeClock(), batch=5)
    fresh = Site(new_database(), FakeClock(start=datetime(2026, 1, 1, tzinfo=UTC)))
    try:
        history = History(site.store)
        history.setup()
        for number, command in enumerate(tried):
            history.try_(*command)
            if number % 10 == 9:
                site.runner.catch_up()  # the index grows while the log does
                all_views(site.views)   # later portfolios read on from these folds' records
        site.runner.catch_up()
        last = site.store.last_position()

        live = all_views(site.views)
        assert live == all_folds(site, last)
        site.runner.rebuild()
        assert all_views(site.views) == live
        latest = from_micros(site.views.reader.row_at(last).recorded_at)
        assert all_views(site.views, as_of=latest) == live

        moment = from_micros(site.views.reader.row_at(max(1, int(last * cut))).recorded_at)
        then = all_views(site.views, as_of=moment)
        copy_upto(site, fresh, moment)
        fresh.runner.catch_up()
        assert all_views(fresh.views) == then
        assert then == all_folds(site, site.store.position_at(moment))
    finally:
        site.close()
        fresh.close()


# -- single behaviours ----------------------------------------------------------------------

@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    opened = Site(database_url, FakeClock())
    history = History(opened.store)
    history.setup()
    opened.history = history  # type: ignore[attr-defined]
    yield opened
    opened.close()


def test_the_index_migration_matches_the_tables_module(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade_projections(engine)
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), projection_metadata)
        assert [d for d in differences if event_keys.name in repr(d)] == []
    finally:
        engine.dispose()


def test_a_retraction_recorded_after_as_of_is_not_applied(site):
    history = site.history
    history.try_("lead", "c1", ["ivan"], [], 10)
    led = site.store.last_position()
    before = from_micros(site.views.reader.row_at(led).recorded_at)
    history.try_("retract", history.content.index(led), 20)
    site.runner.catch_up()

    assert len(site.views.portfolio("ivan", as_of=before)["sessions_led"]) == 1
    assert site.views.portfolio("ivan")["sessions_led"] == []
    assert site.views.portfolio("ivan", as_of=before)["as_of_position"] == led


def test_an_erased_member_is_erased_member_in_every_view_and_moment(site):
    site.history.try_("reflect", "ivan", "c1", "community", "realized", 10)
    site.history.try_("share", "ivan", "c1", 11)
    site.history.try_("reuse", "mila", "c1", 0, 12)
    site.runner.catch_up()
    before = from_micros(site.views.reader.row_at(site.store.last_position()).recorded_at)
    site.store.erase("ivan", requested_by="ivan")
    site.runner.catch_up()

    for as_of in (None, before):
        mine = site.views.portfolio("ivan", viewer="mila", as_of=as_of)
        assert mine["member"]["name"] == ERASED
        assert mine["reflections"][0]["text"] is None
        assert "Words of ivan" not in repr(mine) and "enc:v1:" not in repr(mine)
        assert len(mine["resources"]) == 1  # counts still stand
        names = {m["member"]["member_id"]: m["member"]["name"]
                 for m in site.views.community("c1", as_of=as_of)["members"]}
        assert names["ivan"] == ERASED and names["mila"] == "Name mila"
        stories = site.views.evaluation(["c1"], [], as_of=as_of)["columns"][0]["stories"]
        assert stories["realized"][0]["text"] is None
    assert site.views.archive("ivan")["profile"] is None


def test_reading_in_pages_changes_nothing(site, monkeypatch):
    for day in range(1, 8):
        site.history.try_("share", "ivan", "c1", day, "mila")
        site.history.try_("reflect", "mila", "c1", "community", "applied", day)
    site.runner.catch_up()
    whole = all_views(site.views)

    monkeypatch.setattr("projections.index.reader.PAGE", 2)
    site.views.cache.clear()  # read again, in pages

    assert all_views(site.views) == whole
    assert site.views.portfolio("ivan")["resources"][0]["reuses_by_others"] == 1


def _bare(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k != "as_of"}


def test_a_folded_portfolio_is_reused_until_an_event_it_reads_is_indexed(site):
    history = site.history
    history.try_("share", "ivan", "c1", 10)
    site.runner.catch_up()
    first = site.views.portfolio("ivan", viewer="ivan")
    hits, misses = site.views.cache.hits, site.views.cache.misses

    history.try_("lead", "c2", ["zoran"], [], 11)        # nothing the portfolio reads
    site.runner.catch_up()
    again = site.views.portfolio("ivan", viewer="ivan")
    assert (site.views.cache.hits, site.views.cache.misses) == (hits + 1, misses)
    assert again["as_of_position"] == site.store.last_position() > first["as_of_position"]
    assert {**again, "as_of_position": 0} == {**first, "as_of_position": 0}
    assert _bare(again) == all_folds(site, site.store.last_position())["portfolio ivan by ivan"]
    # As of before the session: the same fold again, with that cut's head.
    earlier = site.views.portfolio("ivan", viewer="ivan", as_of=from_micros(
        site.views.reader.row_at(first["as_of_position"]).recorded_at))
    assert _bare(earlier) == _bare(first) and site.views.cache.hits == hits + 2

    history.try_("reuse", "mila", "c1", 0, 12)           # a reuse of ivan's resource
    site.runner.catch_up()
    later = site.views.portfolio("ivan", viewer="ivan")
    assert site.views.cache.misses == misses + 1
    assert later["resources"][0]["reuses_by_others"] == 1
    assert _bare(later) == all_folds(site, site.store.last_position())["portfolio ivan by ivan"]

    site.store.erase("mila", requested_by="mila")         # any erasure empties the cache
    site.runner.catch_up()
    erased = site.views.portfolio("ivan", viewer="ivan")
    assert erased["resources"][0]["reused_by"] == [{"member_id": "mila", "name": ERASED}]


def test_a_portfolio_folded_again_reads_only_what_was_filed_since(site, monkeypatch):
    history = site.history
    history.try_("share", "ivan", "c1", 10)
    history.record(ev.BadgeDefined(badge_id="b-early", community_id="c1", name="Keeper",
                                   description="Keeps", criteria="Keeps going"), "ana", 11)
    defined = site.store.last_position()
    site.runner.catch_up()
    site.views.portfolio("ivan", viewer="mila")
    read: list[int] = []
    records = site.views.reader.records
    monkeypatch.setattr(site.views.reader, "records",
                        lambda positions: records(read.extend(positions) or positions))

    # An award of the badge defined before (its key is new to this portfolio: read whole),
    # and a reuse of ivan's resource (under a key read before: only what is new).
    history.record(ev.RecognitionAwarded(award_id="a-1", community_id="c1", member_id="ivan",
                                         badge_id="b-early", awarded_by="ana"), "ana", 12)
    awarded = site.store.last_position()
    history.try_("reuse", "mila", "c1", 0, 13)
    reused = site.store.last_position()
    site.runner.catch_up()
    later = site.views.portfolio("ivan", viewer="mila")

    assert sorted(read) == [defined, awarded, reused]
    assert later["recognitions"][0]["badge_id"] == "b-early"
    assert later["resources"][0]["reuses_by_others"] == 1
    fresh = all_folds(site, site.store.last_position())
    assert _bare(later) == fresh["portfolio ivan by mila"]
    # Another filter choice reads on from the same records; the operator's view has its own.
    read.clear()
    site.views.portfolio("ivan", viewer="mila", filters={"kind": "resource"})
    assert read == []
    assert _bare(site.views.portfolio("ivan")) == fresh["portfolio ivan by None"]
    assert len(read) > 3


def test_an_erasure_here_empties_the_kept_records_before_the_index_holds_it(site):
    site.history.try_("share", "ivan", "c1", 10)
    site.runner.catch_up()
    site.views.portfolio("ivan")  # keeps the records it read: mila's registration among them
    site.history.try_("reuse", "mila", "c1", 0, 13)
    site.runner.catch_up()

    site.store.erase("mila", requested_by="mila", actor="mila")  # not indexed yet
    view = site.views.portfolio("ivan")

    assert view["resources"][0]["reused_by"] == [{"member_id": "mila", "name": ERASED}]
    assert "Name mila" not in repr(view)


def test_unknown_members_and_communities_and_times_before_they_existed(site):
    with pytest.raises(errors.UnknownReference) as raised:
        site.views.portfolio("nobody")
    assert raised.value.rule == "unknown_member"
    with pytest.raises(errors.UnknownReference) as raised:
        site.views.community("c9")
    assert raised.value.rule == "unknown_community"
    site.runner.catch_up()
    with pytest.raises(errors.UnknownReference):
        site.views.community("c1", as_of="2020-01-01")
    with pytest.raises(errors.InvalidValue):
        site.views.portfolio("ana", as_of="yesterday")


def test_the_archive_is_the_members_own_view_with_the_head_it_was_made_from(site):
    site.history.try_("reflect", "ivan", "c1", "private", None, 10)
    site.runner.catch_up()

    archive = site.views.archive("ivan")

    head = site.store.head()
    assert archive["log_head"] == {"position": head.position, "hash": head.hash}
    assert archive["viewer"] == "ivan" and len(archive["reflections"]) == 1
    assert archive["profile"]["email"] == "ivan@school.rs"


def test_open_journey_wires_the_index_and_signs_archives(database_url, tmp_path):
    journey = open_test_journey(database_url, tmp_path)
    try:
        assert "index" in {p.name for p in all_projections()}
        History(journey.store).setup()
        journey.runner.catch_up()
        archive = journey.views.archive("ana")
        assert check_signed_head(archive["log_head"])
        assert archive["log_head"]["position"] == journey.store.last_position()
        assert [c["community_id"] for c in archive["communities"]] == ["c1", "c3"]
    finally:
        journey.close()
