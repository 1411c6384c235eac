"""How failed sign-ins are counted and locked: the same rule for accounts and unknown names.

After MAX_FAILURES failures in a row a name is locked for LOCK_TIME, doubling with every
further run, up to MAX_LOCK. If an unknown name never locked, five wrong guesses would tell
whether a username exists; so a name without an account is counted too, in
`sign_in_failures`, keyed by the sha256 of the name as submitted (usernames match exactly,
as Accounts.by_username looks them up; the hash, because people type their password into
the username box).

Bound: every failed sign-in deletes the unknown names whose last failure is more than
MAX_LOCK old (any lock they earned has run out by then), so the table holds at most the
distinct unknown names tried in the last MAX_LOCK -- and every try costs the server a
password hash, which limits how fast anyone can add them. An account's run of failures is
forgotten after the same quiet time (accounts.last_failed_at), so that, too, looks alike.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Connection, ColumnElement, Table, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from events.tables import sign_in_failures

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
MAX_LOCK = timedelta(hours=24)
#: A run of failures with no further failure for this long is forgotten (and pruned).
FORGET_AFTER = MAX_LOCK

_INSERTS = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def _micros(span: timedelta) -> int:
    return int(span.total_seconds() * 1_000_000)


def name_key(username: str) -> str:
    """What an unknown name is stored as: the sha256 hex of the name as submitted."""
    # surrogatepass: a lone surrogate cannot be an account's name, but must not be a 500.
    return hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def lock_for(failures: int) -> timedelta | None:
    """How long the failure that brings the count to `failures` locks the name."""
    if failures <= 0 or failures % MAX_FAILURES:
        return None
    return min(LOCK_TIME * 2 ** min(failures // MAX_FAILURES - 1, 16), MAX_LOCK)


def unknown_lock(conn: Connection, username: str) -> int | None:
    """Until when an unknown name is locked (microseconds), or None."""
    return conn.execute(select(sign_in_failures.c.locked_until).where(
        sign_in_failures.c.name_hash == name_key(username))).scalar()


def count_failure(conn: Connection, table: Table, row: ColumnElement[bool], now: int) -> None:
    """Count one failure on the row of `table` (accounts or sign_in_failures) that `row`
    selects, and lock it when the count reaches a multiple of MAX_FAILURES."""
    c = table.c
    stale = c.last_failed_at.is_(None) | (c.last_failed_at < now - _micros(FORGET_AFTER))
    # Counted in SQL: two wrong guesses at once both count.
    conn.execute(update(table).where(row).values(
        failed_logins=case((stale, 1), else_=c.failed_logins + 1), last_failed_at=now))
    failures = conn.execute(select(c.failed_logins).where(row)).scalar()
    lock = lock_for(failures or 0)
    if lock is not None:
        conn.execute(update(table).where(row).values(locked_until=now + _micros(lock)))


def count_unknown_failure(conn: Connection, username: str, now: int) -> None:
    """Count a failure as a name that has no account (its row made if need be)."""
    key = name_key(username)
    insert = _INSERTS[conn.dialect.name](sign_in_failures).values(
        name_hash=key, failed_logins=0, locked_until=None, last_failed_at=now)
    # Two first failures at once: one inserts, the other finds the row and counts on it.
    conn.execute(insert.on_conflict_do_nothing(index_elements=["name_hash"]))
    count_failure(conn, sign_in_failures, sign_in_failures.c.name_hash == key, now)


def prune(conn: Connection, now: int) -> int:
    """Delete unknown names whose last failure is older than FORGET_AFTER; how many."""
    return conn.execute(delete(sign_in_failures).where(
        sign_in_failures.c.last_failed_at < now - _micros(FORGET_AFTER))).rowcount


def forget(conn: Connection, username: str) -> None:
    """Drop an unknown name's failures: it is becoming an account's name, which must not
    start locked by what others tried before it existed."""
    conn.execute(delete(sign_in_failures).where(
        sign_in_failures.c.name_hash == name_key(username)))
