"""Share links: a member's read-only, time-limited, revocable link to their portfolio.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Like tokens, only the sha256 of a link's token is stored. Mirrors events/tables.py.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create share_links."""
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(200), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("frozen_as_of", sa.String(10), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_share_links_member_id", "share_links", ["member_id"])


def downgrade() -> None:
    """Drop share_links (every link stops working)."""
    op.drop_index("ix_share_links_member_id", table_name="share_links")
    op.drop_table("share_links")
