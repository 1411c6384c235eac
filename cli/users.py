"""`journey user add|invite|list|passwd|token` and the demo's accounts: thin over events.accounts.

Accounts are not events: these commands change the accounts table beside the log, never
the log itself. Roles come from the log; `--admin` is the only account flag.
"""
from __future__ import annotations

import getpass
import json
import secrets
import sys
import warnings
from typing import Any, Callable

import click

from events.accounts import INVITE, RESET, Account, AccountError, Accounts, link_url
from journey.clock import to_micros, utcnow
from journey.state import DomainState, status_at


def _password(stdin: bool, prompt: str = "Password") -> str:
    if stdin:
        line = sys.stdin.buffer.readline()
        try:
            return line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise AccountError("bad_password", "a password must be UTF-8 text") from None
    # Without a terminal (cron, ssh without -t, `< /dev/null`) getpass warns that the
    # password would be echoed, reads stdin anyway and click says "Aborted!": say instead
    # how to give it. The warning comes before anything is read.
    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
        except getpass.GetPassWarning:
            raise AccountError("no_terminal", "there is no terminal to ask the password "
                                              "on: give it with --password-stdin") from None


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def register(main: click.Group, accounts_of: Callable[[click.Context], Accounts],
             journey_of: Callable[[click.Context], Any]) -> None:
    """Add `journey user …` to the group."""

    def member_state(ctx: click.Context, member: str) -> tuple[bool, bool]:
        """(registered, erased) of a member in the log."""
        return journey_of(ctx).store.read_state(
            lambda state: (member in state.members, member in state.erased))

    @main.group("user")
    def user() -> None:
        """Accounts: who may sign in to the web app and the API.

        \b
        Example:
          journey user add maja --member m-6b57e54acc   # maja's account, acting as that member
          journey user invite m-0086b46f01   # a one-time link the member opens to choose a password
        """

    @user.command("add")
    @click.argument("username")
    @click.option("--member", help="The member the account acts as (default: USERNAME, "
                                   "or none with --admin).")
    @click.option("--admin", is_flag=True, help="An admin: manages accounts and erasure.")
    @click.option("--time-zone", default="UTC", show_default=True,
                  help="Times typed in forms are in this zone (e.g. Europe/Belgrade).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    @click.option("--no-password", is_flag=True,
                  help="No password now: print a reset link to choose one.")
    @click.pass_context
    def add(ctx, username, member, admin, time_zone, password_stdin, no_password) -> None:
        """Create an account for a registered member (or an admin account).

        \b
        Example:
          journey user add maja --member m-6b57e54acc
          journey user add root --admin --password-stdin < root-password.txt
        """
        if password_stdin and no_password:
            raise click.UsageError("--password-stdin and --no-password contradict each "
                                   "other: give one", ctx=ctx)
        if member is None and not admin:
            member = username
        if member is not None:
            registered, erased = member_state(ctx, member)
            if erased:
                raise AccountError("member_erased", f"{member} was erased")
            if not registered:
                raise AccountError("unknown_member", f"{member} is not a registered member: "
                                   f"use `journey user invite {member}` instead")
        accounts = accounts_of(ctx)
        password = None if no_password else _password(password_stdin)
        account = accounts.add(username, password, member_id=member, is_admin=admin,
                               time_zone=time_zone)
        click.echo(f"account {account.username} created"
                   + (f" for member {account.member_id}" if account.member_id else "")
                   + (" (admin)" if account.is_admin else ""))
        if no_password:
            base = journey_of(ctx).config.base_url
            click.echo(f"set its password with this link (once, within 72 hours): "
                       f"{link_url(base, RESET, accounts.reset_link(account.id))}")

    @user.command("invite")
    @click.argument("member")
    @click.option("--json", "as_json", is_flag=True, help="Print {member_id, link} as JSON.")
    @click.pass_context
    def invite(ctx, member, as_json) -> None:
        """Print a one-time invitation link for MEMBER (works once, within 72 hours).

        The person chooses a password there (and registers, if they are not yet a member).
        No mail is sent: give them the link yourself.

        \b
        Example:
          journey user invite m-0086b46f01
        """
        _, erased = member_state(ctx, member)
        if erased:
            raise AccountError("member_erased", f"{member} was erased")
        link = link_url(journey_of(ctx).config.base_url, INVITE, accounts_of(ctx).invite(member))
        if as_json:
            _echo_json({"member_id": member, "link": link})
        else:
            click.echo(link)

    @user.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def list_(ctx, as_json) -> None:
        """Every account: username, member, admin, time zone.

        \b
        Example:
          journey user list --json
        """
        found = [a.to_json() for a in accounts_of(ctx).all()]
        if as_json:
            _echo_json(found)
            return
        if not found:
            click.echo("No accounts yet: add one with `journey user add USERNAME`.")
        for a in found:
            click.echo(f"{a['username']:<24} {a['member_id'] or '-':<24} "
                       f"{'admin' if a['is_admin'] else '':<6} {a['time_zone']}"
                       + ("" if a["has_password"] else "  (no password yet)"))

    @user.command("passwd")
    @click.argument("username")
    @click.option("--link", "as_link", is_flag=True,
                  help="Print a one-time reset link instead of setting the password here.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
    @click.pass_context
    def passwd(ctx, username, as_link, password_stdin) -> None:
        """Set USERNAME's password (and unlock the account), or print a reset link.

        \b
        Example:
          journey user passwd facilitator
          journey user passwd facilitator --link
        """
        accounts = accounts_of(ctx)
        account = accounts.find(username)
        if as_link:
            click.echo(link_url(journey_of(ctx).config.base_url, RESET,
                                accounts.reset_link(account.id)))
            return
        accounts.set_password(account.id, _password(password_stdin, "New password"))
        click.echo(f"password of {account.username} changed")

    @user.command("token")
    @click.argument("username")
    @click.option("--name", help="Create a token with this name (what it is for).")
    @click.option("--revoke", "revoke_id", type=int, metavar="ID", help="Revoke token ID.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def token(ctx, username, name, revoke_id, as_json) -> None:
        """Personal access tokens of USERNAME: list, create (--name) or revoke (--revoke).

        A new token is printed once; only its hash is kept. Scripts send it as
        `Authorization: Bearer <token>`.

        \b
        Example:
          journey user token facilitator --name "import script"
          journey user token facilitator --revoke 3
        """
        accounts = accounts_of(ctx)
        account = accounts.find(username)
        if name is not None and revoke_id is not None:
            raise AccountError("usage", "give --name or --revoke, not both")
        if name is not None:
            record, secret = accounts.create_token(account.id, name)
            if as_json:
                _echo_json({**record.to_json(), "token": secret})
            else:
                click.echo(secret)
                click.echo(f"token {record.id} ({record.name}) for {account.username}: "
                           "copy it now, it is not shown again", err=True)
            return
        if revoke_id is not None:
            record = accounts.revoke_token(account.id, revoke_id)
            click.echo(f"token {record.id} ({record.name}) revoked")
            return
        found = [t.to_json() for t in accounts.tokens_of(account.id)]
        if as_json:
            _echo_json(found)
            return
        for t in found:
            state = f"revoked {t['revoked_at']}" if t["revoked_at"] else \
                f"last used {t['last_used_at'] or 'never'}"
            click.echo(f"{t['id']:>4}  {t['name']:<30} created {t['created_at']}, {state}")


# -- the demo's accounts -------------------------------------------------------------------

DEMO_ROLES = ("teacher", "facilitator", "coordinator", "admin")


def demo_people(state: DomainState, at: int) -> dict[str, str | None]:
    """A coordinator, a facilitator of their network and a teacher of that facilitator's
    community, as they stand at `at` (None where the log has nobody in that role)."""
    roles: dict[str, list[tuple[str, str]]] = {"member": [], "facilitator": [],
                                               "coordinator": []}
    for (community, person), timeline in sorted(state.timelines.items()):
        role = status_at(timeline, at)
        if role is not None and person not in state.erased:
            roles[role].append((community, person))

    def network(community: str) -> str | None:
        found = state.communities.get(community)
        return found.network_id if found is not None else None

    coordinator = roles["coordinator"][0] if roles["coordinator"] else None
    # Three different people: each account acts as a member of its own.
    facilitators = [f for f in roles["facilitator"] if coordinator is None
                    or f[1] != coordinator[1]]
    if coordinator is not None:
        near = [f for f in facilitators if network(f[0]) == network(coordinator[0])]
        facilitators = near or facilitators
    facilitator = facilitators[0] if facilitators else None
    taken = {p[1] for p in (coordinator, facilitator) if p is not None}
    members = [m for m in roles["member"] if m[1] not in taken]
    if facilitator is not None:
        members = [m for m in members if m[0] == facilitator[0]] or members
    teacher = members[0] if members else None
    return {"teacher": teacher[1] if teacher else None,
            "facilitator": facilitator[1] if facilitator else None,
            "coordinator": coordinator[1] if coordinator else None}


def create_demo_accounts(store, accounts: Accounts) -> list[tuple[Account, str]]:
    """One account per role (teacher, facilitator, coordinator, admin) with a new password.

    Usernames are the role names; an account that exists already gets a new password.
    """
    people = store.read_state(lambda state: demo_people(state, to_micros(utcnow())))
    made = []
    for role in DEMO_ROLES:
        member = people.get(role)
        if role != "admin" and member is None:
            continue
        password = secrets.token_urlsafe(12)
        existing = accounts.by_username(role)
        if existing is not None:
            account = accounts.set_password(existing.id, password)
        elif member is not None and accounts.by_member(member) is not None:
            account = accounts.set_password(accounts.by_member(member).id, password)
        else:
            account = accounts.add(role, password, member_id=member, is_admin=role == "admin")
        made.append((account, password))
    return made


def print_demo_accounts(made: list[tuple[Account, str]]) -> None:
    """The demo's accounts as a table a person signs in with."""
    click.echo("Sign in with one of these accounts (passwords are new on every run):")
    for account, password in made:
        who = f"member {account.member_id}" if account.member_id else "no member"
        click.echo(f"  {account.username:<12} {password:<20} ({who}"
                   + (", admin" if account.is_admin else "") + ")")
