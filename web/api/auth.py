"""Who is calling the API: a personal access token, or the session cookie (with CSRF).

`Authorization: Bearer <token>` wins when present (a wrong token is a 401, never a
fallback to the cookie). A cookie session may read; to write it must also send the
X-CSRFToken header, since a browser would send the cookie with a forged request too.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import g, request
from flask_login import current_user

from events.accounts import Account
from journey.access import Reader, reader
from journey.clock import to_micros, utcnow
from journey.state import DomainState
from web.api import bp
from web.api.errors import ApiError
from web.extensions import csrf
from web.services import accounts, journey

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Endpoints anyone may read: the API's own description.
PUBLIC = frozenset({"api.openapi", "api.docs"})


@bp.before_request
def authenticate() -> None:
    """Put the calling account in g.account, or answer 401."""
    if request.endpoint in PUBLIC:
        return
    g.account = _caller()


def _caller() -> Account:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "not_signed_in",
                           "send Authorization: Bearer <token> with a personal access token")
        account = accounts().account_for_token(secret.strip())
        if account is None:
            raise ApiError(401, "not_signed_in", "this token is unknown or was revoked")
        g.via_session = False
        return account
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.via_session = True
        return current_user.account
    raise ApiError(401, "not_signed_in",
                   "sign in, or send Authorization: Bearer <personal access token>")


def via_session() -> bool:
    """Whether the caller is signed in by the session cookie (not a token)."""
    return bool(g.get("via_session"))


def caller() -> Account:
    """The account this request acts for."""
    return g.account


def acting_member(account: Account) -> str:
    """The actor of a write: the account's member (an admin without one: its username)."""
    if account.member_id is not None:
        return account.member_id
    if account.is_admin:
        return account.username
    raise ApiError(403, "no_member", "this account is not linked to a member, so it cannot "
                   "record anything; ask an admin")


def viewer(account: Account) -> str:
    """Whose rights the views apply to reflections.

    An admin account without a member reads as nobody in particular: a member id never
    holds a space, so this viewer belongs to no community and sees no one's reflections.
    """
    return account.member_id if account.member_id is not None else f"admin {account.username}"


def judged(check: Callable[[DomainState, Reader, int], T]) -> T:
    """Run `check(state, reader, now)` on the log's current roles (raises to refuse)."""
    account = caller()
    now = to_micros(utcnow())

    def read(state: DomainState) -> T:
        return check(state, reader(state, account.member_id, is_admin=account.is_admin,
                                   at=now), now)

    return journey().store.read_state(read)
