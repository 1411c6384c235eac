"""The Flask extensions, created once and bound to each app by `init_app` (flaskr's pattern)."""
from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

#: Sessions of signed-in people (the account is loaded by web/auth/session.py).
login_manager = LoginManager()
#: CSRF tokens on every form; the JSON API checks them itself for cookie sessions.
csrf = CSRFProtect()
