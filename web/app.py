"""The Flask app factory: for now a placeholder home page; the pages and API come later."""
from __future__ import annotations

import os

from flask import Flask
from markupsafe import escape

from events.ready import open_ready_log
from journey.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the app on an initialised log (configuration from the environment when None)."""
    if config is None:
        config = Config.from_env(os.environ)
    log = open_ready_log(config)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = log.instance.secret_key
    app.extensions["journey_log"] = log

    @app.get("/")
    def home() -> str:
        head = log.store.head()
        events = head.position if head is not None else 0
        return (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Journey</title></head><body><h1>Journey</h1>"
            f"<p>Journey is running with {events} events at the log head.</p>"
            f"<p><small>{escape(config.base_url)}</small></p></body></html>")

    return app
