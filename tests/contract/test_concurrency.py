"""Concurrent writers on one log (DESIGN "Append", "Engines"): the order stays gapless.

Eight writers append at once — separate "spawn" processes with their own engine and
store, or threads — either all into ONE stream (eight members sharing resources in one
community) or into MANY (a community each), while a follower polls `read(after=...)`.
Afterwards: positions are exactly 1..N, every stream's versions are gapless, the chain and
the sealed head hold, every acknowledged event is in the log exactly once where it was
acknowledged, no writer saw an error ("database is locked" or any other), and the
follower read every position once, in order.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections import Counter

import pytest

from events.migrate import upgrade
from events.sql import make_engine
from events.store import EventStore
from tests.contract.scenario import (Seal, check_log, close_store, community_with, found, join,
                                     open_sql_store, register)
from tests.contract.workers import (FollowerReport, WriterReport, append_resources, follow,
                                    follower_process, writer_process)

WRITERS = 8
PER_PROCESS = 200
PER_THREAD = 100
SHARED = "c-shared"

backends = pytest.mark.parametrize("db", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
layouts = pytest.mark.parametrize("layout", ["one_stream", "many_streams"])


class SharedLog:
    """A migrated database, its keys, and the writers' communities set up in it."""

    def __init__(self, url: str, layout: str) -> None:
        self.url = url
        self.master_key = os.urandom(32)
        self.seal = Seal(os.urandom(32))
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        self.members = [f"m{i}" for i in range(WRITERS)]
        store = self.open()
        try:
            if layout == "one_stream":
                community_with(store, SHARED, "facilitator", self.members)
                self.community = dict.fromkeys(self.members, SHARED)
            else:
                self.community = {m: f"c-{m}" for m in self.members}
                for member in self.members:
                    store.submit(register(member))
                    store.submit(found(self.community[member], member))
                    store.submit(join(self.community[member], member, by=member,
                                       role="facilitator"))
            self.setup_position = store.last_position()
        finally:
            close_store(store)

    def open(self) -> EventStore:
        return open_sql_store(self.url, self.master_key, self.seal.key)


def url_of(request, db: str) -> str:
    return request.getfixturevalue("sqlite_url" if db == "sqlite" else "fresh_postgres_url")


def check_outcome(log: SharedLog, writers: list[WriterReport], follower: FollowerReport,
                  per_writer: int) -> None:
    """Everything the module docstring promises, with a message naming what broke."""
    errors = [f"{w.member}: {e}" for w in writers for e in w.errors]
    assert errors == [], f"{len(errors)} errors reached writers, first: {errors[:3]}"
    assert sorted(w.member for w in writers) == sorted(log.members)
    total = log.setup_position + WRITERS * per_writer
    store = log.open()
    try:
        checked = check_log(store, log.seal)
    finally:
        close_store(store)
    assert checked.problems == []
    rows = checked.rows
    assert [r.position for r in rows] == list(range(1, total + 1))
    acked_positions = Counter(p for w in writers for p, _, _ in w.acks)
    assert len(acked_positions) == WRITERS * per_writer
    assert max(acked_positions.values()) == 1, "one position acknowledged twice"
    for writer in writers:
        assert len(writer.acks) == per_writer
        positions = [p for p, _, _ in writer.acks]
        assert positions == sorted(positions), f"{writer.member} went back in the log"
        for position, event_id, resource in writer.acks:
            row = rows[position - 1]
            assert (row.event_id, row.data["resource_id"], row.data["member_id"]) == (
                event_id, resource, writer.member), f"acknowledged position {position}"
    spans = sorted((w.started, w.finished) for w in writers)
    assert any(start < max(end for _, end in spans[:i]) for i, (start, _) in
               enumerate(spans) if i), "no two writers ran at the same time"
    shared = Counter(r.data["resource_id"] for r in rows if r.type == "ResourceShared")
    assert len(shared) == WRITERS * per_writer and set(shared.values()) == {1}
    assert follower.errors == []
    seen = follower.seen
    broken = next((i for i, (a, b) in enumerate(zip(seen, seen[1:])) if b != a + 1), None)
    assert seen == list(range(log.setup_position + 1, total + 1)), (
        f"follower read {len(seen)}, expected {total - log.setup_position}; "
        f"first out of order after index {broken}")


@backends
@layouts
def test_writer_processes_keep_the_log_gapless(request, db, layout):
    log = SharedLog(url_of(request, db), layout)
    total = log.setup_position + WRITERS * PER_PROCESS
    ctx = multiprocessing.get_context("spawn")
    ready, start, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    processes = [ctx.Process(target=writer_process, args=(
        log.url, log.master_key, log.seal.key, log.community[m], m, PER_PROCESS, ready, start,
        results)) for m in log.members]
    processes.append(ctx.Process(target=follower_process, args=(
        log.url, log.master_key, log.seal.key, log.setup_position, total, 120.0, ready, start,
        results)))
    reports: list = []
    try:
        for process in processes:
            process.start()
        # Start together: every process has imported, opened its store and caught up.
        for _ in processes:
            ready.get(timeout=120)
        start.set()
        deadline = time.monotonic() + 180
        while len(reports) < len(processes):
            try:
                reports.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                break
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        for channel in (ready, results):
            channel.close()
            channel.join_thread()
    assert len(reports) == len(processes), (
        f"only {len(reports)} of {len(processes)} processes reported; exit codes "
        f"{[p.exitcode for p in processes]}")
    assert [p.exitcode for p in processes] == [0] * len(processes)
    writers = [r for kind, r in reports if kind == "writer"]
    (follower,) = [r for kind, r in reports if kind == "follower"]
    check_outcome(log, writers, follower, PER_PROCESS)


def run_threads(log: SharedLog, stores: list[EventStore]
                ) -> tuple[list[WriterReport], FollowerReport]:
    """One writer thread per member on `stores[i]`, and a follower thread on its own store."""
    total = log.setup_position + WRITERS * PER_THREAD
    writers: list[WriterReport] = []
    followed: list[FollowerReport] = []
    gate = threading.Barrier(WRITERS + 1)
    follower_store = log.open()

    def write(index: int) -> None:
        member = log.members[index]
        gate.wait(30)
        writers.append(append_resources(stores[index], log.community[member], member,
                                        PER_THREAD))

    def read() -> None:
        gate.wait(30)
        followed.append(follow(follower_store, log.setup_position, total,
                               time.monotonic() + 60))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    threads.append(threading.Thread(target=read))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert not any(t.is_alive() for t in threads), "a thread hung"
    finally:
        close_store(follower_store)
    return writers, followed[0]


@layouts
@pytest.mark.parametrize("sharing", ["one_store", "store_per_thread"])
def test_writer_threads_keep_the_log_gapless(sqlite_url, layout, sharing):
    log = SharedLog(sqlite_url, layout)
    if sharing == "one_store":
        stores = [log.open()] * WRITERS
    else:
        stores = [log.open() for _ in range(WRITERS)]
    try:
        writers, follower = run_threads(log, stores)
    finally:
        for store in set(stores):
            close_store(store)
    check_outcome(log, writers, follower, PER_THREAD)
