"""The home page (the pages people use come with the UI issue)."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from web.main import routes  # noqa: E402,F401 - routes register on bp
