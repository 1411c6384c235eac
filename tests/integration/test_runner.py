"""The projection runner: checkpoints, failures that never touch the log, version rebuilds."""
from __future__ import annotations

import threading

import pytest
from datetime import datetime, timezone

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

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

    def apply(self, conn, records) -> None:
        for rec in records:
            if rec.position == self.fail_at:
                raise RuntimeError(f"cannot fold position {rec.position}")
        conn.execute(insert(seen), [{"position": r.position, "type": r.type} for r in records])


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
