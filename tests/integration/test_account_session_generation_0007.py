"""Migration 0007: each account gets a session generation, 0 for the accounts there were.

Accounts made at 0006 keep every column, token and link; their generation is 0, and from
then on sign-out (Accounts.end_sessions) and a new password raise it -- on SQLite and
PostgreSQL, on Journey's own engine.
"""
from __future__ import annotations

from sqlalchemy import inspect, select

from events.accounts import Accounts
from events.migrate import upgrade
from events.sql import make_engine
from events.tables import accounts as accounts_table
from events.tables import one_time_links, tokens
from tests.integration.old_accounts import add_account, add_link, add_token

FAST = "scrypt:1024:8:1"


def test_0007_gives_existing_accounts_generation_0_and_keeps_their_rows(database_url) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0006")
        ana = add_account(engine, "ana", language="mk")
        ivan = add_account(engine, "ivan", password_hash=None)
        add_token(engine, ana, "script")
        add_link(engine, account_id=ivan)
        add_link(engine, member_id="zoran")
        old_columns = [c for c in accounts_table.c
                       if c.name not in ("session_generation", "last_failed_at")]  # 0008's

        def rows() -> tuple:
            with engine.connect() as conn:
                return (conn.execute(select(*old_columns).order_by(accounts_table.c.id)).all(),
                        conn.execute(select(tokens).order_by(tokens.c.id)).all(),
                        conn.execute(select(one_time_links)
                                     .order_by(one_time_links.c.token_hash)).all())
        before = rows()

        upgrade(engine)

        assert rows() == before and [len(table) for table in before] == [2, 1, 2]
        column = next(c for c in inspect(engine).get_columns("accounts")
                      if c["name"] == "session_generation")
        assert not column["nullable"]
        accounts = Accounts(engine, password_method=FAST)
        assert [accounts.get(ana).session_generation,
                accounts.get(ivan).session_generation] == [0, 0]
        # The generation moves on for one account only, and a new account starts at 0.
        fingerprint = accounts.get(ana).session_fingerprint()
        assert accounts.end_sessions(ana).session_generation == 1
        assert accounts.get(ana).session_fingerprint() != fingerprint
        assert accounts.get(ivan).session_generation == 0
        assert accounts.add("vera", None, member_id="vera").session_generation == 0
    finally:
        engine.dispose()
