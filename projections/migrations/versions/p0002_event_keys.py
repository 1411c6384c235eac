"""The index of the log: which positions each key (member, community, resource, ...) concerns.

Revision ID: p0002
Revises: p0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_keys",
        sa.Column("key", sa.String(220), nullable=False),
        sa.Column("position", sa.BigInteger, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "position"),
    )
    op.create_index("ix_event_keys_position", "event_keys", ["position"])


def downgrade() -> None:
    op.drop_index("ix_event_keys_position", table_name="event_keys")
    op.drop_table("event_keys")
