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
from contextlib import ExitStack, closing
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, Sequence

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from events.store import EventStore, appended
from journey.records import Recorded
from projections.tables import checkpoints

log = logging.getLogger("journey.projections")

Progress = Callable[[int, int], None]  # (position reached, log end)


class Projection(Protocol):
    """A read model: pure folds live elsewhere; `apply` writes their results as rows."""

    name: str
    version: int
    tables: tuple[Table, ...]
    #: Whether the fold reads personal fields (decryption costs; most folds need only ids).
    clear_text: bool

    def apply(self, conn: Connection, records: Sequence[Recorded]) -> None: ...


@dataclass(frozen=True)
class ProjectionStatus:
    """What `journey projections status` shows."""

    name: str
    version: int
    checkpoint: int
    lag: int
    state: str
    error: str | None


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"projection:{name}".encode()).digest()[:7], "big")


def _now_micros() -> int:
    return time.time_ns() // 1000


class ProjectionRunner:
    """Keeps every projection caught up with the log, in this process or a worker."""

    def __init__(self, engine: Engine, store: EventStore, projections: Iterable[Projection],
                 *, batch: int = 2000, poll_seconds: float = 1.0) -> None:
        self.engine = engine
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch = batch
        self.poll_seconds = poll_seconds
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
                 progress: Progress | None = None) -> None:
        """Fold everything appended since each projection's checkpoint.

        Projections standing at the same checkpoint (after a rebuild, or caught up
        together) share one read of the log: each batch is read and decoded once and
        written by each of them in its own transaction, under its own lease.
        """
        with self._fold_lock:
            group: dict[int, list[Projection]] = {}
            for name in names or self.projections:
                projection = self.projections[name]
                group.setdefault(self._checkpoint(projection), []).append(projection)
            for position, projections in sorted(group.items()):
                self._catch_up_from(position, projections, progress)
        with self._progress:
            self._progress.notify_all()

    def _catch_up_from(self, position: int, projections: list[Projection],
                       progress: Progress | None) -> None:
        """Fold `projections`, all at checkpoint `position`, up to the end of the log."""
        active = list(projections)
        end = self.store.last_position() if progress else 0
        # One stream of the log for every batch (one reading connection, not one each).
        with closing(self.store.read_rows(after=position)) as log, ExitStack() as stack:
            conn: Connection | None = None  # one for every batch's transactions, when needed
            while active:
                rows = list(itertools.islice(log, self.batch))
                if not rows:
                    return
                if conn is None:
                    conn = stack.enter_context(self._connect())
                decoded: dict[bool, list[Recorded]] = {}
                for projection in list(active):
                    clear = projection.clear_text
                    if clear not in decoded:
                        decoded[clear] = [self.store.to_recorded(r, decrypt=clear) for r in rows]
                    records = decoded[clear]
                    try:
                        advanced = self._write(conn, projection, position, records)
                    except Exception as exc:  # noqa: BLE001 - a projection never breaks the log
                        self._mark_failed(projection, records[0].position, exc)
                        advanced = False
                        # The failure may have broken the connection: the others get a new one.
                        stack.close()
                        conn = stack.enter_context(self._connect())
                    if not advanced:  # failed, or another process holds the lease: it folds
                        active.remove(projection)
                position = rows[-1].position
                if progress:
                    progress(position, max(end, position))

    def _write(self, conn: Connection, projection: Projection, start: int,
               records: list[Recorded]) -> bool:
        with conn.begin():
            if not self.is_sqlite and not conn.execute(
                    select(func.pg_try_advisory_xact_lock(_lock_key(projection.name)))).scalar():
                return False
            moved = conn.execute(
                update(checkpoints)
                .where(checkpoints.c.name == projection.name,
                       checkpoints.c.position == start,
                       checkpoints.c.version == projection.version)
                .values(position=records[-1].position, state="ok", error=None,
                        failed_position=None, updated_at=_now_micros()))
            if moved.rowcount != 1:
                conn.rollback()
                return False
            projection.apply(conn, records)
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
        for table in projection.tables:
            conn.execute(delete(table))
        conn.execute(update(checkpoints).where(checkpoints.c.name == projection.name).values(
            version=projection.version, position=0, state="rebuilding", error=None,
            failed_position=None, updated_at=_now_micros()))

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
                self.catch_up()
            except Exception:  # noqa: BLE001 - the loop must survive a database outage
                log.exception("projection catch-up failed; retrying")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
