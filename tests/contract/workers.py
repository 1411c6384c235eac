"""What the concurrency tests run in each writer and follower, as threads or "spawn" processes.

Module-level functions only, so a spawned process can import them by name.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from events.store import EventStore
from tests.contract.scenario import close_store, open_sql_store, share


@dataclass
class WriterReport:
    """What one writer was acknowledged, and every error that reached it."""

    member: str
    acks: list[tuple[int, str, str]] = field(default_factory=list)  # position, event_id, resource
    errors: list[str] = field(default_factory=list)
    started: float = 0.0  # time.time() of the first and the last command
    finished: float = 0.0


@dataclass
class FollowerReport:
    """The positions a follower read, in the order it read them."""

    seen: list[int] = field(default_factory=list)
    polls: int = 0
    errors: list[str] = field(default_factory=list)


def append_resources(store: EventStore, community: str, member: str, count: int) -> WriterReport:
    """`member` shares `count` resources in `community`, one command at a time."""
    report = WriterReport(member, started=time.time())
    for index in range(count):
        resource = f"{member}-r{index}"
        try:
            result = store.submit(share(community, member, resource))
        except Exception as exc:  # noqa: BLE001 - every error is the finding
            report.errors.append(f"{resource}: {type(exc).__name__}: {exc}")
            continue
        report.acks.append((result.position, result.records[0].event_id, resource))
    report.finished = time.time()
    return report


def follow(store: EventStore, after: int, until: int, deadline: float) -> FollowerReport:
    """Poll `store.read(after=last seen)` until position `until` was read (or the deadline)."""
    report = FollowerReport()
    last = after
    while last < until and time.monotonic() < deadline:
        report.polls += 1
        try:
            for recorded in store.read(after=last):
                report.seen.append(recorded.position)
                last = recorded.position
        except Exception as exc:  # noqa: BLE001
            report.errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.002)
    return report


def writer_process(url: str, master_key: bytes, seal_key: bytes, community: str, member: str,
                   count: int, ready: Any, start: Any, results: Any) -> None:
    """A writer process: its own engine and store; says `ready`, appends once `start` is set."""
    report = WriterReport(member)
    try:
        store = open_sql_store(url, master_key, seal_key)
        try:
            store.catch_up()
            ready.put(member)
            start.wait(60)
            report = append_resources(store, community, member, count)
        finally:
            close_store(store)
    except BaseException:  # noqa: BLE001
        report.errors.append(traceback.format_exc())
    results.put(("writer", report))


def follower_process(url: str, master_key: bytes, seal_key: bytes, after: int, until: int,
                     seconds: float, ready: Any, start: Any, results: Any) -> None:
    """A follower process: polls the log from `after` until it has read position `until`."""
    report = FollowerReport()
    try:
        store = open_sql_store(url, master_key, seal_key)
        try:
            store.last_position()
            ready.put("follower")
            start.wait(60)
            report = follow(store, after, until, time.monotonic() + seconds)
        finally:
            close_store(store)
    except BaseException:  # noqa: BLE001
        report.errors.append(traceback.format_exc())
    results.put(("follower", report))
