"""The home page: what this installation is, and where to sign in."""
from __future__ import annotations

from flask import render_template

from web.main import bp
from web.services import journey


@bp.get("/")
def home() -> str:
    """The placeholder home page: the log head and the links people need."""
    head = journey().store.head()
    return render_template("main/home.html", events=head.position if head is not None else 0)
