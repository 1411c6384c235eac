"""An account's session generation: signing out ends the account's sessions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Sessions live in signed cookies (Flask's default), so a sign-out that only clears the
browser's cookie left any copy of it signed in for the session's lifetime. Every session's
fingerprint now includes this integer, and sign-out, a password change and a reset raise
it, so the account's older cookies no longer load. Existing rows start at 0; the fingerprint
changes form, so everyone signed in before the upgrade signs in once more.

A column with a constant default is added in place on both engines (SQLite's ADD COLUMN
takes a NOT NULL column with a default), so, unlike 0006, no table is rebuilt and tokens
and one-time links are not touched.
Mirrors events/tables.py (tests/integration/test_migrations.py compares them).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add accounts.session_generation, 0 for every existing account."""
    op.add_column("accounts", sa.Column("session_generation", sa.Integer(), nullable=False,
                                        server_default=sa.text("0")))


def downgrade() -> None:
    """Drop the column (SQLite 3.35+ drops it in place; the table is not rebuilt)."""
    op.drop_column("accounts", "session_generation")
