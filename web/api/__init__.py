"""The JSON API under /api: an append for every event type, a read for every projection."""
from flask import Blueprint

from web.extensions import csrf

bp = Blueprint("api", __name__)
# The API checks CSRF itself, and only for cookie sessions (web/api/auth.py): a script
# with a bearer token has no form to carry a token in.
csrf.exempt(bp)

from web.api import auth, openapi, reads, writes  # noqa: E402,F401 - they register on bp
