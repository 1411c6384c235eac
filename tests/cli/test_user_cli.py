"""`journey user add|invite|list|passwd|token` and `journey erase` on the accounts."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from cli.main import main
from events.accounts import AccountError, Accounts, check_password
from events.sql import make_engine

from .test_cli import ANA, JOURNEY, Journey

PASSWORD = "a long enough password"


@pytest.fixture
def ready(tmp_path) -> Journey:
    journey = Journey(tmp_path)
    journey("init")
    journey("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    return journey


@pytest.fixture
def accounts(ready: Journey):
    engine = make_engine(ready.env["JOURNEY_DATABASE_URL"])
    yield Accounts(engine)
    engine.dispose()


def add(journey: Journey, *args: str, code: int = 0, password: str = PASSWORD):
    """`journey user add ARGS --password-stdin` with `password` on stdin."""
    result = journey.runner.invoke(main, ["user", "add", *args, "--password-stdin"],
                                   env=journey.env, input=password + "\n")
    assert result.exit_code == code, (result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def test_add_an_account_for_a_registered_member(ready: Journey, accounts: Accounts) -> None:
    assert "account ana created for member ana" in add(ready, "ana").output

    account = accounts.authenticate("ana", PASSWORD)
    assert account.member_id == "ana" and not account.is_admin
    assert PASSWORD not in account.password_hash


def test_the_password_may_be_typed_twice_at_a_prompt(ready: Journey,
                                                     accounts: Accounts) -> None:
    result = ready.runner.invoke(main, ["user", "add", "ana"], env=ready.env,
                                 input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert accounts.authenticate("ana", PASSWORD).username == "ana"


def test_add_refuses_an_unregistered_member_a_taken_name_and_a_weak_password(
        ready: Journey) -> None:
    assert add(ready, "zoran", code=1).stderr.startswith("error: unknown_member: ")
    add(ready, "ana")
    assert add(ready, "ana", code=1).stderr.startswith("error: username_taken: ")
    assert add(ready, "root", "--admin", code=1, password="short").stderr.startswith(
        "error: weak_password: ")


@pytest.mark.parametrize("args", [["add", "root", "--admin"], ["passwd", "ana"]])
def test_a_password_on_stdin_that_is_not_utf8_is_refused(ready: Journey, accounts: Accounts,
                                                         args) -> None:
    add(ready, "ana")
    before = accounts.by_username("ana").password_hash

    refused = ready.runner.invoke(main, ["user", *args, "--password-stdin"], env=ready.env,
                                  input=b"\xff\xfe latin-1 caf\xe9 password\n")

    assert refused.exit_code == 1, refused.output
    assert refused.stderr == "error: bad_password: a password must be UTF-8 text\n"
    assert accounts.by_username("root") is None
    assert accounts.by_username("ana").password_hash == before


def test_a_password_that_cannot_be_encoded_is_refused() -> None:
    # What a terminal's undecodable bytes become in Python (surrogate escapes).
    with pytest.raises(AccountError) as refused:
        check_password("caf\udce9 and a long password")

    assert (refused.value.code, refused.value.message) == (
        "bad_password", "a password must be UTF-8 text")


@pytest.mark.parametrize("args", [["add", "root", "--admin"], ["passwd", "ana"]])
def test_without_a_terminal_a_password_prompt_says_to_use_password_stdin(
        ready: Journey, accounts: Accounts, args) -> None:
    # `journey user passwd ana < /dev/null` from cron or `ssh host` without -t: a process
    # with no controlling terminal (a new session) and nothing on stdin.
    add(ready, "ana")

    done = subprocess.run([JOURNEY, "user", *args], env=os.environ | ready.env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          start_new_session=True, timeout=60)

    assert done.returncode == 1
    assert done.stderr == ("error: no_terminal: there is no terminal to ask the password "
                           "on: give it with --password-stdin\n")
    assert accounts.authenticate("ana", PASSWORD).username == "ana"  # unchanged
    assert [a.username for a in accounts.all()] == ["ana"]


def test_password_stdin_and_no_password_together_are_a_usage_error(
        ready: Journey, accounts: Accounts) -> None:
    result = ready.runner.invoke(
        main, ["user", "add", "root", "--admin", "--no-password", "--password-stdin"],
        env=ready.env, input=PASSWORD + "\n")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: usage: --password-stdin and --no-password "
                                    "contradict each other")
    assert accounts.all() == []


def test_list_says_when_there_is_no_account_yet(ready: Journey) -> None:
    assert ready("user", "list").output.startswith("No accounts yet")
    assert json.loads(ready("user", "list", "--json").output) == []


def test_an_admin_account_needs_no_member(ready: Journey, accounts: Accounts) -> None:
    add(ready, "root", "--admin", "--time-zone", "Europe/Skopje")

    account = accounts.by_username("root")
    assert account.is_admin and account.member_id is None
    assert account.time_zone == "Europe/Skopje"
    listed = json.loads(ready("user", "list", "--json").output)
    assert [(a["username"], a["is_admin"]) for a in listed] == [("root", True)]
    assert "root" in ready("user", "list").output


def test_invite_prints_a_one_time_link(ready: Journey, accounts: Accounts) -> None:
    link = ready("user", "invite", "m-new").output.strip()

    assert link.startswith("http://127.0.0.1:5000/auth/invite/")
    token = link.rsplit("/", 1)[1]
    assert accounts.link(token, "invite").member_id == "m-new"
    as_json = json.loads(ready("user", "invite", "m-other", "--json").output)
    assert as_json["member_id"] == "m-other"
    add(ready, "ana")
    assert ready("user", "invite", "ana", code=1).stderr.startswith(
        "error: member_has_account: ")


def test_passwd_sets_a_password_or_prints_a_reset_link(ready: Journey,
                                                       accounts: Accounts) -> None:
    add(ready, "ana")
    new = "another long password"

    result = ready.runner.invoke(main, ["user", "passwd", "ana", "--password-stdin"],
                                 env=ready.env, input=new + "\n")
    link = ready("user", "passwd", "ana", "--link").output.strip()

    assert result.exit_code == 0, result.output
    assert accounts.authenticate("ana", new).username == "ana"
    assert link.startswith("http://127.0.0.1:5000/auth/reset/")
    assert ready("user", "passwd", "nobody", "--link", code=1).stderr.startswith(
        "error: unknown_account: ")


def test_tokens_are_made_listed_and_revoked(ready: Journey, accounts: Accounts) -> None:
    add(ready, "ana")

    secret = ready("user", "token", "ana", "--name", "import script").stdout.strip()
    listed = json.loads(ready("user", "token", "ana", "--json").output)

    assert secret.startswith("jt_")
    assert accounts.account_for_token(secret).username == "ana"
    assert [t["name"] for t in listed] == ["import script"]
    assert secret not in json.dumps(listed)
    assert "revoked" in ready("user", "token", "ana", "--revoke", str(listed[0]["id"])).output
    assert accounts.account_for_token(secret) is None
    assert ready("user", "token", "ana", "--revoke", "999", code=1).stderr.startswith(
        "error: unknown_token: ")




@pytest.mark.parametrize("name", ["a\x01b", "caf\udce9", "two\nlines"])
def test_a_token_name_with_control_characters_is_refused(ready: Journey,
                                                         accounts: Accounts, name) -> None:
    # "caf\udce9": what an argument's undecodable byte becomes in Python.
    add(ready, "ana")

    refused = ready("user", "token", "ana", "--name", name, code=1)

    assert refused.stderr == ("error: bad_token_name: a token name has no control "
                              "characters\n")
    assert accounts.tokens_of(accounts.by_username("ana").id) == []

def test_revoking_a_token_id_past_any_key_is_unknown_token(ready: Journey) -> None:
    add(ready, "ana")

    for number in (2 ** 31, 2 ** 63, 10 ** 30):
        refused = ready("user", "token", "ana", "--revoke", str(number), code=1)
        assert refused.stderr == f"error: unknown_token: there is no token {number}\n"

def test_erase_deletes_the_account_too(ready: Journey, accounts: Accounts) -> None:
    add(ready, "ana")
    secret = ready("user", "token", "ana", "--name", "t").stdout.strip()

    ready("erase", "ana", "--requested-by", "ana", "--yes")

    assert accounts.by_member("ana") is None
    assert accounts.account_for_token(secret) is None
    with pytest.raises(AccountError):
        accounts.authenticate("ana", PASSWORD)
    assert ready("user", "invite", "ana", code=1).stderr.startswith("error: member_erased: ")


def test_every_user_command_has_help_with_an_example(ready: Journey) -> None:
    for name in ("add", "invite", "list", "passwd", "token"):
        assert "Example" in ready("user", name, "--help").output, name
