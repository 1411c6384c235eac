"""Failed sign-ins of unknown names are counted too: the lockout no longer tells who exists.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14

Five wrong passwords locked an account, while an unknown name never locked, so anyone could
learn whether a username exists. Failures as a name without an account are now counted in
`sign_in_failures` (keyed by the sha256 of the name) on the same schedule. That table is
pruned (a row goes MAX_LOCK after its last failure), so an account's run of failures is now
forgotten after the same quiet time, which needs `accounts.last_failed_at`; otherwise an
account would keep a count that an unknown name had lost, and the difference would show.

Accounts in the middle of a run of failures get the upgrade's time as their last failure,
so the run (and the next, longer lock) goes on rather than starting again. Tokens and links
are not touched: the column is added in place on both engines (nullable, like 0007's).
Mirrors events/tables.py (tests/integration/test_migrations.py compares them).
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create sign_in_failures; add accounts.last_failed_at."""
    op.create_table(
        "sign_in_failures",
        sa.Column("name_hash", sa.String(64), primary_key=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.Column("last_failed_at", sa.BigInteger(), nullable=False),
    )
    # Pruning deletes by the time of the last failure.
    op.create_index("ix_sign_in_failures_last_failed_at", "sign_in_failures",
                    ["last_failed_at"])
    op.add_column("accounts", sa.Column("last_failed_at", sa.BigInteger(), nullable=True))
    now = int(time.time() * 1_000_000)
    op.execute(sa.text("UPDATE accounts SET last_failed_at = :now WHERE failed_logins > 0")
               .bindparams(now=now))


def downgrade() -> None:
    """Drop both (SQLite 3.35+ drops the column in place; the table is not rebuilt)."""
    op.drop_column("accounts", "last_failed_at")
    op.drop_index("ix_sign_in_failures_last_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
