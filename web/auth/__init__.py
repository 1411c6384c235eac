"""People and access: sign in and out, passwords, invitations, resets, tokens, accounts."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from web.auth import routes, session  # noqa: E402,F401 - they register on bp and login_manager
