"""The language picker: saved on the account when signed in, else for this browser."""
from __future__ import annotations

from flask import redirect, request, session, url_for
from flask_login import current_user

from web.i18n import LANGUAGES
from web.pages import bp
from web.services import accounts


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url_for("main.home")


@bp.post("/language")
def choose_language():
    """Switch the language (the picker in every page's header posts here)."""
    language = request.form.get("lang", "")
    if language in LANGUAGES:
        session["lang"] = language
        if current_user.is_authenticated:
            accounts().set_language(current_user.account.id, language)
    return redirect(safe_next(request.form.get("next")))
