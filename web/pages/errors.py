"""Error pages for people: the status, a sentence in their language, and a way back.

The JSON API answers its own errors (web/api/errors.py) and hands every other request's
HTTP error here, so a page never shows werkzeug's bare English text or a traceback.
"""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def _sentences() -> dict[int, tuple[str, str]]:
    return {
        400: (_("This request could not be used"),
              _("Something in the address or the form was not understood. Go back and try again.")),
        401: (_("Please sign in"), _("Sign in to see this page.")),
        403: (_("Not yours to see"),
              _("This page belongs to someone else or needs a role you do not have in this community.")),
        404: (_("Not found"), _("There is nothing at this address. It may have been mistyped, or it was never recorded.")),
        405: (_("Not allowed here"), _("This address does not accept that kind of request.")),
        410: (_("No longer available"), _("This link was revoked or has expired.")),
        413: (_("Too large"), _("The file or form is larger than Journey accepts (20 MiB for a file).")),
        429: (_("Too many attempts"), _("Wait a little and try again.")),
    }


def page_for(exc: HTTPException):
    """The HTML page for an HTTP error of a page request."""
    status = exc.code or 500
    title, sentence = _sentences().get(status, (_("Something went wrong"),
                                                _("Please try again in a moment.")))
    return render_template("errors/page.html", status=status, title=title,
                           sentence=sentence), status
