"""The demo's accounts: a teacher, a facilitator and a coordinator of the log, and an admin."""
from __future__ import annotations

from cli.users import create_demo_accounts, demo_people
from journey.clock import to_micros, utcnow
from tests.web.conftest import Site


def test_one_account_per_role_that_signs_in(sqlite_site: Site) -> None:
    store = sqlite_site.journey.store
    people = store.read_state(lambda state: demo_people(state, to_micros(utcnow())))

    made = create_demo_accounts(store, sqlite_site.accounts)

    # vera coordinates nis-2; zoran facilitates it and mila is a member there.
    assert people == {"teacher": "mila", "facilitator": "zoran", "coordinator": "vera"}
    # zoran gets a "facilitator" account; mila and vera keep theirs, with new passwords.
    assert [(a.username, a.member_id) for a, _ in made] == [
        ("mila", "mila"), ("facilitator", "zoran"), ("vera", "vera"), ("admin", None)]
    assert made[-1][0].is_admin
    for account, password in made:
        assert sqlite_site.accounts.authenticate(account.username, password).id == account.id


def test_running_it_again_gives_new_passwords(sqlite_site: Site) -> None:
    store = sqlite_site.journey.store
    first = dict((a.username, p) for a, p in create_demo_accounts(store, sqlite_site.accounts))
    second = dict((a.username, p) for a, p in create_demo_accounts(store, sqlite_site.accounts))

    assert first.keys() == second.keys() == {"mila", "facilitator", "vera", "admin"}
    assert all(first[name] != second[name] for name in first)
