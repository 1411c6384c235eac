"""Sign-in lockout tells nobody whether a username exists (events/sign_in_throttle.py).

An unknown name fails, locks and unlocks exactly as an account with a wrong password does
-- same codes, same words, same times -- on SQLite and PostgreSQL; an account made later
for a hammered name starts unlocked; and unknown names are pruned, so the table is bounded.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from events.accounts import MAX_FAILURES, MAX_LOCK, AccountError, Accounts
from events.sign_in_throttle import name_key
from events.tables import sign_in_failures
from journey.clock import format_time
from tests.integration.accounts_setup import (  # noqa: F401 - fixtures
    FAST, PASSWORD, Clock, accounts, clock, engine)


def answer(call: Callable[[], object]) -> tuple[str, str]:
    """(code, message) of a refused sign-in; ("ok", "") if it went through."""
    try:
        call()
    except AccountError as exc:
        return exc.code, exc.message
    return "ok", ""


def unknown_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(sign_in_failures.c.name_hash,
                                        sign_in_failures.c.failed_logins)).all())


def test_an_unknown_name_locks_after_five_failures_in_the_same_words(
        accounts: Accounts) -> None:
    accounts.add("ana", PASSWORD)
    for _ in range(MAX_FAILURES):
        assert answer(lambda: accounts.authenticate("nobody", "wrong guess")) == answer(
            lambda: accounts.authenticate("ana", "wrong guess"))

    unknown = answer(lambda: accounts.authenticate("nobody", PASSWORD))
    known = answer(lambda: accounts.authenticate("ana", PASSWORD))

    assert unknown[0] == "locked"
    assert unknown[1].startswith("too many failed sign-ins: try again after 2026-01-05T09:15")
    assert unknown == known


def test_the_whole_lock_schedule_is_the_same_for_known_and_unknown_names(
        accounts: Accounts, clock: Clock) -> None:
    """Every step for an account with a password, one without (a pending reset) and a
    name nobody has: the same answers at every moment, locks doubling up to MAX_LOCK."""
    accounts.add("ana", PASSWORD)
    accounts.add("ivan", None)
    names = ("ana", "ivan", "nobody")
    seen: list[tuple[str, str]] = []

    def step(password: str) -> None:
        answers = {answer(lambda: accounts.authenticate(n, password)) for n in names}
        assert len(answers) == 1, answers
        seen.append(answers.pop())

    # 15 minutes doubling with every run of failures, then a day at most.
    lengths = [15, 30, 60, 120, 240, 480, 960, 1440, 1440]
    ends = []
    for minutes in lengths:
        for _ in range(MAX_FAILURES):
            step("wrong guess")
        step(PASSWORD)  # locked: even the right password (ana's) is refused, uncounted
        clock.now += timedelta(minutes=minutes - 1)
        step("wrong guess")  # still locked a minute before the lock ends
        clock.now += timedelta(minutes=1)
        ends.append(format_time(clock.now))

    assert [code for code, _ in seen] == (["bad_credentials"] * MAX_FAILURES
                                          + ["locked", "locked"]) * len(lengths)
    locks = [message for code, message in seen if code == "locked"]
    assert locks == [f"too many failed sign-ins: try again after {end}"
                     for end in ends for _ in range(2)]


def test_concurrent_failures_of_an_unknown_name_all_count(accounts: Accounts,
                                                          engine: Engine) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def fail() -> None:
        barrier.wait()
        try:
            accounts.authenticate("nobody", "wrong guess")
        except AccountError as exc:
            if exc.code != "bad_credentials":
                errors.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert unknown_rows(engine) == {name_key("nobody"): 4}


def test_an_account_made_for_a_hammered_name_is_not_locked(accounts: Accounts,
                                                           engine: Engine) -> None:
    for name in ("vera", "zoran"):
        for _ in range(MAX_FAILURES):
            assert answer(lambda: accounts.authenticate(name, "wrong guess"))[0] \
                == "bad_credentials"
        assert answer(lambda: accounts.authenticate(name, PASSWORD))[0] == "locked"

    vera = accounts.add("vera", PASSWORD)
    zoran = accounts.accept_invite(accounts.invite("zoran"), PASSWORD)

    assert (vera.failed_logins, vera.locked_until) == (0, None)
    assert accounts.authenticate("vera", PASSWORD).id == vera.id
    assert accounts.authenticate("zoran", PASSWORD).id == zoran.id
    assert unknown_rows(engine) == {}


def test_unknown_names_are_kept_by_their_hash_and_pruned_after_a_quiet_day(
        accounts: Accounts, engine: Engine, clock: Clock) -> None:
    accounts.add("ana", PASSWORD)
    for name in ("my password typed here", "ana", "nobody"):
        for _ in range(MAX_FAILURES - 1):
            answer(lambda: accounts.authenticate(name, "wrong guess"))
    assert unknown_rows(engine) == {name_key("my password typed here"): 4,
                                    name_key("nobody"): 4}

    clock.now += MAX_LOCK - timedelta(seconds=1)
    answer(lambda: accounts.authenticate("someone else", "wrong guess"))
    assert len(unknown_rows(engine)) == 3  # not a day yet: kept
    clock.now += timedelta(seconds=2)
    answer(lambda: accounts.authenticate("someone else", "wrong guess"))

    # The quiet names went; the one just tried stays.
    assert unknown_rows(engine) == {name_key("someone else"): 2}
    # After a quiet day a run starts again, for an account as for an unknown name.
    assert answer(lambda: accounts.authenticate("ana", "wrong guess"))[0] == "bad_credentials"
    assert answer(lambda: accounts.authenticate("nobody", "wrong guess"))[0] \
        == "bad_credentials"
    assert answer(lambda: accounts.authenticate("ana", PASSWORD)) == ("ok", "")
    assert unknown_rows(engine)[name_key("nobody")] == 1


@pytest.mark.parametrize("name", [None, 7, "", "nul\x00name", "\ud800", "x" * 10_000,
                                  "has space"])
def test_odd_names_are_refused_and_locked_like_any_other(accounts: Accounts, name) -> None:
    """No account can have these names, but they are answered alike all the same (and a
    name that is no text at all has nothing to count)."""
    codes = [answer(lambda: accounts.authenticate(name, "wrong guess"))[0]
             for _ in range(MAX_FAILURES + 1)]

    last = "locked" if isinstance(name, str) else "bad_credentials"
    assert codes == ["bad_credentials"] * MAX_FAILURES + [last]


def test_the_table_stays_small_when_many_names_are_tried(accounts: Accounts, engine: Engine,
                                                         clock: Clock) -> None:
    for day in range(3):
        for n in range(5):
            answer(lambda: accounts.authenticate(f"random-{day}-{n}", "wrong guess"))
        clock.now += MAX_LOCK + timedelta(seconds=1)
    answer(lambda: accounts.authenticate("last", "wrong guess"))

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sign_in_failures)).scalar() == 1
