"""Leadership facts indexed by (kind, community_id, at, ...): the reports' queries.

Reports count facts of one kind, in some communities, in a window of occurred_at, as of a
cut (projections/leadership/queries.py); the index carries the columns they read, so they
read it alone. Nothing reads facts by (community_id, position) any more: that index goes.
leadership_changes gains reshaped_at: the last change that was not a plain addition, so a
cached report can be brought forward by counting only the facts added since.

Revision ID: p0004
Revises: p0003
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leadership_changes", sa.Column("reshaped_at", sa.BigInteger,
                                                  nullable=False, server_default="0"))
    op.drop_index("ix_leadership_facts_community", table_name="leadership_facts")
    op.create_index("ix_leadership_facts_kind", "leadership_facts",
                    ["kind", "community_id", "at", "position", "retracted_at", "member_id"])


def downgrade() -> None:
    op.drop_column("leadership_changes", "reshaped_at")
    op.drop_index("ix_leadership_facts_kind", table_name="leadership_facts")
    op.create_index("ix_leadership_facts_community", "leadership_facts",
                    ["community_id", "position"])
