"""The SQL recorder (SQLAlchemy Core) for a SQLite file and for PostgreSQL.

SQLite: WAL, `synchronous=NORMAL` (an acknowledged commit survives a crash of the process;
only a power cut can take the last transactions, a trade DESIGN's performance notes
measure at 4.5x), `secure_delete=ON` so erased bytes do not linger, a 30 s busy timeout,
and `BEGIN IMMEDIATE` for appends so two writers never deadlock upgrading a read lock.
PostgreSQL: `pg_advisory_xact_lock` serialises appends without blocking readers, and the
append transaction ends with `pg_notify('journey_appended', '<last position>')`, delivered on
commit, which wakes `journey worker` processes LISTENing on that channel.
One long-lived writer connection per process keeps appends to a few statements.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from json.scanner import make_scanner
from typing import Any, Callable, Collection, Iterable, Iterator

from sqlalchemy import (ARRAY, String, Table, any_, bindparam, create_engine, delete, event,
                        func, insert, select, update)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from events.codec import canonical_json
from events.recorder import Head, HeadMismatch, StoredRow
from events.tables import events, log_head, member_keys

log = logging.getLogger("journey.events")

IN_PAGE = 500  # values per IN list (SQLite allows 32,766 parameters, PostgreSQL 65,535)
APPEND_LOCK_KEY = 7_240_531  # the advisory lock id of the append section on PostgreSQL
NOTIFY_CHANNEL = "journey_appended"  # PostgreSQL: notified with the last position appended
# SQLite: WAL pages between two automatic checkpoints (SQLite's default is 1,000). An append
# dirties several pages (the row, its five indexes, the head); the same hot pages are copied
# back to the database once per checkpoint, and each checkpoint syncs both files. Fewer,
# larger checkpoints made one-event transactions on Journey's schema 1.5-1.7x faster with
# raw sqlite3 (2026-12). Durability is unchanged (WAL, synchronous=NORMAL); the WAL grows
# to about 40 MB before it is folded back and reused; erasure still truncates it.
WAL_AUTOCHECKPOINT = 10_000

_COLUMNS = (events.c.position, events.c.event_id, events.c.stream, events.c.version,
            events.c.type, events.c.schema_version, events.c.data, events.c.meta,
            events.c.occurred_at, events.c.recorded_at, events.c.idempotency_scope,
            events.c.hash)


# The append path's statements, built once: constructing Core statements per call costs
# more than SQLite takes to run them.
#: The log's last position (0 when empty): one lookup at the end of the primary key.
LAST_POSITION = select(func.coalesce(func.max(events.c.position), 0))
# Every read of a run of the log bounds it on both sides. On PostgreSQL a table without
# statistics (never analysed: new, or autovacuum off) gets a guessed selectivity for
# `position > x` alone, and the plan chosen for it is a scan of the whole table and a
# sort, on every append; a range bounded on both sides is planned on the primary key.
_ROWS_AFTER = select(*_COLUMNS).where(
    events.c.position > bindparam("after"),
    events.c.position <= LAST_POSITION.scalar_subquery()).order_by(events.c.position)
# A page is a window of positions, not a LIMIT: without statistics PostgreSQL plans
# `position in (after, upto] ORDER BY position LIMIT n` as a bitmap scan of the whole range
# and a sort, so each page of a long read visited every row after it (20 ms a page at
# 100,000 events, a rebuild's read 5x the floor's). See `paged`.
_PAGE_UPTO = select(*_COLUMNS).where(
    events.c.position > bindparam("after"),
    events.c.position <= bindparam("upto")).order_by(events.c.position)
#: The first position in (after, upto]: where a read goes on after a gap (see `paged`).
FIRST_AFTER = select(func.min(events.c.position)).where(
    events.c.position > bindparam("after"), events.c.position <= bindparam("upto"))
_ROW_AT = select(*_COLUMNS).where(events.c.position == bindparam("at"))
_BY_SCOPE = select(*_COLUMNS).where(events.c.idempotency_scope == bindparam("scope"))
_SCOPES_IN_ARRAY = select(events.c.idempotency_scope).where(
    events.c.idempotency_scope == any_(bindparam("scopes", type_=ARRAY(String))))
_INSERT = insert(events)
# The head moves only from the one the store vouches for (compare-and-set): a head sealed
# with other keys, or left behind by rows changed outside Journey, is never sealed over.
_UPDATE_HEAD = update(log_head).where(log_head.c.id == 1,
                                      log_head.c.position == bindparam("was_position"),
                                      log_head.c.hash == bindparam("was_hash"),
                                      log_head.c.seal == bindparam("was_seal"))
_INSERT_HEAD = insert(log_head)
_HEAD_EXISTS = select(log_head.c.id).where(log_head.c.id == 1)
_NOTIFY = select(func.pg_notify(NOTIFY_CHANNEL, bindparam("position")))
_RECORDED_AT = select(events.c.recorded_at).where(events.c.position == bindparam("at"))
_GET_KEY = select(member_keys.c.wrapped_key).where(member_keys.c.member_id == bindparam("m"))


def paged(fetch: Callable[[int, int], list], first_after: Callable[[int, int], int | None],
          after: int, upto: int, size: int) -> Iterator[list]:
    """The rows of (after, upto], a page per window of at most `size` positions.

    `fetch(start, end)` reads the rows of (start, end]; `first_after(end, upto)` the first
    position present in (end, upto], or None. The log's positions are gapless, so a window
    of `size` positions holds `size` rows at most, whatever a planner guesses. A window
    that comes back short before `upto` is a gap (a damaged log, which `journey verify`
    must walk to report): the next one starts at the next position present, in one step.
    """
    if size < 1:
        raise ValueError(f"a page holds at least one position, not {size}")
    start = after
    while start < upto:
        end = min(start + size, upto)
        page = fetch(start, end)
        yield page
        if len(page) < end - start and end < upto:
            present = first_after(end, upto)
            if present is None:
                return
            start = present - 1
        else:
            start = end


class _Direct:
    """A Core statement compiled once for a dialect, run on the DBAPI cursor itself.

    An append runs three statements (rows appended elsewhere, the insert, the head); for
    each, SQLAlchemy's per-call work (cache lookup, parameter and result set-up) costs
    more than SQLite takes to run it. Their columns are integers and text, which need no
    type processing, so the compiled SQL runs on the transaction's own DBAPI connection,
    inside the transaction SQLAlchemy began.
    """

    def __init__(self, statement: Any, conn: Connection, keys: list[str] | None = None) -> None:
        compiled = statement.compile(dialect=conn.dialect, column_keys=keys)
        self.sql = compiled.string
        # Literal values the statement carries itself (WHERE id = 1).
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items()
                         if not bind.required}
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.keys = list(keys or ())
        self._identity = bool(keys) and not self.defaults and self.order == self.keys

    def params(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        return tuple(merged[k] for k in self.order) if self.order is not None else merged

    def row_params(self, values: tuple) -> Any:
        """The parameters for `values` given in the order of the `keys` compiled with."""
        if self._identity:
            return values  # positional, in the order of the keys: nothing to rearrange
        return self.params(dict(zip(self.keys, values)))


_ROW_KEYS = tuple(c.name for c in _COLUMNS)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Journey's connection settings for its dialect."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None,
                                                  "check_same_thread": False},
                               poolclass=NullPool if ":memory:" not in url else None,
                               **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA wal_autocheckpoint={int(WAL_AUTOCHECKPOINT)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # pysqlite's own transaction handling is off (isolation_level=None); we say
            # BEGIN ourselves, IMMEDIATE for appends so the write lock is taken up front.
            if conn.connection.driver_connection.in_transaction:
                return  # begun on the driver already: the append section (_immediate)
            _on_driver(conn, "BEGIN IMMEDIATE"
                       if conn.get_execution_options().get("sqlite_immediate") else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _on_driver(conn: Connection, statement: str) -> None:
    """A statement run on a SQLite connection's driver connection: SQLAlchemy's execute
    path costs more than BEGIN or COMMIT. Errors are wrapped as exec_driver_sql would, so
    a busy database is still an OperationalError the store retries."""
    try:
        conn.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, (), exc, sqlite3.Error,
                                  dialect=conn.dialect) from exc


@contextmanager
def _immediate(conn: Connection) -> Iterator[None]:
    """SQLite's append transaction, begun and ended on the driver's connection.

    SQLAlchemy's begin and commit (its transaction objects and events) cost a tenth of a
    one-event append. A statement of the section that runs through SQLAlchemy (a key, an
    idempotency lookup) has it begin a transaction of its own record, for which the
    `begin` listener emits nothing: SQLAlchemy then ends the transaction. On any failure
    (a COMMIT that fails included) both are ended, SQLAlchemy's record first: a failed
    commit leaves it inactive but attached, and the long-lived writer connection would
    refuse every later statement until it is rolled back.
    """
    _on_driver(conn, "BEGIN IMMEDIATE")
    try:
        yield
        if conn.in_transaction():
            conn.commit()
        else:
            _on_driver(conn, "COMMIT")
    except BaseException:
        try:
            if conn.get_transaction() is not None:
                conn.rollback()
        finally:
            # rollback() of an inactive record sends nothing to the database.
            if conn.connection.driver_connection.in_transaction:
                _on_driver(conn, "ROLLBACK")
        raise


_DECODER = json.JSONDecoder()
_SCAN = make_scanner(_DECODER)  # the C scanner where there is one


def _decode(text: str) -> Any:
    """json.loads of a data or meta column: the decoder's scanner called straight, as the
    log writes canonical JSON (no space around it). decode() would also match leading
    and trailing space on every call, which cost 1.4 of 3 µs a row (every read of the
    log: folds, rebuilds, verify, export). Anything else goes the checked way, which
    raises the same errors as json.loads."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return _DECODER.decode(text)
    if end != len(text):
        return _DECODER.decode(text)
    return value


def _wrapped(conn: Connection, cursor: Any, sql: str, error: Exception) -> DBAPIError:
    """A driver error raised on the DBAPI cursor, as SQLAlchemy would have raised it: a
    DBAPIError subclass (OperationalError, ...), the connection invalidated when it is gone,
    so the pool does not hand it out again."""
    gone = conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
    if gone:
        conn.invalidate(error)
    return DBAPIError.instance(sql, None, error, conn.dialect.loaded_dbapi.Error,
                               connection_invalidated=gone, dialect=conn.dialect)


def copies(dialect: Any) -> bool:
    """Whether many rows go by COPY: PostgreSQL through psycopg 3. psycopg's executemany
    sends a statement per row through its pipeline, about 15 µs of Python each; COPY
    formats the rows in psycopg's C."""
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@lru_cache(maxsize=32)
def copy_sql(dialect: Any, table: Any, columns: tuple[str, ...]) -> str:
    """COPY `table` (`columns`) FROM STDIN, names quoted for the dialect."""
    quote = dialect.identifier_preparer.quote
    return (f"COPY {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(c) for c in columns)}) FROM STDIN")


def copy_rows(cursor: Any, sql: str, rows: Iterable[tuple]) -> None:
    """Send `rows` (tuples in the COPY's column order) on a psycopg cursor."""
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


#: A bulk write (an import, a long catch-up of the projections) that adds at least this
#: many rows, and at least a tenth of what the tables held, has PostgreSQL refresh their
#: statistics and visibility map at its end (`analyse`).
ANALYSE_AFTER = 10_000


def grew_enough(added: int, total: int, least: int) -> bool:
    """Whether `added` rows, now `total`, are a bulk write worth `analyse` (autovacuum's
    own rule of thumb: a tenth of the table)."""
    return added >= least and added * 10 >= total


def analyse(engine: Engine, tables: Iterable[Table]) -> None:
    """VACUUM (ANALYZE) `tables` on PostgreSQL, after a bulk write.

    Without statistics the planner guesses, and without a visibility map an index-only
    scan reads the table too: at 1,000,000 events a cold leadership report took 6.1 s
    before and 3.0 s after, a member's first portfolio 1.9 s and 0.6 s. Autovacuum does
    this in time, when it runs; here it may be off, and right after a rebuild or a
    restore it has not run yet. SKIP_LOCKED: if another process is at it, leave it be.
    SQLite's are left as they are: ANALYZE there changed nothing measurable at 1,000,000
    events (a cold leadership report 3.4 s and 3.8 s, a first portfolio 0.45 s both).
    """
    if engine.dialect.name != "postgresql":
        return
    quote = engine.dialect.identifier_preparer.format_table
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM (ANALYZE, SKIP_LOCKED) {quote(table)}")
    except Exception:  # noqa: BLE001 - an aid to the planner must not fail the write it follows
        log.warning("VACUUM ANALYZE after a bulk write failed", exc_info=True)


def _row(r: Any) -> StoredRow:
    return StoredRow(r[0], r[1], r[2], r[3], r[4], r[5], _decode(r[6]), _decode(r[7]),
                     r[8], r[9], r[10], r[11])


class _SqlTransaction:
    """The append section's view of the database, on the writer connection."""

    def __init__(self, conn: Connection, direct: dict[str, _Direct] | None = None) -> None:
        self.conn = conn
        self.direct = direct or {}
        self._cursor: Any = None
        self.last_inserted = 0  # the last position this transaction inserted

    @property
    def cursor(self) -> Any:
        """The DBAPI cursor the append's own statements run on (made on first use)."""
        if self._cursor is None:
            self._cursor = self.conn.connection.driver_connection.cursor()
        return self._cursor

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def rows_after(self, position: int) -> Iterator[StoredRow]:
        statement = self.direct["rows_after"]
        self.cursor.execute(statement.sql, statement.params({"after": position}))
        for r in self.cursor.fetchall():
            yield _row(r)

    def row_at(self, position: int) -> StoredRow | None:
        r = self.conn.execute(_ROW_AT, {"at": position}).first()
        return _row(r) if r is not None else None

    def rows_from_scope(self, scope: str) -> list[StoredRow]:
        first = self.conn.execute(_BY_SCOPE, {"scope": scope}).first()
        if first is None:
            return []
        head = _row(first)
        rows = [head]
        correlation = head.meta.get("correlation_id")
        # A command's rows are consecutive positions: bounded on both sides (see _ROWS_AFTER).
        for r in self.conn.execute(select(*_COLUMNS).where(
                events.c.position > head.position, events.c.position <= head.position + 16)
                .order_by(events.c.position)):
            row = _row(r)
            # The rows of one command: same actor, same key, same correlation, no new scope.
            if (row.idempotency_scope is not None or row.actor != head.actor
                    or row.meta.get("idempotency_key") != head.meta.get("idempotency_key")
                    or row.meta.get("correlation_id") != correlation):
                break
            rows.append(row)
        return rows

    def scopes_present(self, scopes: list[str]) -> set[str]:
        if not scopes:
            return set()
        if self.conn.dialect.name == "postgresql":
            # One array parameter: an import asks this for every batch, and compiling IN
            # lists of 500 parameters cost more than PostgreSQL's lookups.
            return set(self.conn.execute(_SCOPES_IN_ARRAY, {"scopes": scopes}).scalars())
        found: set[str] = set()
        for start in range(0, len(scopes), IN_PAGE):
            found.update(self.conn.execute(
                select(events.c.idempotency_scope)
                .where(events.c.idempotency_scope.in_(scopes[start:start + IN_PAGE])))
                .scalars())
        return found

    def insert(self, rows: list[StoredRow]) -> None:
        if not rows:
            return
        values = [(r.position, r.event_id, r.stream, r.version, r.type, r.schema_version,
                   r.data_json if r.data_json is not None else canonical_json(r.data),
                   r.meta_json if r.meta_json is not None else canonical_json(r.meta),
                   r.occurred_at, r.recorded_at, r.idempotency_scope, r.hash) for r in rows]
        if copies(self.conn.dialect):
            copy_rows(self.cursor, copy_sql(self.conn.dialect, events, _ROW_KEYS), values)
        else:
            statement = self.direct["insert"]
            self.cursor.executemany(statement.sql, map(statement.row_params, values))
        self.last_inserted = max(self.last_inserted, rows[-1].position)

    def write_head(self, head: Head, was: Head | None) -> None:
        values = {"position": head.position, "hash": head.hash, "seal": head.seal}
        if was is None:  # the log's first append
            if self.conn.execute(_HEAD_EXISTS).first() is not None:
                raise HeadMismatch("the log has no rows but has a head")
            self.conn.execute(_INSERT_HEAD, {"id": 1, **values})
            return
        statement = self.direct["update_head"]
        self.cursor.execute(statement.sql, statement.params(
            {**values, "was_position": was.position, "was_hash": was.hash,
             "was_seal": was.seal}))
        if self.cursor.rowcount != 1:
            raise HeadMismatch(f"the head is not at position {was.position} as sealed here")

    def get_wrapped(self, member_id: str) -> bytes | None:
        return self.conn.execute(_GET_KEY, {"m": member_id}).scalar()

    def put_wrapped(self, member_id: str, wrapped: bytes) -> None:
        self.conn.execute(insert(member_keys).values(member_id=member_id, wrapped_key=wrapped))

    def delete(self, member_id: str) -> None:
        self.conn.execute(delete(member_keys).where(member_keys.c.member_id == member_id))


def missing_sqlite_file(database_url: str | URL) -> str | None:
    """The path of a SQLite file the URL names and that does not exist (else None):
    connecting would create it, empty."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).exists():
        return url.database
    return None


class SqlRecorder:
    """Rows of the log in a SQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer: Connection | None = None
        self._writer_lock = threading.Lock()
        self._direct: dict[str, _Direct] = {}
        #: A bulk append of at least this many rows (and a tenth of the log) is followed
        #: by `analyse`.
        self.analyse_after = ANALYSE_AFTER

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.engine.dispose()

    @contextmanager
    def serialised(self) -> Iterator[_SqlTransaction]:
        with self._writer_lock:
            conn = self._writer_connection()
            try:
                with _immediate(conn) if self.is_sqlite else conn.begin():
                    if not self.is_sqlite:
                        conn.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
                    tx = _SqlTransaction(conn, self._direct_statements(conn))
                    try:
                        yield tx
                    finally:
                        tx.close()
                    if not self.is_sqlite and tx.last_inserted:
                        # One extra statement; PostgreSQL delivers it only on commit.
                        conn.execute(_NOTIFY, {"position": str(tx.last_inserted)})
            except DBAPIError as exc:
                if exc.connection_invalidated or not self.is_sqlite:
                    self._drop_writer()
                raise

    def _direct_statements(self, conn: Connection) -> dict[str, _Direct]:
        if not self._direct:
            self._direct = {
                "rows_after": _Direct(_ROWS_AFTER, conn),
                "insert": _Direct(_INSERT, conn, _ROW_KEYS),
                "update_head": _Direct(_UPDATE_HEAD, conn, ["position", "hash", "seal",
                                                            "was_position", "was_hash",
                                                            "was_seal"]),
                "page": _Direct(_PAGE_UPTO, conn),
                "first_after": _Direct(FIRST_AFTER, conn),
            }
        return self._direct

    def _writer_connection(self) -> Connection:
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            options = {"sqlite_immediate": True} if self.is_sqlite else {}
            self._writer = self.engine.connect().execution_options(**options)
        return self._writer

    def _drop_writer(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._writer = None

    def read(self, after: int = 0, upto: int | None = None,
             batch: int = 1000) -> Iterator[StoredRow]:
        # One connection for every page (a SQLite connection costs its PRAGMAs to open), but
        # each page in its own short read transaction, so a slow reader never holds a
        # snapshot that keeps the WAL from being checkpointed. Pages are read on the DBAPI
        # cursor (see _Direct): SQLAlchemy's result rows cost more than SQLite's read.
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            direct = self._direct_statements(conn)
            statement, first = direct["page"], direct["first_after"]
            if upto is None:  # the log as it stands now: what is appended later, next time
                upto = conn.execute(LAST_POSITION).scalar()
                conn.rollback()
            # An `upto` past the end costs one lookup: the window that comes back short
            # finds no position after it (`paged`).
            cursor = driver.cursor()

            def run(sql: str, params: Any) -> list:
                try:
                    cursor.execute(sql, params)
                    found = cursor.fetchall()
                    if not self.is_sqlite:
                        driver.rollback()  # psycopg began a transaction; SQLite did not
                except conn.dialect.loaded_dbapi.Error as exc:
                    raise _wrapped(conn, cursor, sql, exc) from exc
                return found

            def fetch(start: int, end: int) -> list:
                return run(statement.sql, statement.params({"after": start, "upto": end}))

            def first_after(end: int, last: int) -> int | None:
                return run(first.sql, first.params({"after": end, "upto": last}))[0][0]

            try:
                for page in paged(fetch, first_after, after, upto, batch):
                    for r in page:
                        yield _row(r)
            finally:
                cursor.close()

    def row_at(self, position: int) -> StoredRow | None:
        with self.engine.connect() as conn:
            return _SqlTransaction(conn).row_at(position)

    def rows_at(self, positions: Iterable[int],
                types: Collection[str] | None = None) -> list[StoredRow]:
        wanted = sorted(set(positions))
        rows: list[StoredRow] = []
        with self.engine.connect() as conn:
            # Ascending pages of ascending positions: the rows come out in order.
            for start in range(0, len(wanted), IN_PAGE):
                query = select(*_COLUMNS).where(
                    events.c.position.in_(wanted[start:start + IN_PAGE]))
                if types is not None:
                    # Filtered here: the other rows are not read, sent or decoded.
                    query = query.where(events.c.type.in_(sorted(types)))
                rows.extend(map(_row, conn.execute(query.order_by(events.c.position))))
        return rows

    def head(self) -> Head | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(log_head.c.position, log_head.c.hash, log_head.c.seal)
                             .where(log_head.c.id == 1)).first()
        return Head(r[0], r[1], r[2]) if r is not None else None

    def last_position(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(LAST_POSITION).scalar()

    def position_at(self, recorded_at: int) -> int:
        """A binary search on the primary key: recorded_at never decreases along the log
        (the store makes it so, `journey verify` checks it), so the as-of cut needs about
        twenty lookups for a million events, and no index on recorded_at, which every
        append would otherwise write."""
        with self.engine.connect() as conn:
            low, high = 0, conn.execute(LAST_POSITION).scalar()
            while low < high:  # invariant: position low is in the cut, high + 1 is not
                middle = (low + high + 1) // 2
                if conn.execute(_RECORDED_AT, {"at": middle}).scalar() <= recorded_at:
                    low = middle
                else:
                    high = middle - 1
            return low

    def get_wrapped(self, member_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            return _SqlTransaction(conn).get_wrapped(member_id)

    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        """The wrapped keys of those members that have one, in one query a page."""
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(member_ids), IN_PAGE):
                found.update((member, bytes(wrapped)) for member, wrapped in conn.execute(
                    select(member_keys.c.member_id, member_keys.c.wrapped_key)
                    .where(member_keys.c.member_id.in_(member_ids[start:start + IN_PAGE]))))
        return found

    def positions_of_scopes(self, scopes: list[str]) -> dict[str, int]:
        """The position of each idempotency scope already in the log, in one query a page."""
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(scopes), IN_PAGE):
                page = scopes[start:start + IN_PAGE]
                found.update((scope, position) for scope, position in conn.execute(
                    select(events.c.idempotency_scope, events.c.position)
                    .where(events.c.idempotency_scope.in_(page))))
        return found

    def analyse(self, added: int, total: int) -> None:
        """After `added` rows were appended in bulk, `total` now: if that is a good part of
        the log, its tables' statistics, on PostgreSQL (`analyse`)."""
        if grew_enough(added, total, self.analyse_after):
            analyse(self.engine, (events, member_keys))

    def scrub(self) -> None:
        """After an erasure: checkpoint the WAL (SQLite) or VACUUM the key table."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM member_keys")

    def is_transient(self, error: BaseException) -> bool:
        if isinstance(error, OperationalError):
            text = str(error.orig).lower() if error.orig is not None else str(error).lower()
            return any(s in text for s in ("locked", "busy", "deadlock", "serializ",
                                           "could not serialize", "connection"))
        return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
