"""Migration p0005: the index table keeps every row; on SQLite it becomes WITHOUT ROWID."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from events.migrate import alembic_config, upgrade
from events.sql import make_engine
from projections.migrate import MIGRATIONS_DIR, VERSION_TABLE, upgrade_projections

ROWS = [("member:ana", 1), ("community:c1", 1), ("member:ana", 7), ("resource:r-1", 7),
        ("member:ivan", 12)]


def _projections_at(engine, revision: str) -> None:
    upgrade(engine, revision, location=MIGRATIONS_DIR, version_table=VERSION_TABLE)


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            text('SELECT "key", position FROM event_keys ORDER BY "key", position'))]


def _without_rowid(engine) -> bool:
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'event_keys'"))
        return "WITHOUT ROWID" in sql.scalar_one().upper()


def test_upgrading_keeps_every_key_and_answers_by_key_and_position(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        _projections_at(engine, "p0004")
        with engine.begin() as conn:
            conn.execute(text('INSERT INTO event_keys ("key", position) VALUES (:k, :p)'),
                         [{"k": k, "p": p} for k, p in ROWS])
        upgrade_projections(engine)

        assert _rows(engine) == sorted(ROWS)
        with engine.begin() as conn:
            conn.execute(text('INSERT INTO event_keys ("key", position) VALUES (:k, 13)'),
                         {"k": "member:ivan"})
            by_position = conn.execute(text(
                'SELECT "key" FROM event_keys WHERE position = 7 ORDER BY "key"')).scalars().all()
        assert by_position == ["member:ana", "resource:r-1"]
        if engine.dialect.name == "sqlite":
            assert _without_rowid(engine)
            with engine.connect() as conn:
                indexes = {r[1] for r in conn.execute(text("PRAGMA index_list(event_keys)"))}
            assert "ix_event_keys_position" in indexes
    finally:
        engine.dispose()


def test_downgrading_to_p0004_keeps_every_key(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade_projections(engine)
        with engine.begin() as conn:
            conn.execute(text('INSERT INTO event_keys ("key", position) VALUES (:k, :p)'),
                         [{"k": k, "p": p} for k, p in ROWS])
        with engine.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn, location=MIGRATIONS_DIR,
                                             version_table=VERSION_TABLE), "p0004")
        assert _rows(engine) == sorted(ROWS)
        if engine.dialect.name == "sqlite":
            assert not _without_rowid(engine)
    finally:
        engine.dispose()
