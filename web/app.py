"""The Flask app factory: one installation, its extensions and one blueprint per feature.

`create_app(config)` opens the installation (`projections.app.open_journey`, projections
folding in a background thread) and keeps it in `app.extensions["journey"]`, with the
accounts beside it in `app.extensions["journey_accounts"]`. The configuration is read
from the environment only here, and only when none is given.
"""
from __future__ import annotations

import atexit
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from events.accounts import DEFAULT_PASSWORD_METHOD, Accounts
from journey.config import Config
from projections.app import open_journey
from web import i18n, security
from web.extensions import csrf, login_manager
from web.services import ACCOUNTS, JOURNEY

MAX_BODY = 1024 * 1024  # DESIGN "Errors": a body over 1 MiB is refused (413)

#: Flask settings of the app, beyond Flask's own (any of them may be given in `config`).
DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": MAX_BODY,
    # werkzeug's scrypt; tests may pass cheaper parameters ("scrypt:1024:8:1").
    "PASSWORD_METHOD": DEFAULT_PASSWORD_METHOD,
    # Read-your-writes: how long a read with min_position waits for the projections.
    "READ_WAIT_SECONDS": 5.0,
    # Whether projections fold in a background thread (else each read folds first).
    "JOURNEY_BACKGROUND": True,
    "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the session
}


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the app on an initialised installation.

    `config` is a journey Config, or a mapping of settings (flaskr's `test_config`): Flask
    settings, DEFAULTS, and JOURNEY_DATABASE_URL / JOURNEY_INSTANCE_DIR / JOURNEY_BASE_URL
    (or JOURNEY_CONFIG, a Config). None reads the JOURNEY_* environment variables.
    """
    settings: dict[str, Any] = {}
    if config is None:
        journey_config = Config.from_env(os.environ)
    elif isinstance(config, Config):
        journey_config = config
    else:
        settings = dict(config)
        journey_config = settings.pop("JOURNEY_CONFIG", None) or Config.from_env(
            {k: str(v) for k, v in settings.items() if k.startswith("JOURNEY_")})

    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.update(security.cookie_settings(journey_config.base_url))
    app.config.update(settings)
    app.config["JOURNEY_BASE_URL"] = journey_config.base_url
    app.json.sort_keys = False  # the API's JSON keeps the order of DESIGN's examples
    app.json.ensure_ascii = False

    installation = open_journey(journey_config, background=app.config["JOURNEY_BACKGROUND"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = installation.log.instance.secret_key
    app.extensions[JOURNEY] = installation
    app.extensions[ACCOUNTS] = Accounts(installation.log.recorder.engine,
                                        password_method=app.config["PASSWORD_METHOD"])
    # The installation lives as long as the app: closed when the process exits (or by
    # close_app, which tests and embedding servers call).
    atexit.register(installation.close)

    login_manager.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    i18n.init_app(app)

    from web.api import bp as api_bp
    from web.api.errors import init_app as init_api_errors
    from web.auth import bp as auth_bp
    from web.main import bp as main_bp
    from web.pages import bp as pages_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(api_bp, url_prefix="/api")
    init_api_errors(app)
    from web.openbadges import init_app as init_openbadges
    init_openbadges(app)
    return app


def close_app(app: Flask) -> None:
    """Stop the app's projection thread and close its database connections."""
    installation = app.extensions.pop(JOURNEY, None)
    if installation is not None:
        atexit.unregister(installation.close)
        installation.close()
