"""Migration 0005 on a log with rows in it: every row kept, the chain intact, the rules kept.

A log is made at revision 0004 through the real store (idempotency keys, a two-event
command, encrypted personal fields), then upgraded to 0005 -- by a plain URL, as
`events.migrate.upgrade` takes one, and on Journey's own engine, as `journey init` does --
on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from events.instance import InstanceKeys, ensure_instance
from events.migrate import alembic_config, upgrade
from events.sql import SqlRecorder, make_engine
from events.store import EventStore, Options
from events.tables import events
from events.verify import verify_log
from tests.contract.scenario import found, hand_over, join, reflect, register, share

#: The log schema's latest revision: these tests upgrade through 0005 to it.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()

C1 = "c-vrsac"


@dataclass
class OldLog:
    """A database migrated to 0004 with rows the store wrote, and its instance keys."""

    url: str
    instance: InstanceKeys
    events: int

    def engine(self) -> Engine:
        return make_engine(self.url)

    def store(self) -> tuple[EventStore, SqlRecorder]:
        recorder = SqlRecorder(make_engine(self.url))
        return (EventStore(recorder, master_key=self.instance.master_key,
                           seal=self.instance.seal), recorder)


def make_old_log(url: str, tmp_path: Path) -> OldLog:
    """Migrate `url` to 0004 and write nine events through the store."""
    instance = ensure_instance(tmp_path / "instance")
    engine = make_engine(url)
    try:
        upgrade(engine, "0004")
    finally:
        engine.dispose()
    log = OldLog(url, instance, 0)
    store, recorder = log.store()
    try:
        store.submit(register("ana", email="ana@example.org"), Options(idempotency_key="su-ana"))
        store.submit(register("ivan"))
        store.submit(found(C1, "ana"), Options(idempotency_key="found-1"))
        store.submit(join(C1, "ana", by="ana", role="facilitator"))
        store.submit(join(C1, "ivan", by="ana"), Options(idempotency_key="join-ivan"))
        store.submit(share(C1, "ivan", "r-1"))
        store.submit(reflect(C1, "ivan", "rf-1", text="Ćirilica i latinica"))
        store.submit(hand_over(C1, "ana", "ivan"), Options(idempotency_key="hand-1"))
        log.events = store.last_position()
    finally:
        recorder.close()
    assert log.events == 9  # the hand-over is two events, one idempotency scope
    return log


@pytest.fixture
def old_log(database_url: str, tmp_path: Path) -> OldLog:
    """A log at 0004, on SQLite and on PostgreSQL."""
    return make_old_log(database_url, tmp_path)


@pytest.fixture
def old_sqlite_log(sqlite_url: str, tmp_path: Path) -> OldLog:
    """A log at 0004 on SQLite."""
    return make_old_log(sqlite_url, tmp_path)


def rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM events ORDER BY position"))]


def storage_classes(engine: Engine) -> list[tuple] | None:
    """SQLite: the storage class of every value (what `SELECT *` alone would not show)."""
    if engine.dialect.name != "sqlite":
        return None
    columns = [c.name for c in events.columns]
    sql = f"SELECT {', '.join(f'typeof({c})' for c in columns)} FROM events ORDER BY position"
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def other_tables(engine: Engine) -> list[list[tuple]]:
    with engine.connect() as conn:
        return [[tuple(r) for r in conn.execute(text(sql))] for sql in (
            "SELECT * FROM log_head", "SELECT * FROM member_keys ORDER BY member_id")]


def revision(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def downgrade(engine: Engine, to: str) -> None:
    with engine.connect() as connection, connection.begin():
        command.downgrade(alembic_config(connection), to)


def primary_key_index(engine: Engine) -> list[tuple]:
    """SQLite: the index a non-rowid primary key needs (none when position is the rowid)."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("PRAGMA index_list(events)")) if r[3] == "pk"]


def scope_predicate(engine: Engine) -> str | None:
    dialect = engine.dialect.name
    index = next(i for i in inspect(engine).get_indexes("events")
                 if i["name"] == "ux_events_idempotency_scope")
    assert index["unique"]
    where = index.get("dialect_options", {}).get(f"{dialect}_where")
    return None if where is None else str(where).strip("()").lower()


def a_row_like(row: tuple, **changes) -> dict:
    values = dict(zip([c.name for c in events.columns], row))
    values.update(changes)
    return values


def refuses(engine: Engine, row: dict) -> bool:
    """Whether the database refuses to insert `row` (nothing is kept either way)."""
    with engine.connect() as conn:
        try:
            conn.execute(insert(events), row)
        except IntegrityError:
            return True
        finally:
            conn.rollback()
    return False


@pytest.mark.parametrize("through", ["plain url", "journey engine"])
def test_upgrading_keeps_every_row_and_the_chain(old_log: OldLog, through: str) -> None:
    engine = old_log.engine()
    try:
        before, classes, others = rows(engine), storage_classes(engine), other_tables(engine)
        assert len(before) == old_log.events
        assert sum(r[10] is not None for r in before) == 4  # idempotency scopes
        if engine.dialect.name == "sqlite":
            assert primary_key_index(engine)  # 0004: BIGINT position, an index of its own

        upgrade(old_log.url if through == "plain url" else engine)

        assert revision(engine) == [HEAD]
        assert rows(engine) == before
        assert storage_classes(engine) == classes
        assert other_tables(engine) == others
        assert scope_predicate(engine) == "idempotency_scope is not null"
    finally:
        engine.dispose()

    store, recorder = old_log.store()
    try:
        report = verify_log(recorder, old_log.instance)
        assert report.ok and report.events == old_log.events, report.line()
        assert report.head_hash == before[-1][11]
    finally:
        recorder.close()


def test_the_upgraded_log_keeps_its_rules_and_appends(old_log: OldLog) -> None:
    upgrade(old_log.url)
    engine = old_log.engine()
    try:
        before = rows(engine)
        first_scoped = next(r for r in before if r[10] is not None)
        last = before[-1]
        fresh = str(uuid.uuid4())
        # A row with nothing taken goes in (rolled back: it is not in the chain), and so do
        # two rows without a scope: the partial index leaves them out.
        assert not refuses(engine, a_row_like(last, position=last[0] + 1, event_id=fresh,
                                              version=1000, idempotency_scope=None))
        with engine.connect() as conn:
            conn.execute(insert(events), [
                a_row_like(last, position=last[0] + n, event_id=str(uuid.uuid4()),
                           version=1000 + n, idempotency_scope=None) for n in (1, 2)])
            conn.rollback()
        # The database itself refuses a second row with a taken scope, event id,
        # stream version or position (the store never tries: it checks first).
        assert refuses(engine, a_row_like(first_scoped, position=last[0] + 1, event_id=fresh,
                                          version=1000))
        assert refuses(engine, a_row_like(last, position=last[0] + 1, version=1000,
                                          idempotency_scope=None))
        assert refuses(engine, a_row_like(last, position=last[0] + 1, event_id=fresh,
                                          idempotency_scope=None))
        assert refuses(engine, a_row_like(last, event_id=fresh, version=1000,
                                          idempotency_scope=None))
        assert rows(engine) == before
    finally:
        engine.dispose()

    store, recorder = old_log.store()
    try:
        # The idempotency lookups answer from the rebuilt index: a replay appends nothing.
        again = store.submit(join(C1, "ivan", by="ana"), Options(idempotency_key="join-ivan"))
        assert again.replayed and again.positions == [5]
        again = store.submit(hand_over(C1, "ana", "ivan"), Options(idempotency_key="hand-1"))
        assert again.replayed and again.positions == [8, 9]
        result = store.submit(share(C1, "ana", "r-2"), Options(idempotency_key="share-2"))
        assert result.positions == [old_log.events + 1]
        assert uuid.UUID(result.records[0].event_id).version == 7
        report = verify_log(recorder, old_log.instance)
        assert report.ok and report.events == old_log.events + 1, report.line()
    finally:
        recorder.close()


def test_on_sqlite_position_becomes_the_rowid(old_sqlite_log: OldLog) -> None:
    old_log = old_sqlite_log  # PostgreSQL has no rowid: it keeps BIGINT and events_pkey
    engine = old_log.engine()
    try:
        upgrade(engine)

        with engine.connect() as conn:
            pairs = conn.execute(text("SELECT rowid, position FROM events ORDER BY position"))
            assert [tuple(p) for p in pairs] == [(p, p) for p in range(1, old_log.events + 1)]
            info = {r[1]: r for r in conn.execute(text("PRAGMA table_info(events)"))}
            assert (info["position"][2], info["position"][5]) == ("INTEGER", 1)
            indexes = {r[1]: (r[2], r[3], r[4])  # unique, origin, partial
                       for r in conn.execute(text("PRAGMA index_list(events)"))}
            plan = conn.execute(text("EXPLAIN QUERY PLAN SELECT * FROM events "
                                     "WHERE position = 3")).all()
        assert primary_key_index(engine) == []
        assert indexes["ux_events_idempotency_scope"] == (1, "c", 1)
        assert "ix_events_recorded_at" not in indexes
        assert sorted(v for v in indexes.values() if v[1] == "u") == [(1, "u", 0)] * 2
        assert "INTEGER PRIMARY KEY" in plan[0][3]
    finally:
        engine.dispose()


def test_the_scope_lookups_use_the_partial_index(old_log: OldLog) -> None:
    engine = old_log.engine()
    try:
        upgrade(engine)
        scopes = ["ana\x1fsu-ana", "ana\x1fhand-1", "nobody\x1fk"]
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL enable_seqscan = off"))
            for where, params in (("idempotency_scope = :a", {"a": scopes[0]}),
                                  ("idempotency_scope IN (:a, :b, :c)",
                                   dict(zip("abc", scopes)))):
                explain = ("EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite"
                           else "EXPLAIN")
                plan = " ".join(str(r[-1]) for r in conn.execute(
                    text(f"{explain} SELECT position FROM events WHERE {where}"), params))
                assert "ux_events_idempotency_scope" in plan, plan
    finally:
        engine.dispose()


def test_downgrading_restores_0004_and_keeps_the_rows(old_log: OldLog) -> None:
    engine = old_log.engine()
    try:
        before = rows(engine)
        old_pk = primary_key_index(engine) if engine.dialect.name == "sqlite" else None
        upgrade(engine)

        downgrade(engine, "0004")

        assert revision(engine) == ["0004"]
        assert rows(engine) == before
        assert scope_predicate(engine) is None
        position = next(c for c in inspect(engine).get_columns("events")
                        if c["name"] == "position")
        assert position["type"].compile(dialect=engine.dialect) == "BIGINT"
        if engine.dialect.name == "sqlite":
            assert primary_key_index(engine) and len(primary_key_index(engine)) == len(old_pk)
        indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("events")}
        assert indexes["ix_events_recorded_at"] == ["recorded_at"]

        upgrade(engine)  # and up again

        assert revision(engine) == [HEAD]
        assert rows(engine) == before
    finally:
        engine.dispose()
    store, recorder = old_log.store()
    try:
        assert verify_log(recorder, old_log.instance).ok
    finally:
        recorder.close()
