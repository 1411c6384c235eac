"""An account's language may be unset: NULL means its pages follow the browser.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Until now every account was made with language 'en', and a signed-in person's pages spoke
the account's language before the browser's, so nobody signed in ever got the language of
their browser or of the header's picker. A NULL language is "never chosen": the pages follow
the picker, then Accept-Language, as for a visitor. Existing rows keep their value: nothing
tells an 'en' someone chose (the invitation's or the account page's list) from the 'en' every
account got, and a person who chose English must not lose it; anyone can pick "as the browser
says" on their account page.

PostgreSQL drops the NOT NULL in place. SQLite cannot, so the table is rebuilt (Alembic's
batch mode). With foreign keys on (Journey's engine turns them on), dropping the old table
deletes its rows first, and ON DELETE CASCADE would take every token and one-time link with
them; PRAGMA foreign_keys cannot change inside the migration's transaction, so those rows
are copied aside and put back after the rebuild, in the same transaction.
Mirrors events/tables.py (tests/integration/test_migrations.py compares them).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The tables whose rows reference accounts with ON DELETE CASCADE.
_REFERENCING = ("tokens", "one_time_links")


def upgrade() -> None:
    """Let accounts.language be NULL."""
    with _accounts_altered() as batch:
        batch.alter_column("language", existing_type=sa.String(16), nullable=True)


def downgrade() -> None:
    """Back to NOT NULL: an account that never chose reads English again, as before."""
    op.execute("UPDATE accounts SET language = 'en' WHERE language IS NULL")
    with _accounts_altered() as batch:
        batch.alter_column("language", existing_type=sa.String(16), nullable=False)


@contextmanager
def _accounts_altered() -> Iterator:
    """A batch alteration of accounts that keeps the tokens and links of every account."""
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite:
        for table in _REFERENCING:
            op.execute(f"CREATE TEMPORARY TABLE kept_{table} AS SELECT * FROM {table}")
    with op.batch_alter_table("accounts") as batch:
        yield batch
    if sqlite:
        for table in _REFERENCING:
            # Whatever the cascade left (nothing, with foreign keys on) goes first.
            op.execute(f"DELETE FROM {table}")
            op.execute(f"INSERT INTO {table} SELECT * FROM kept_{table}")
            op.execute(f"DROP TABLE kept_{table}")
