"""The pages people use: home, portfolio, community, record, facilitate, coordinate, share.

One blueprint; each area has its own module of thin views over projections.Views, the
leadership reports and the store's commands (see web/pages/common.py).
"""
from flask import Blueprint

bp = Blueprint("pages", __name__)

from web.pages import errors, language, nav  # noqa: E402,F401  (routes register on import)
from web.pages import community, coordinate, facilitate, portfolio, record, share  # noqa: E402,F401
from web.pages import founding, membership  # noqa: E402,F401
