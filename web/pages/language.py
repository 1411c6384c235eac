"""The language picker: saved on the account when signed in, else for this browser."""
from __future__ import annotations

from flask import redirect, request, session
from flask_login import current_user

from web.i18n import LANGUAGES
from web.pages import bp
from web.security import safe_next
from web.services import accounts


@bp.post("/language")
def choose_language():
    """Switch the language (the picker in every page's header posts here)."""
    language = request.form.get("lang", "")
    if language in LANGUAGES:
        session["lang"] = language
        if current_user.is_authenticated:
            accounts().set_language(current_user.account.id, language)
    return redirect(safe_next(request.form.get("next")))
