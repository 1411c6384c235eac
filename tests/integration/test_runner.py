"""The projection runner: checkpoints, failures that never touch the log, version rebuilds."""
from __future__ import annotations

import gc
import sys
import threading
import uuid

import pytest
from datetime import datetime, timezone

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.engine import make_url

from events.migrate import upgrade
from events.sql import SqlRecorder, make_engine
from events.store import EventStore
from journey import events as E
from journey.records import RecordEvent
from projections.migrate import upgrade_projections
from projections.runner import ProjectionRunner

UTC = timezone.utc
AT = datetime(2024, 3, 5, tzinfo=UTC)

probe_metadata = MetaData()
seen = Table("runner_probe", probe_metadata, Column("position", Integer, primary_key=True),
             Column("type", String(64)))


class Probe:
    """A projection that writes one row per event, and fails on demand."""

    name = "probe"
    tables = (seen,)
    clear_text = False

    def __init__(self, version: int = 1, fail_at: int | None = None) -> None:
        self.version = version
        self.fail_at = fail_at

    def prepare(self, records) -> list[dict]:
        for rec in records:
            if rec.position == self.fail_at:
                raise RuntimeError(f"cannot fold position {rec.position}")
        return [{"position": r.position, "type": r.type} for r in records]

    def write(self, conn, rows) -> None:
        conn.execute(insert(seen), rows)


@pytest.fixture
def closing():
    """Recorders and engines a test opened, closed at its end (no connection left open)."""
    opened: list = []
    yield opened
    for thing in reversed(opened):
        thing.close() if hasattr(thing, "close") else thing.dispose()


def make(url: str, closing: list):
    engine = make_engine(url)
    closing.append(engine)
    upgrade(engine)
    upgrade_projections(engine)
    probe_metadata.create_all(engine)
    return engine, open_store(url, closing)


def open_store(url: str, closing: list) -> EventStore:
    recorder = SqlRecorder(make_engine(url))
    closing.append(recorder)
    return EventStore(recorder, master_key=b"k" * 32, seal=lambda p, h: "seal")


def engine_for(url: str, closing: list):
    engine = make_engine(url)
    closing.append(engine)
    return engine


def register(store: EventStore, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        store.submit(RecordEvent(E.MemberRegistered(member_id=f"m{i}", display_name="Ana"),
                                  f"m{i}", AT))


def rows(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(seen.c.position).order_by(seen.c.position)).scalars())


def test_checkpoint_moves_with_the_rows_and_a_failure_never_touches_the_log(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 5)
    probe = Probe(fail_at=4)
    runner = ProjectionRunner(engine, store, [probe], batch=2)
    runner.catch_up()
    # Batches of two: 1-2 folded, 3-4 failed as a whole, so the checkpoint stays at 2.
    assert rows(engine) == [1, 2]
    status = runner.status()[0]
    assert (status.checkpoint, status.state, status.lag) == (2, "failed", 3)
    assert "cannot fold position 4" in status.error
    register(store, 1, start=5)  # appends still work while a projection is failed
    assert store.last_position() == 6
    probe.fail_at = None  # the fix is deployed: the next round retries and catches up
    runner.catch_up()
    assert rows(engine) == [1, 2, 3, 4, 5, 6]
    assert runner.status()[0].state == "ok"


def test_bumping_the_version_rebuilds_from_the_start(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 3)
    ProjectionRunner(engine, store, [Probe(version=1)]).catch_up()
    with engine.begin() as conn:
        conn.execute(insert(seen).values(position=99, type="stale"))
    runner = ProjectionRunner(engine, store, [Probe(version=2)])
    assert runner.status()[0].state == "outdated"
    runner.catch_up()
    assert rows(engine) == [1, 2, 3]
    assert runner.status()[0].version == 2


def test_the_signal_wakes_the_background_runner(sqlite_url, closing):
    engine, store = make(sqlite_url, closing)
    runner = ProjectionRunner(engine, store, [Probe()], poll_seconds=30)
    runner.start()
    try:
        register(store, 3)
        # Polling every 30 s could not explain catching up this fast: the signal did.
        assert runner.wait_for(3, timeout=10)
        assert rows(engine) == [1, 2, 3]
    finally:
        runner.stop()


def test_polling_catches_up_with_appends_the_signal_never_announced(sqlite_url, closing):
    engine, store = make(sqlite_url, closing)
    other = open_store(sqlite_url, closing)
    runner = ProjectionRunner(engine, store, [Probe()], poll_seconds=0.05)
    runner.start()
    try:
        register(other, 2)  # another process's store: no signal reaches this runner
        assert runner.wait_for(2, timeout=10)
    finally:
        runner.stop()


def test_two_runners_folding_at_once_write_every_row_once(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 40)
    runners = [ProjectionRunner(engine_for(database_url, closing), store, [Probe()], batch=3)
               for _ in range(4)]
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runners[0].catch_up()
    assert rows(engine) == list(range(1, 41))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(seen)).scalar() == 40


# -- long catch-ups: batches prepared here, written after (in a thread on PostgreSQL) --------

other_seen = Table("runner_probe_other", probe_metadata,
                   Column("position", Integer, primary_key=True), Column("type", String(64)))


class OtherProbe(Probe):
    """A second projection writing to a table of its own."""

    name = "other_probe"
    tables = (other_seen,)

    def write(self, conn, rows) -> None:
        conn.execute(insert(other_seen), rows)


class BrokenWrite(Probe):
    """Prepares fine; its write of the batch holding `fail_at` breaks in the database."""

    name = "broken_write"

    def prepare(self, records) -> list[dict]:
        rows = [{"position": r.position, "type": r.type} for r in records]
        if any(r.position == self.fail_at for r in records):
            rows.append(dict(rows[0]))  # the same primary key twice
        return rows


def other_rows(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(other_seen.c.position)
                                 .order_by(other_seen.c.position)).scalars())


def test_a_projection_failing_mid_catch_up_leaves_the_others_folding(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 9)
    runner = ProjectionRunner(engine, store, [Probe(fail_at=5), OtherProbe()], batch=2)
    runner.catch_up()
    status = {s.name: s for s in runner.status()}
    # Batches 1-2, 3-4 folded; 5-6 refused in the fold: the checkpoint stays at 4.
    assert (status["probe"].checkpoint, status["probe"].state) == (4, "failed")
    assert "cannot fold position 5" in status["probe"].error
    assert rows(engine) == [1, 2, 3, 4]
    assert (status["other_probe"].checkpoint, status["other_probe"].state) == (9, "ok")
    assert other_rows(engine) == list(range(1, 10))


def test_a_write_refused_by_the_database_marks_that_projection_and_resumes(database_url,
                                                                          closing):
    engine, store = make(database_url, closing)
    register(store, 9)
    broken = BrokenWrite(fail_at=7)
    runner = ProjectionRunner(engine, store, [broken, OtherProbe()], batch=2)
    runner.catch_up()
    status = {s.name: s for s in runner.status()}
    assert (status["broken_write"].checkpoint, status["broken_write"].state) == (6, "failed")
    assert rows(engine) == [1, 2, 3, 4, 5, 6]  # the refused batch left nothing behind
    assert status["other_probe"].checkpoint == 9
    broken.fail_at = None
    runner.catch_up()
    assert rows(engine) == list(range(1, 10))
    assert {s.name: s.state for s in runner.status()} == {"broken_write": "ok",
                                                           "other_probe": "ok"}


def test_an_event_targeting_the_batch_before_takes_its_keys(database_url, closing):
    # The index prepares batch k+1 while batch k may still be being written: an event
    # that targets batch k is filed when its own batch is written, after batch k.
    from projections.index.projection import IndexProjection
    from projections.tables import event_keys
    from tests.contract.scenario import community_with, reflect, retract, share

    engine, store = make(database_url, closing)
    before = community_with(store, "c1", "ana", ["ivan"])
    shared = store.submit(share("c1", "ivan", "r-1")).position
    reflected = store.submit(reflect("c1", "ivan", "ref-1")).position
    retracted = store.submit(retract(shared, "ivan")).position
    hidden = store.submit(RecordEvent(E.ReflectionVisibilityChanged(
        reflection_id="ref-1", member_id="ivan", visibility="private"), "ivan", AT)).position
    assert reflected == before + 2 and retracted == reflected + 1
    # Batches end with the reflection: the retraction and the visibility change come next.
    ProjectionRunner(engine, store, [IndexProjection()], batch=reflected).catch_up()
    with engine.connect() as conn:
        keys = {}
        for key, position in conn.execute(select(event_keys.c.key, event_keys.c.position)):
            keys.setdefault(position, set()).add(key)
    assert keys[retracted] == keys[shared]
    assert keys[hidden] == keys[reflected]
    assert "resource:r-1" in keys[shared] and "reflection:ref-1" in keys[reflected]


def test_progress_reports_only_what_is_written(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 9)
    runner = ProjectionRunner(engine, store, [Probe(), OtherProbe()], batch=2)
    told: list[tuple[int, int, int]] = []

    def progress(reached: int, end: int) -> None:
        written = min(runner.checkpoint_of("probe"), runner.checkpoint_of("other_probe"))
        told.append((reached, end, written))

    runner.rebuild(progress=progress)
    assert told[-1][:2] == (9, 9)
    assert all(reached <= written for reached, _, written in told), told


def test_a_catch_up_told_to_stop_ends_after_the_batch_in_hand(database_url, closing):
    engine, store = make(database_url, closing)
    register(store, 9)
    runner = ProjectionRunner(engine, store, [Probe(), OtherProbe()], batch=2)
    stop = threading.Event()

    def progress(reached: int, end: int) -> None:
        if reached >= 4:
            stop.set()  # SIGTERM to a worker, while it folds

    runner.catch_up(progress=progress, stop=stop)
    stopped_at = {runner.checkpoint_of("probe"), runner.checkpoint_of("other_probe")}
    assert len(stopped_at) == 1 and 4 <= stopped_at.pop() < 9  # not at the end of the log
    assert rows(engine) == list(range(1, runner.checkpoint_of("probe") + 1))
    runner.catch_up(stop=stop)  # still stopping: nothing more
    assert runner.checkpoint_of("probe") < 9
    runner.catch_up()  # the next worker goes on from the checkpoints
    assert rows(engine) == list(range(1, 10)) and other_rows(engine) == list(range(1, 10))


class FlushProbe(Probe):
    """A Probe noting, as it writes, whether its transaction waits for the WAL flush."""

    def __init__(self) -> None:
        super().__init__()
        self.settings: list[str] = []

    def write(self, conn, rows) -> None:
        self.settings.append(conn.exec_driver_sql("SHOW synchronous_commit").scalar())
        super().write(conn, rows)


@pytest.mark.postgres
def test_projection_commits_skip_the_flush_wait_and_leave_the_connection_as_it_was(
        fresh_postgres_url, closing):
    engine, store = make(fresh_postgres_url, closing)
    register(store, 3)
    probe = FlushProbe()
    ProjectionRunner(engine, store, [probe], batch=2).catch_up()
    assert probe.settings == ["off", "off"]
    assert rows(engine) == [1, 2, 3]
    # The runner's connection is back in the pool: whoever takes it next (an append,
    # which must wait for the flush) finds the server's setting.
    assert engine.pool.checkedin() == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def _maintained(engine, table: str) -> tuple[bool, bool]:
    """Whether PostgreSQL has vacuumed and analysed `table` (by hand, not autovacuum)."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}).one())


@pytest.mark.postgres
def test_catch_ups_have_postgresql_analyse_once_they_folded_a_tenth_of_the_log(
        fresh_postgres_url, closing):
    engine, store = make(fresh_postgres_url, closing)
    register(store, 100)
    first = ProjectionRunner(engine, store, [Probe()], batch=4)
    first.analyse_after = 1000  # more than a catch-up of 100: left alone
    first.catch_up()
    runner = ProjectionRunner(engine, store, [Probe()], batch=4)
    runner.analyse_after = 8
    register(store, 5, start=100)
    runner.catch_up()  # 5 folded: fewer than 8
    register(store, 4, start=105)
    runner.catch_up()  # 9 folded in all, but not a tenth of 109
    assert _maintained(engine, "runner_probe") == (False, False)
    register(store, 3, start=109)
    runner.catch_up()  # 12 folded in all, more than a tenth of 112: no catch-up alone was
    assert rows(engine) == list(range(1, 113))
    assert _maintained(engine, "runner_probe") == (True, True)


# -- the interpreter through a long catch-up (events/quiet.py) ---------------------------------

class QuietProbe(Probe):
    """Notes, at each batch it prepares, whether the fold runs quietly: the cyclic
    collector paused, the switch interval short."""

    def __init__(self) -> None:
        super().__init__()
        self.quiet: list[bool] = []

    def prepare(self, records) -> list[dict]:
        self.quiet.append(not gc.isenabled() and sys.getswitchinterval() < 0.001)
        return super().prepare(records)


@pytest.mark.parametrize("threads", [1, 3])
def test_a_long_catch_up_runs_quietly_only_where_nothing_else_runs(
        sqlite_url, closing, monkeypatch, threads):
    engine, store = make(sqlite_url, closing)
    register(store, 5)
    probe = QuietProbe()
    interval = sys.getswitchinterval()
    monkeypatch.setattr(threading, "active_count", lambda: threads)
    ProjectionRunner(engine, store, [probe], batch=2).catch_up()
    assert rows(engine) == [1, 2, 3, 4, 5]
    # A full first batch tells a long catch-up: from it on, the folds run quietly.
    assert probe.quiet == [threads == 1] * 3
    assert gc.isenabled() and sys.getswitchinterval() == interval  # both back


def test_a_short_catch_up_leaves_the_interpreter_alone(sqlite_url, closing, monkeypatch):
    engine, store = make(sqlite_url, closing)
    register(store, 1)
    probe = QuietProbe()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    ProjectionRunner(engine, store, [probe], batch=2).catch_up()
    assert probe.quiet == [False] and gc.isenabled()


# -- emptying the tables on PostgreSQL: TRUNCATE, or DELETE when readers hold them -------------

def _filenode(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_relation_filenode('runner_probe')")).scalar()


def _folded(url: str, closing: list, count: int):
    """(engine, store, runner): `count` members registered, the probe caught up with them."""
    engine, store = make(url, closing)
    register(store, count)
    runner = ProjectionRunner(engine, store, [Probe()], batch=2)
    runner.catch_up()
    return engine, store, runner


@pytest.mark.postgres
def test_a_rebuild_on_postgresql_truncates_the_tables(fresh_postgres_url, closing):
    engine, _, runner = _folded(fresh_postgres_url, closing, 5)
    before = _filenode(engine)
    runner.rebuild()
    assert rows(engine) == [1, 2, 3, 4, 5]
    assert _filenode(engine) != before  # a new, empty file: no dead rows left behind


@pytest.mark.postgres
def test_a_reset_gives_way_to_delete_while_a_reader_holds_the_table(fresh_postgres_url, closing):
    engine, _, runner = _folded(fresh_postgres_url, closing, 5)
    runner.truncate_wait = 0.2
    before = _filenode(engine)
    reader = engine_for(fresh_postgres_url, closing).connect()
    closing.append(reader)
    reader.begin()
    assert len(reader.execute(select(seen)).all()) == 5  # a report's transaction, still open
    runner.reset(["probe"])
    reader.rollback()
    assert rows(engine) == [] and _filenode(engine) == before
    runner.catch_up()
    assert rows(engine) == [1, 2, 3, 4, 5]


@pytest.mark.postgres
def test_a_role_that_may_not_truncate_empties_by_delete(fresh_postgres_url, closing):
    engine, store, _ = _folded(fresh_postgres_url, closing, 3)
    role = f"journey_no_truncate_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                          f"public TO {role}"))
    try:
        url = make_url(fresh_postgres_url).set(username=role, password=None)
        limited = engine_for(url.render_as_string(hide_password=False), closing)
        runner = ProjectionRunner(limited, store, [Probe()], batch=2)
        runner.rebuild()
        assert rows(engine) == [1, 2, 3]
    finally:
        limited.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
