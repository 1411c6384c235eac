"""Accounts, tokens and links written at an older schema revision, for migration tests.

events.accounts.Accounts reads every column of today's accounts table, so it cannot run
on a database at an older revision; these inserts name only the columns every revision
since 0002 has, as the code of that time wrote them.
"""
from __future__ import annotations

from sqlalchemy import Engine, insert

from events.accounts import INVITE, RESET, digest
from events.tables import accounts, one_time_links, tokens

#: Far enough ahead that no link expires during a test (microseconds since the epoch).
LATER = 4_000_000_000_000_000


def add_account(engine: Engine, username: str, *, language: str = "en",
                password_hash: str | None = "scrypt:1024:8:1$salt$hash",
                failed_logins: int = 0) -> int:
    """An account of the member `username`; its id."""
    with engine.begin() as conn:
        return conn.execute(insert(accounts).values(
            username=username, member_id=username, password_hash=password_hash,
            is_admin=False, time_zone="UTC", language=language, created_at=0,
            failed_logins=failed_logins, locked_until=None)).inserted_primary_key[0]


def add_token(engine: Engine, account_id: int, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tokens).values(account_id=account_id, name=name,
                                           token_hash=digest(f"jt_{name}"), created_at=0))


def add_link(engine: Engine, *, account_id: int | None = None,
             member_id: str | None = None) -> None:
    """A reset link for an account, or else an invitation for a member."""
    with engine.begin() as conn:
        conn.execute(insert(one_time_links).values(
            token_hash=digest(f"link-{account_id}-{member_id}"), account_id=account_id,
            member_id=member_id, purpose=RESET if account_id is not None else INVITE,
            expires_at=LATER, used_at=None))
