"""Projection checkpoints and leadership facts.

Revision ID: p0001
Revises:
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("failed_position", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "leadership_facts",
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("community_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(200), nullable=True),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("ref", sa.String(200), nullable=True),
        sa.Column("retracted_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_leadership_facts_community", "leadership_facts",
                    ["community_id", "position"])
    op.create_index("ix_leadership_facts_position", "leadership_facts", ["position"])
    op.create_index("ix_leadership_facts_ref", "leadership_facts", ["kind", "ref"])


def downgrade() -> None:
    op.drop_table("leadership_facts")
    op.drop_table("projection_checkpoints")
