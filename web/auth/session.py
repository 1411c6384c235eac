"""Flask-Login's view of an account: loaded from the session, which sign-out or a new
password ends on the server too (the account's session generation)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin

from events.accounts import Account
from web.extensions import login_manager
from web.services import accounts

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Sign in to see this page.")
# Flashed in the reader's language: str() of the lazy text, not the object (a session
# holds JSON only).
login_manager.localize_callback = str
login_manager.login_message_category = "error"


class SignedIn(UserMixin):
    """The signed-in account."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        # The cookie is all the server has of a session, so it carries a fingerprint of the
        # password hash and the session generation: raising either ends the session.
        return f"{self.account.id}:{self.account.session_fingerprint()}"


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    """The account of a session, unless it is gone, or signed out or given a new password
    since."""
    number, _, fingerprint = user_id.partition(":")
    if not number.isdigit():
        return None
    account = accounts().get(int(number))
    if account is None or account.session_fingerprint() != fingerprint:
        return None
    return SignedIn(account)
