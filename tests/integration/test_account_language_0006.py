"""Migration 0006: an account's language may be unset (NULL: the pages follow the browser).

Accounts made at 0005 keep their language, and on SQLite -- where the accounts table is
rebuilt, and dropping the old one would cascade to tokens and one-time links -- every
token and link survives, on Journey's own engine (foreign keys on).
"""
from __future__ import annotations

from sqlalchemy import inspect, select

from events.accounts import INVITE, RESET, Accounts
from events.migrate import upgrade
from events.sql import make_engine
from events.tables import one_time_links, tokens
from tests.integration.old_accounts import add_account, add_link, add_token

FAST = "scrypt:1024:8:1"


def test_0006_keeps_every_account_token_and_link_and_allows_no_language(database_url) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0005")
        ana = add_account(engine, "ana", language="en")
        ivan = add_account(engine, "ivan", language="mk", password_hash=None)
        add_token(engine, ana, "script")
        add_link(engine, account_id=ivan)
        add_link(engine, member_id="zoran")
        with engine.connect() as conn:
            before = (conn.execute(select(tokens).order_by(tokens.c.id)).all(),
                      conn.execute(select(one_time_links)
                                   .order_by(one_time_links.c.token_hash)).all())

        upgrade(engine)

        with engine.connect() as conn:
            after = (conn.execute(select(tokens).order_by(tokens.c.id)).all(),
                     conn.execute(select(one_time_links)
                                  .order_by(one_time_links.c.token_hash)).all())
        assert after == before and len(after[0]) == 1 and len(after[1]) == 2
        assert {link.purpose for link in after[1]} == {INVITE, RESET}
        # Nobody can tell a chosen 'en' from the old default: every language is kept.
        accounts = Accounts(engine, password_method=FAST)
        assert accounts.get(ana).language == "en" and accounts.get(ivan).language == "mk"
        column = next(c for c in inspect(engine).get_columns("accounts")
                      if c["name"] == "language")
        assert column["nullable"]
        vera = accounts.add("vera", None, member_id="vera")
        assert accounts.get(vera.id).language is None
        # Tokens and links still point at the (rebuilt) accounts table.
        for table in ("tokens", "one_time_links"):
            assert [fk["referred_table"] for fk in inspect(engine).get_foreign_keys(table)] \
                == ["accounts"]
    finally:
        engine.dispose()
