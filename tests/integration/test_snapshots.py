"""A new process starts from the decision-state snapshot and folds only the rows after it."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from events import store as store_module
from events.exchange import import_lines
from events.log import Log, open_log
from events.store import EventStore
from tests.integration.story import jsonl, open_test_log, story


@pytest.fixture
def logs(database_url, tmp_path, monkeypatch) -> Iterator[list[Log]]:
    """Logs opened on one database and instance, as processes would; closed at the end."""
    monkeypatch.setattr(store_module, "SNAPSHOT_AFTER", 5)
    opened = [open_test_log(database_url, tmp_path)]
    report = import_lines(opened[0].store, jsonl(story()), source_id="story")
    assert report.ok and report.appended == 13
    yield opened
    for log in opened:
        log.close()


def two_more(log: Log) -> None:
    """Two events appended after the snapshot: another session and resource of ivan's."""
    more(log, pairs=1)


def more(log: Log, pairs: int, first: int = 2) -> None:
    """`pairs` more sessions and resources of ivan's (ids from `first` on)."""
    session, resource = story()[6:8]
    lines = []
    for n in range(first, first + pairs):
        lines += [dict(session, position=2000 + 20 * n,
                       data={**session["data"], "session_id": f"s-{n}"}),
                  dict(resource, position=2010 + 20 * n,
                       data={**resource["data"], "resource_id": f"r-{n}"})]
    report = import_lines(log.store, jsonl(lines), source_id=f"more from {first}")
    assert report.ok and report.appended == 2 * pairs, report.to_json()


def another(logs: list[Log]) -> Log:
    log = open_log(logs[0].config)
    logs.append(log)
    return log


def folded_from_scratch(log: Log) -> EventStore:
    """The decision state the way it always was made: every row folded, no snapshot."""
    plain = EventStore(log.recorder, master_key=log.instance.master_key, seal=log.instance.seal)
    plain.catch_up()
    return plain


def reads_after(log: Log) -> list[int]:
    """The `after` of every read of the log this store makes from now on."""
    seen: list[int] = []
    read = log.recorder.read

    def spy(after: int = 0, upto: int | None = None, batch: int = 1000):
        seen.append(after)
        return read(after=after, upto=upto, batch=batch)

    log.recorder.read = spy  # type: ignore[method-assign]
    return seen


def a_new_process_folds_from_the_start(logs: list[Log]) -> None:
    """A store opened now ignores the snapshot: it reads the log from position 0."""
    later = another(logs)
    reads = reads_after(later)

    later.store.catch_up()

    assert reads == [0]
    assert later.store.state == folded_from_scratch(later).state


def snapshot_file(log: Log) -> Path:
    return log.store.snapshots.path


def test_a_long_fold_writes_a_snapshot_the_next_process_starts_from(logs):
    first = another(logs)
    first.store.catch_up()  # folds 13 rows (>= 5): writes the snapshot
    assert snapshot_file(first).exists()
    two_more(logs[0])
    later = another(logs)
    reads = reads_after(later)

    later.store.catch_up()

    assert reads == [13]  # from the snapshot's position, not from the start
    assert gc.isenabled()
    plain = folded_from_scratch(later)
    assert later.store.state == plain.state and later.store.state.position == 15


def test_the_first_append_of_a_new_process_starts_from_the_snapshot(logs):
    another(logs).store.catch_up()
    later = another(logs)
    reads = reads_after(later)

    two_more(later)

    assert reads[0] == 13
    assert later.store.state == folded_from_scratch(later).state


def test_a_snapshot_the_log_does_not_hold_is_ignored(logs):
    first = another(logs)
    first.store.catch_up()
    state = first.store.state
    first.store.snapshots.save(13, "0" * 64, state)  # as if of another log (a restore)

    a_new_process_folds_from_the_start(logs)


def test_a_snapshot_altered_on_disk_is_ignored(logs):
    first = another(logs)
    first.store.catch_up()
    path = snapshot_file(first)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))

    a_new_process_folds_from_the_start(logs)


def test_erasing_a_member_deletes_the_snapshot(logs):
    first = another(logs)
    first.store.catch_up()
    assert snapshot_file(first).exists()

    logs[0].store.erase("ivan", requested_by="ana")

    assert not snapshot_file(first).exists()
    later = another(logs)
    reads = reads_after(later)
    later.store.catch_up()
    assert reads == [0] and "ivan" in later.store.state.erased


def snapshot_position(log: Log) -> int | None:
    snapshot = log.store.snapshots.load(lambda position, hash: True)
    return snapshot.position if snapshot is not None else None


def test_a_worker_forked_from_an_old_fold_starts_from_a_newer_snapshot(logs):
    """gunicorn respawns a worker from its master's fold, made at the master's start: a
    snapshot another process wrote since is far enough ahead to load instead."""
    master = another(logs)
    master.store.catch_up()  # 13 rows, snapshot at 13
    more(logs[0], pairs=4)  # the log at 21
    another(logs).store.catch_up()  # a process started since: from 13, a snapshot at 21
    assert snapshot_position(master) == 21
    worker = another(logs)
    worker.store.start_from(master.store)  # at 13
    reads = reads_after(worker)

    worker.store.catch_up(starting=True)

    assert reads == [21]  # from the newer snapshot, not from 13
    assert worker.store.state == folded_from_scratch(worker).state


def test_a_worker_that_folds_long_leaves_a_snapshot_for_the_next(logs):
    master = another(logs)
    master.store.catch_up()  # snapshot at 13
    more(logs[0], pairs=4)  # 8 rows (>= 5) after the master's fold
    worker = another(logs)
    worker.store.start_from(master.store)
    reads = reads_after(worker)

    worker.store.catch_up(starting=True)

    assert reads == [13]  # the snapshot at 13 is the state it holds: folded from there
    assert snapshot_position(worker) == 21
    assert worker.store.state == folded_from_scratch(worker).state


def test_a_request_of_a_running_process_neither_loads_nor_writes_a_snapshot(logs):
    master = another(logs)
    master.store.catch_up()  # snapshot at 13
    running = another(logs)
    running.store.start_from(master.store)  # at 13, and it never looked for a snapshot
    more(logs[0], pairs=4)
    another(logs).store.catch_up()  # snapshot at 21
    more(logs[0], pairs=4, first=6)  # the log at 29
    reads = reads_after(running)

    running.store.catch_up()  # a request's: not a start

    assert reads == [13]  # not from the snapshot at 21
    assert snapshot_position(running) == 21  # 16 rows folded, none written
    assert running.store.state == folded_from_scratch(running).state


def test_a_snapshot_a_little_ahead_is_not_worth_loading(logs):
    master = another(logs)
    master.store.catch_up()  # snapshot at 13
    more(logs[0], pairs=1)  # the log at 15
    since = another(logs)
    since.store.catch_up()  # from 13, two rows: too few to write one
    _save_tip(since)  # as if it had
    assert snapshot_position(master) == 15
    worker = another(logs)
    worker.store.start_from(master.store)
    reads = reads_after(worker)

    worker.store.catch_up(starting=True)

    assert reads == [13]  # 15 is not past 13 + 5: folding two rows beats unpickling all
    assert worker.store.state == folded_from_scratch(worker).state


def _save_tip(log: Log) -> None:
    tip = log.recorder.row_at(log.store.state.position)
    log.store.snapshots.save(tip.position, tip.hash, log.store.state)
