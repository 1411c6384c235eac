"""Migration 0008: sign_in_failures, and accounts.last_failed_at for a run of failures.

Accounts made at 0007 keep every column, token and link. One in the middle of a run of
failed sign-ins keeps its run (its next failures go on counting towards the lock) rather
than starting again; on SQLite and PostgreSQL, on Journey's own engine.
"""
from __future__ import annotations

from sqlalchemy import inspect, select, update

from events.accounts import MAX_FAILURES, AccountError, Accounts
from events.migrate import upgrade
from events.sql import make_engine
from events.tables import accounts as accounts_table
from events.tables import one_time_links, tokens
from tests.integration.old_accounts import add_account, add_link, add_token

FAST = "scrypt:1024:8:1"


def test_0008_keeps_the_accounts_and_their_runs_of_failures(database_url) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0007")
        ana = add_account(engine, "ana")
        ivan = add_account(engine, "ivan", password_hash=None)
        add_token(engine, ana, "script")
        add_link(engine, account_id=ivan)
        add_link(engine, member_id="zoran")
        with engine.begin() as conn:  # ana failed to sign in three times just before
            conn.execute(update(accounts_table).where(accounts_table.c.id == ana)
                         .values(failed_logins=MAX_FAILURES - 2))
        old_columns = [c for c in accounts_table.c if c.name != "last_failed_at"]

        def rows() -> tuple:
            with engine.connect() as conn:
                return (conn.execute(select(*old_columns).order_by(accounts_table.c.id)).all(),
                        conn.execute(select(tokens).order_by(tokens.c.id)).all(),
                        conn.execute(select(one_time_links)
                                     .order_by(one_time_links.c.token_hash)).all())
        before = rows()

        upgrade(engine)

        assert rows() == before and [len(table) for table in before] == [2, 1, 2]
        assert "sign_in_failures" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            stamped = dict(conn.execute(select(accounts_table.c.username,
                                               accounts_table.c.last_failed_at)).all())
        assert stamped["ana"] is not None and stamped["ivan"] is None
        accounts = Accounts(engine, password_method=FAST)
        for _ in range(2):  # the run goes on: two more failures lock ana
            try:
                accounts.authenticate("ana", "wrong guess")
            except AccountError as exc:
                assert exc.code == "bad_credentials"
        assert accounts.get(ana).locked_until is not None
    finally:
        engine.dispose()
