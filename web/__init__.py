"""The web app: `create_app` builds it (web/app.py)."""
from web.app import create_app

__all__ = ["create_app"]
