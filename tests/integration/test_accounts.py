"""Accounts beside the log (events/accounts.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from events.accounts import (INVITE, MAX_FAILURES, RESET, AccountError, Accounts, digest)
from events.tables import one_time_links, tokens
from tests.integration.accounts_setup import (  # noqa: F401 - fixtures
    FAST, PASSWORD, Clock, accounts, clock, engine)


def code_of(call) -> str:
    with pytest.raises(AccountError) as info:
        call()
    return info.value.code


def test_an_account_per_username_and_per_member(accounts: Accounts) -> None:
    ana = accounts.add("ana", PASSWORD, member_id="ana", time_zone="Europe/Belgrade")

    assert accounts.get(ana.id) == ana == accounts.by_member("ana") == accounts.find("ana")
    assert code_of(lambda: accounts.add("ana", PASSWORD)) == "username_taken"
    assert code_of(lambda: accounts.add("ana2", PASSWORD, member_id="ana")) \
        == "member_has_account"
    assert code_of(lambda: accounts.add("has space", PASSWORD)) == "bad_username"
    assert code_of(lambda: accounts.add("x", PASSWORD, time_zone="Mars/Base")) \
        == "bad_time_zone"
    assert code_of(lambda: accounts.add("y", "short")) == "weak_password"


def test_tokens_are_kept_as_sha256_only(accounts: Accounts, engine: Engine) -> None:
    ana = accounts.add("ana", PASSWORD, member_id="ana")
    record, secret = accounts.create_token(ana.id, "script")

    with engine.connect() as conn:
        stored = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert stored == [digest(secret)]
    assert accounts.account_for_token(secret).id == ana.id
    assert accounts.account_for_token(secret + "x") is None
    accounts.revoke_token(ana.id, record.id)
    assert accounts.account_for_token(secret) is None


def test_a_token_records_when_it_was_last_used(accounts: Accounts, clock: Clock) -> None:
    ana = accounts.add("ana", PASSWORD)
    _, secret = accounts.create_token(ana.id, "script")

    accounts.account_for_token(secret)
    first = accounts.tokens_of(ana.id)[0].last_used_at
    clock.now += timedelta(seconds=10)
    accounts.account_for_token(secret)  # within a minute: not written again
    clock.now += timedelta(minutes=2)
    accounts.account_for_token(secret)

    assert first is not None
    assert accounts.tokens_of(ana.id)[0].last_used_at > first


def test_a_link_works_once_and_expires_after_72_hours(accounts: Accounts,
                                                      clock: Clock) -> None:
    first = accounts.invite("m-1")
    second = accounts.invite("m-2")

    account = accounts.accept_invite(first, PASSWORD, time_zone="Africa/Lagos")
    assert account.username == account.member_id == "m-1"
    assert code_of(lambda: accounts.accept_invite(first, PASSWORD)) == "invalid_link"
    clock.now += timedelta(hours=72, seconds=1)
    assert code_of(lambda: accounts.link(second, INVITE)) == "invalid_link"
    assert code_of(lambda: accounts.link(first, RESET)) == "invalid_link"


def test_two_uses_of_one_link_at_once_make_one_account(accounts: Accounts) -> None:
    secret = accounts.invite("m-1")
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def use() -> None:
        start.wait(timeout=10)
        try:
            accounts.accept_invite(secret, PASSWORD)
            outcomes.append("ok")
        except AccountError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["invalid_link"] * 3 + ["ok"]
    assert len(accounts.all()) == 1


def test_a_reset_link_sets_the_password_and_a_new_password_voids_it(accounts: Accounts
                                                                    ) -> None:
    ana = accounts.add("ana", PASSWORD)
    used, unused = accounts.reset_link(ana.id), accounts.reset_link(ana.id)

    accounts.reset_password(used, "the second password")
    assert accounts.authenticate("ana", "the second password").id == ana.id
    accounts.set_password(ana.id, "the third password")
    assert code_of(lambda: accounts.reset_password(unused, "a fourth password")) \
        == "invalid_link"


def test_a_reset_voids_the_account_s_other_reset_links(accounts: Accounts) -> None:
    ana = accounts.add("ana", PASSWORD)
    used, other = accounts.reset_link(ana.id), accounts.reset_link(ana.id)

    accounts.reset_password(used, "the second password")

    assert code_of(lambda: accounts.reset_password(other, "a third password")) == \
        "invalid_link"
    assert accounts.authenticate("ana", "the second password").id == ana.id


def test_sign_out_and_every_new_password_end_that_accounts_sessions_only(
        accounts: Accounts) -> None:
    ana, ivan = accounts.add("ana", PASSWORD), accounts.add("ivan", PASSWORD)
    assert ana.session_generation == 0

    ended = accounts.end_sessions(ana.id)
    changed = accounts.change_password(ana.id, PASSWORD, "the second password")
    reset = accounts.reset_password(accounts.reset_link(ana.id), "the third password")
    set_ = accounts.set_password(ana.id, "the fourth password")

    assert [a.session_generation for a in (ended, changed, reset, set_)] == [1, 2, 3, 4]
    fingerprints = {a.session_fingerprint() for a in (ana, ended, changed, reset, set_)}
    assert len(fingerprints) == 5
    assert accounts.get(ivan.id) == ivan
    assert code_of(lambda: accounts.end_sessions(ivan.id + 100)) == "unknown_account"


def after_each_write(accounts: Accounts, then) -> None:
    """Run `then()` once, as soon as the next write transaction of `accounts` commits:
    another device's request landing between two statements of this one."""
    writing, pending = accounts._writing, [then]

    @contextmanager
    def hooked():
        with writing() as conn:
            yield conn
        if pending:
            pending.pop()()

    accounts._writing = hooked  # type: ignore[method-assign]


@pytest.mark.parametrize("how", ["change", "reset", "set"])
def test_a_sign_out_just_after_a_new_password_ends_the_session_signed_in_with_it(
        accounts: Accounts, how: str) -> None:
    # The web signs the changer's session in again with the account the change returns.
    # A sign-out everywhere on another device, committed right after the change, must end
    # that session too: the account returned carries the generation the change wrote, not
    # one read back after the sign-out's.
    ana = accounts.add("ana", PASSWORD)
    other = Accounts(accounts.engine, password_method=FAST)
    link = accounts.reset_link(ana.id)
    after_each_write(accounts, lambda: other.end_sessions(ana.id))

    if how == "change":
        changed = accounts.change_password(ana.id, PASSWORD, "a new password")
    elif how == "reset":
        changed = accounts.reset_password(link, "a new password")
    else:
        changed = accounts.set_password(ana.id, "a new password")

    now = accounts.get(ana.id)
    assert (changed.session_generation, now.session_generation) == (1, 2)
    assert changed.session_fingerprint() != now.session_fingerprint()  # signed out


def test_a_new_password_after_a_sign_out_keeps_the_session_signed_in_with_it(
        accounts: Accounts) -> None:
    ana = accounts.add("ana", PASSWORD)
    accounts.end_sessions(ana.id)

    changed = accounts.change_password(ana.id, PASSWORD, "a new password")

    assert changed == accounts.get(ana.id) and changed.session_generation == 2


def test_a_password_changed_meanwhile_is_not_replaced_by_the_old_one_s_holder(
        accounts: Accounts) -> None:
    # Whoever knows the old password checked it, then ana set a new one on another device
    # before the change was written: the change is refused, ana's password stays.
    ana = accounts.add("ana", PASSWORD)
    other = Accounts(accounts.engine, password_method=FAST)
    hash_of, pending = accounts._hash, [lambda: other.set_password(ana.id, "ana's own new one")]

    def hashed(password: str) -> str:  # between the check and the write
        if pending:
            pending.pop()()
        return hash_of(password)

    accounts._hash = hashed  # type: ignore[method-assign]

    assert code_of(lambda: accounts.change_password(ana.id, PASSWORD, "the thief's one")) \
        == "bad_credentials"
    assert accounts.authenticate("ana", "ana's own new one").id == ana.id


def test_repeated_failures_lock_for_longer_each_time(accounts: Accounts, clock: Clock) -> None:
    accounts.add("ana", PASSWORD)
    for _ in range(MAX_FAILURES):
        assert code_of(lambda: accounts.authenticate("ana", "wrong")) == "bad_credentials"
    assert code_of(lambda: accounts.authenticate("ana", PASSWORD)) == "locked"
    clock.now += timedelta(minutes=16)
    for _ in range(MAX_FAILURES):
        code_of(lambda: accounts.authenticate("ana", "wrong"))
    clock.now += timedelta(minutes=16)
    assert code_of(lambda: accounts.authenticate("ana", PASSWORD)) == "locked"  # 30 min now
    clock.now += timedelta(minutes=15)

    assert accounts.authenticate("ana", PASSWORD).failed_logins == 0


def test_erasing_a_member_deletes_their_account_tokens_and_links(accounts: Accounts,
                                                                 engine: Engine) -> None:
    ana = accounts.add("ana", PASSWORD, member_id="ana")
    accounts.create_token(ana.id, "script")
    accounts.reset_link(ana.id)
    accounts.invite("m-pending")

    assert accounts.erase_member("ana") is True
    assert accounts.erase_member("m-pending") is False  # no account, but the invitation goes

    assert accounts.all() == []
    with engine.connect() as conn:
        assert conn.execute(select(tokens)).all() == []
        assert conn.execute(select(one_time_links)).all() == []
