"""When each community's leadership facts last changed: the key of the report cache.

Revision ID: p0003
Revises: p0002
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leadership_changes",
        sa.Column("community_id", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("community_id"),
    )


def downgrade() -> None:
    op.drop_table("leadership_changes")
