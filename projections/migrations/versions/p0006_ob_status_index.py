"""The Open Badges status list indexes: allocated once per award, never renumbered.

Until now an award's index was its rank among its issuer's awards by appearance,
recomputed on every build: a change of projections/badges/rules.json (whose new awards
appear in the past) moved almost every index, so credentials already issued named another
award's bit. The table starts empty: the first build allocates the present awards in that
same order, so the credentials issued before this migration keep their indexes.

Revision ID: p0006
Revises: p0005
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p0006"
down_revision = "p0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ob_status_index",
        sa.Column("issuer", sa.String(220), nullable=False),
        sa.Column("award_id", sa.String(200), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("issuer", "award_id"),
        sa.UniqueConstraint("issuer", "idx", name="uq_ob_status_index_issuer_idx"),
    )


def downgrade() -> None:
    op.drop_table("ob_status_index")
