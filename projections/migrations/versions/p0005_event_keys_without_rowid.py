"""The index as a SQLite WITHOUT ROWID table: one b-tree, ordered by (key, position).

An ordinary SQLite table keeps its rows in a rowid b-tree and its primary key in a second
one, so each of the three or four keys an event is filed under wrote two b-trees beside
the position index, and every read by key went through the key index to the rows. A
WITHOUT ROWID table is its primary key: inserts write one b-tree fewer and a view reads
a key's positions from one contiguous run. PostgreSQL has no such choice; nothing changes
there. The rows are copied as they are: no rebuild.

Revision ID: p0005
Revises: p0004
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0005"
down_revision = "p0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(with_rowid=True)


def _recreate(*, with_rowid: bool) -> None:
    op.create_table(
        "_event_keys_new",
        sa.Column("key", sa.String(220), nullable=False),
        sa.Column("position", sa.BigInteger, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "position"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute('INSERT INTO _event_keys_new ("key", position) '
               'SELECT "key", position FROM event_keys')
    op.drop_index("ix_event_keys_position", table_name="event_keys")
    op.drop_table("event_keys")
    op.rename_table("_event_keys_new", "event_keys")
    op.create_index("ix_event_keys_position", "event_keys", ["position"])
