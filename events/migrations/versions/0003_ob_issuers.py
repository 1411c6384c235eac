"""The Open Badges issuer of each network (name, url, e-mail, image), set by an admin.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ob_issuers."""
    op.create_table(
        "ob_issuers",
        sa.Column("network_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("image", sa.String(2000), nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drop ob_issuers."""
    op.drop_table("ob_issuers")
