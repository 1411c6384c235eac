"""The projection runner: folds the log into read models, checkpointed, leased, rebuildable.

Each projection has a name, a version and a checkpoint stored in the same transaction as
its rows. Folding takes a lease so two processes never fold the same projection at once:
on SQLite the writing transaction advances the checkpoint only from the value it read; on
PostgreSQL it also holds `pg_try_advisory_xact_lock`. A failure is logged with its
position, marked, and retried on the next round; it never touches the log. The blinker
signal wakes the runner after an append, but it always catches up from its checkpoint,
so a missed signal (another process appended) only delays it until the next poll.
With JOURNEY_PROJECTIONS=worker a web process never folds (`folded_elsewhere`): `journey
worker` (cli/worker.py, woken by PostgreSQL's NOTIFY) does, and reads wait for its checkpoints.
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, Sequence

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from events.quiet import quiet_fold
from events.sql import ANALYSE_AFTER, analyse, grew_enough
from events.store import EventStore, appended
from journey.records import Recorded
from projections.tables import checkpoints

log = logging.getLogger("journey.projections")

Progress = Callable[[int, int], None]  # (position reached, log end)


class Projection(Protocol):
    """A read model: `prepare` folds a batch of records (pure folds live elsewhere),
    `write` stores the result as rows."""

    name: str
    version: int
    tables: tuple[Table, ...]
    #: Whether the fold reads personal fields (decryption costs; most folds need only ids).
    clear_text: bool

    def prepare(self, records: Sequence[Recorded]) -> object:
        """Fold a batch into what `write` stores (pure: no database)."""

    def write(self, conn: Connection, prepared: object) -> None:
        """Store a prepared batch, in the transaction that moves the checkpoint."""


@dataclass(frozen=True)
class ProjectionStatus:
    """What `journey projections status` shows."""

    name: str
    version: int
    checkpoint: int
    lag: int
    state: str
    error: str | None


#: This transaction's commit returns before its WAL is flushed (never torn, at worst lost).
_NO_FLUSH_WAIT = "SET LOCAL synchronous_commit TO off"
#: The stop of a catch-up nobody stops.
_NEVER = threading.Event()
#: Why a TRUNCATE may be refused where a DELETE is not (SQLSTATE): a lock not granted
#: within lock_timeout, or a role allowed to DELETE but not to TRUNCATE.
_DELETE_INSTEAD = frozenset({"55P03", "42501"})

#: Events read, folded and written at a time in a catch-up. Larger batches hand the GIL
#: between the folding and the writing thread less often: a rebuild of 100,000 events,
#: SQLite 4.7 s at 2,000 against 4.0 s at 5,000 (no better at 10,000), PostgreSQL 5.65
#: against 5.4 s. A batch of 5,000 events holds some 30,000 rows at once.
BATCH = 5000


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"projection:{name}".encode()).digest()[:7], "big")


def _now_micros() -> int:
    return time.time_ns() // 1000


class _Writes:
    """The writing half of a catch-up: each batch's prepared rows, each projection in its
    own transaction, on one connection.

    Inline at first (a live catch-up is one short batch). After `start_thread` (a long
    catch-up) the batches are written in a thread of their own, in order: the database
    inserts batch k while this process reads and folds batch k+1. Neither holds the GIL
    meanwhile: psycopg waits for the server without it, and SQLite inserts a batch in one
    call without it (projections/bulk.py). One thread for every projection: a thread each
    measured no faster on 2 CPUs (5.0-5.6 s against 4.8-5.2 s for a rebuild of 100,000
    events on PostgreSQL), the folding and the rows' formatting sharing one GIL.
    """

    def __init__(self, runner: "ProjectionRunner") -> None:
        self.runner = runner
        self.thread: ThreadPoolExecutor | None = None
        self.conn: Connection | None = None
        self.pending: list[tuple[Projection, Future[bool]]] = []
        self.stopped: set[Projection] = set()

    def start_thread(self) -> None:
        if self.thread is None:
            self.thread = ThreadPoolExecutor(1, thread_name_prefix="journey-fold-writes")

    def submit(self, start: int, rows: tuple[int, int],
               prepared: list[tuple[Projection, object]]) -> set[Projection]:
        """Write a batch (after the one before it): its projections at checkpoint `start`,
        `rows` its first and last positions. Returns the projections already known to
        have stopped (written inline); `wait` tells them all."""
        for projection, done in prepared:
            if self.thread is None:
                if not self._write(projection, start, rows, done):
                    self.stopped.add(projection)
            else:
                self.pending.append((projection, self.thread.submit(
                    self._write, projection, start, rows, done)))
        return set(self.stopped)

    def wait(self) -> set[Projection]:
        """The projections the batches written since the last call stopped (failed, or
        leased elsewhere)."""
        pending, self.pending = self.pending, []
        for projection, future in pending:
            if not future.result():
                self.stopped.add(projection)
        stopped, self.stopped = self.stopped, set()
        return stopped

    def _write(self, projection: Projection, start: int, rows: tuple[int, int],
               done: object) -> bool:
        if self.conn is None:
            self.conn = self.runner._connect()
        try:
            return self.runner._write(self.conn, projection, start, rows[1], done)
        except Exception as exc:  # noqa: BLE001 - a projection never breaks the log
            # The failure may have broken the connection: the others get a new one, even
            # when marking the failure fails too (the database is gone).
            conn, self.conn = self.conn, None
            try:
                conn.close()
            finally:
                self.runner._mark_failed(projection, rows[0], exc)
            return False

    def __enter__(self) -> "_Writes":
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            for projection, future in self.pending:  # leaving on an error: let them end
                if future.exception() is not None:
                    log.error("projection %s: a batch's write failed as the catch-up ended",
                              projection.name, exc_info=future.exception())
        finally:
            if self.thread is not None:
                self.thread.shutdown()
            if self.conn is not None:
                self.conn.close()


class ProjectionRunner:
    """Keeps every projection caught up with the log, in this process or a worker."""

    def __init__(self, engine: Engine, store: EventStore, projections: Iterable[Projection],
                 *, batch: int = BATCH, poll_seconds: float = 1.0) -> None:
        self.engine = engine
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch = batch
        self.poll_seconds = poll_seconds
        #: Once the catch-ups of this runner have folded this many events (and a tenth
        #: of the log) since the last time, PostgreSQL refreshes the statistics of the
        #: projections' tables.
        self.analyse_after = ANALYSE_AFTER
        self._unanalysed = 0
        #: How long a reset on PostgreSQL waits for the tables' readers before it empties
        #: them by DELETE instead of TRUNCATE (`_empty`).
        self.truncate_wait = 1.0
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread: threading.Thread | None = None
        self._fold_lock = threading.Lock()
        #: True when `journey worker` processes fold (JOURNEY_PROJECTIONS=worker): this
        #: process then never folds to answer a read; it waits for them.
        self.folded_elsewhere = False

    # -- folding -------------------------------------------------------------------------

    def catch_up(self, names: Iterable[str] | None = None,
                 progress: Progress | None = None, *,
                 stop: threading.Event | None = None) -> None:
        """Fold everything appended since each projection's checkpoint.

        Projections standing at the same checkpoint (after a rebuild, or caught up
        together) share one read of the log: each batch is read and decoded once and
        written by each of them in its own transaction, under its own lease. Once `stop`
        is set it ends after the batch being written (checkpoints are committed with each
        batch, so the next catch-up goes on from there): a worker told to stop in a long
        catch-up stops within a batch, not at the end of the log.
        """
        stop = stop or _NEVER
        with self._fold_lock:
            group: dict[int, list[Projection]] = {}
            for name in names or self.projections:
                projection = self.projections[name]
                group.setdefault(self._checkpoint(projection), []).append(projection)
            reached = 0
            for position, projections in sorted(group.items()):
                if stop.is_set():
                    break
                reached = self._catch_up_from(position, projections, progress, stop)
            if group:  # what the projection furthest behind folded
                self._unanalysed += max(0, reached - min(group))
            # Stopping: the statistics wait for the next catch-up.
            due = (grew_enough(self._unanalysed, reached, self.analyse_after)
                   and not stop.is_set())
            if due:
                self._unanalysed = 0
        with self._progress:
            self._progress.notify_all()
        if due:
            # A rebuild, a worker back after a long stop, or many small catch-ups (an
            # import into a running server): the tables are new to PostgreSQL's planner
            # (events/sql.py, `analyse`). Outside the lock: other catch-ups go on meanwhile.
            analyse(self.engine, [t for p in self.projections.values() for t in p.tables])

    def _catch_up_from(self, position: int, projections: list[Projection],
                       progress: Progress | None, stop: threading.Event = _NEVER) -> int:
        """Fold `projections`, all at checkpoint `position`, up to the end of the log;
        returns the position reached.

        Each batch is read, decoded and prepared (the folds' Python) here, then written
        (the database's work) by `_Writes`: once the log has more than one batch to fold,
        in a thread of its own, so the next batch is prepared while the database writes
        this one. Rebuild of 100,000 events: PostgreSQL 7.1 s -> 5.1 s, SQLite 5.0-5.2 s ->
        3.9-4.0 s.
        """
        active = list(projections)
        end = self.store.last_position() if progress else 0
        # One stream of the log for every batch (one reading connection, not one each).
        with closing(self.store.read_rows(after=position)) as log, _Writes(self) as writes, \
                ExitStack() as long:
            while active and not stop.is_set():
                rows = list(itertools.islice(log, self.batch))
                if not rows:
                    break
                if len(rows) == self.batch and writes.thread is None:
                    # More may follow: in a process doing nothing else (a rebuild, a
                    # worker) the interpreter is tuned for it (events/quiet.py), and the
                    # database inserts this batch while this process folds the next.
                    long.enter_context(quiet_fold())
                    writes.start_thread()
                decoded: dict[bool, list[Recorded]] = {}
                prepared: list[tuple[Projection, object]] = []
                refused: list[tuple[Projection, Exception]] = []
                for projection in active:
                    clear = projection.clear_text
                    if clear not in decoded:
                        decoded[clear] = self.store.to_recorded_many(rows, decrypt=clear)
                    try:
                        prepared.append((projection, projection.prepare(decoded[clear])))
                    except Exception as exc:  # noqa: BLE001 - a projection never breaks the log
                        refused.append((projection, exc))
                # The previous batch's writes tell which projections go on; a failure is
                # marked only once they are done, so their commit cannot overwrite it.
                stopped = writes.wait()
                if progress:  # what is written, not what is folded ahead
                    progress(position, max(end, position))
                for projection, exc in refused:
                    if projection not in stopped:
                        self._mark_failed(projection, rows[0].position, exc)
                    stopped.add(projection)
                active = [p for p in active if p not in stopped]
                stopped = writes.submit(position, (rows[0].position, rows[-1].position),
                                        [(p, done) for p, done in prepared if p in active])
                active = [p for p in active if p not in stopped]
                position = rows[-1].position
            writes.wait()
            if progress:
                progress(position, max(end, position))
        return position

    def _write(self, conn: Connection, projection: Projection, start: int, last: int,
               prepared: object) -> bool:
        with conn.begin():
            if not self.is_sqlite:
                if not conn.execute(select(func.pg_try_advisory_xact_lock(
                        _lock_key(projection.name)))).scalar():
                    return False
                # Rows folded from the log need not wait for the disk: after a crash
                # PostgreSQL keeps a prefix of these commits, each with its checkpoint in
                # the same transaction, and the fold goes on from the checkpoint it kept.
                conn.exec_driver_sql(_NO_FLUSH_WAIT)
            moved = conn.execute(
                update(checkpoints)
                .where(checkpoints.c.name == projection.name,
                       checkpoints.c.position == start,
                       checkpoints.c.version == projection.version)
                .values(position=last, state="ok", error=None,
                        failed_position=None, updated_at=_now_micros()))
            if moved.rowcount != 1:
                conn.rollback()
                return False
            projection.write(conn, prepared)
        return True

    def _connect(self) -> Connection:
        conn = self.engine.connect()
        # SQLite: take the write lock up front, or a reader upgrading late can be refused.
        return conn.execution_options(sqlite_immediate=True) if self.is_sqlite else conn

    def _checkpoint(self, projection: Projection) -> int:
        """The projection's checkpoint; a new projection or a new version starts from 0."""
        try:
            return self._read_or_create_checkpoint(projection)
        except IntegrityError:
            # Another process created the checkpoint row at the same moment: use theirs.
            return self._read_or_create_checkpoint(projection)

    def _read_or_create_checkpoint(self, projection: Projection) -> int:
        with self._connect() as conn, conn.begin():
            row = conn.execute(select(checkpoints.c.version, checkpoints.c.position)
                               .where(checkpoints.c.name == projection.name)).first()
            if row is None:
                conn.execute(insert(checkpoints).values(
                    name=projection.name, version=projection.version, position=0,
                    state="ok", updated_at=_now_micros()))
                return 0
            if row.version != projection.version:
                log.info("projection %s: version %s -> %s, rebuilding", projection.name,
                         row.version, projection.version)
                self._reset(conn, projection)
                return 0
            return row.position

    def _reset(self, conn: Connection, projection: Projection) -> None:
        self._empty(conn, projection.tables)
        conn.execute(update(checkpoints).where(checkpoints.c.name == projection.name).values(
            version=projection.version, position=0, state="rebuilding", error=None,
            failed_position=None, updated_at=_now_micros()))

    def _empty(self, conn: Connection, tables: Sequence[Table]) -> None:
        """Drop every row of `tables`, in the transaction that resets the checkpoint.

        On PostgreSQL, TRUNCATE: DELETE leaves every old row dead in the table and its
        indexes, and the fold that follows inserts the same keys again, each checked
        against its dead twin (a rebuild of 100,000 events: 4.0-4.3 s after a DELETE,
        3.1-3.2 s after a TRUNCATE). TRUNCATE waits for the readers of the tables, and new
        readers wait behind it: after `truncate_wait` seconds it gives way to DELETE, as it
        does for a role without the TRUNCATE privilege. SQLite's DELETE without WHERE is
        its own truncate.
        """
        if not self.is_sqlite:
            names = ", ".join(self.engine.dialect.identifier_preparer.format_table(t)
                              for t in tables)
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(
                        f"SET LOCAL lock_timeout = {int(self.truncate_wait * 1000)}")
                    conn.exec_driver_sql(f"TRUNCATE {names}")
                    conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
                return
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) not in _DELETE_INSTEAD:
                    raise
                log.info("projection tables %s emptied by DELETE: %s", names, exc.orig)
        for table in tables:
            conn.execute(delete(table))

    def _mark_failed(self, projection: Projection, position: int, exc: Exception) -> None:
        log.exception("projection %s failed at position %s", projection.name, position)
        with self._connect() as conn, conn.begin():
            conn.execute(update(checkpoints).where(checkpoints.c.name == projection.name)
                         .values(state="failed", error=f"{type(exc).__name__}: {exc}",
                                 failed_position=position, updated_at=_now_micros()))

    def rebuild(self, names: Iterable[str] | None = None,
                progress: Progress | None = None) -> None:
        """Drop the projections' rows and fold the whole log again."""
        chosen = list(names or self.projections)
        self.reset(chosen)
        self.catch_up(chosen, progress)

    def reset(self, names: Iterable[str]) -> None:
        """Drop the projections' rows and set their checkpoints back to the log's start
        (state "rebuilding"): the next catch-up, here or in another process, folds them."""
        with self._fold_lock:
            for name in names:
                projection = self.projections[name]
                self._checkpoint(projection)
                with self._connect() as conn, conn.begin():
                    self._reset(conn, projection)

    # -- observing -----------------------------------------------------------------------

    def status(self) -> list[ProjectionStatus]:
        """Name, version, checkpoint, lag behind the log and state of every projection."""
        end = self.store.last_position()
        with self.engine.connect() as conn:
            rows = {r.name: r for r in conn.execute(select(checkpoints))}
        out = []
        for name, projection in self.projections.items():
            row = rows.get(name)
            position = row.position if row is not None else 0
            state = row.state if row is not None else "new"
            if row is not None and row.version != projection.version:
                state = "outdated"
            out.append(ProjectionStatus(name, projection.version, position, end - position,
                                        state, row.error if row is not None else None))
        return out

    def checkpoint_of(self, name: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(checkpoints.c.position).where(
                checkpoints.c.name == name)).scalar() or 0

    def reached(self, position: int) -> bool:
        """True when every projection has folded the log up to `position`."""
        return all(s.checkpoint >= position for s in self.status())

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Read-your-writes: wait (bounded) until every projection has folded `position`."""
        deadline = time.monotonic() + timeout
        while not self.reached(position):
            if self._thread is None and not self.folded_elsewhere:
                self.catch_up()  # no background folding here: fold now
                return self.reached(position)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._thread is not None:
                self._wake.set()
                with self._progress:
                    self._progress.wait(min(remaining, 0.05))
            else:
                time.sleep(min(remaining, 0.02))  # a worker process folds: poll its checkpoints
        return True

    # -- running in the background -------------------------------------------------------

    def start(self) -> None:
        """Fold on start, then whenever an append in this process signals, else every poll."""
        if self._thread is not None:
            return
        appended.connect(self._on_appended, sender=self.store)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="journey-projections",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        appended.disconnect(self._on_appended, sender=self.store)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._thread = None

    def _on_appended(self, sender: EventStore, **_: object) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up(stop=self._stop)
            except Exception:  # noqa: BLE001 - the loop must survive a database outage
                log.exception("projection catch-up failed; retrying")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
