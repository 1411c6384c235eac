"""Cheaper appends: position becomes SQLite's rowid, the idempotency index becomes partial,
and the index on recorded_at goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

Less index to write per append, with every stored byte kept as it was:

- SQLite: `position BIGINT PRIMARY KEY` is not an alias of the rowid, so every insert wrote
  the row under a hidden rowid *and* an entry in a separate unique index on position. As
  `INTEGER PRIMARY KEY` the position is the rowid: one b-tree, and lookups by position go
  straight to the row. SQLite cannot change a column's type in place, so the table is
  rebuilt (Alembic's batch mode: create the new table, copy every row, drop the old one,
  rename, recreate the indexes; it keeps UNIQUE (event_id) and uq_events_stream_version). The values are integers either way (both types have INTEGER
  affinity), so the rows, and the hash chain over them, do not change. PostgreSQL keeps
  BIGINT: it has no rowid, and its primary key index is needed there.
- Both engines: ux_events_idempotency_scope covered every row, though the scope is NULL on
  all but the first event of a command sent with an idempotency key. It becomes a partial
  unique index `WHERE idempotency_scope IS NOT NULL`; the store's lookups (`= :scope`,
  `IN (...)`) imply that predicate, so both engines still answer them from the index.
- Both engines: ix_events_recorded_at served one query, the as-of cut (the last position
  recorded at or before a moment). recorded_at never decreases along the log (the store
  makes it so; `journey verify` checks it), so the cut is now a binary search on the
  primary key (events/sql.py position_at), and no append writes that index any more.

Runs inside the one transaction events.migrate.upgrade opens (BEGIN IMMEDIATE on SQLite);
no other table references events, so the rebuild needs no foreign key juggling. On SQLite
the rebuild rewrites the whole table under the write lock: time and free disk in
proportion to the log (a copy of events, through the WAL), once.
Mirrors events/tables.py (tests/integration/test_migrations.py compares them).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SCOPE_INDEX = "ux_events_idempotency_scope"
_NOT_NULL = "idempotency_scope IS NOT NULL"
_RECORDED_AT_INDEX = "ix_events_recorded_at"


def upgrade() -> None:
    """Make position the rowid on SQLite, the idempotency index partial, drop recorded_at's."""
    op.drop_index(_SCOPE_INDEX, table_name="events")
    op.drop_index(_RECORDED_AT_INDEX, table_name="events")
    if op.get_context().dialect.name == "sqlite":
        _rebuild_events(sa.BigInteger(), sa.Integer())
    op.create_index(_SCOPE_INDEX, "events", ["idempotency_scope"], unique=True,
                    sqlite_where=sa.text(_NOT_NULL), postgresql_where=sa.text(_NOT_NULL))


def downgrade() -> None:
    """Restore 0004's schema: BIGINT position on SQLite, a unique index over every row."""
    op.drop_index(_SCOPE_INDEX, table_name="events")
    if op.get_context().dialect.name == "sqlite":
        _rebuild_events(sa.Integer(), sa.BigInteger())
    op.create_index(_SCOPE_INDEX, "events", ["idempotency_scope"], unique=True)
    op.create_index(_RECORDED_AT_INDEX, "events", ["recorded_at"])


def _rebuild_events(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    """SQLite: copy events into a table whose position has type `new`, keeping every row.

    Batch mode reflects the table, so its other columns, constraints and indexes are
    recreated as they are; the rows are copied with one INSERT ... SELECT of every column.
    """
    with op.batch_alter_table("events", recreate="always") as batch:
        batch.alter_column("position", type_=new, existing_type=old, existing_nullable=False,
                           autoincrement=False)
