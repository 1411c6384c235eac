"""Languages of the pages: Flask-Babel, with the seed communities' languages.

Which language a page speaks: the signed-in account's choice, if its person made one (an
account that never chose has none, and reads as a visitor would); else the one picked on this
browser (`?lang=xx` or the picker, kept in the session); else the best match of the
browser's Accept-Language; else English. Dates, times and numbers follow the language;
times are shown in the account's time zone.
"""
from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import current_user

#: Language code (a Babel locale) -> its own name, as the picker shows it.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "sr_Latn": "Srpski (latinica)",
    "mk": "Македонски",
    "tr": "Türkçe",
}
DEFAULT = "en"

#: What a browser or a `?lang=` may say -> our language. Bosnian and Montenegrin readers
#: read the Serbian Latin catalogue (the North Macedonian schools teach in Bosnian too),
#: and Serbian in any script gets the Latin one: the only Serbian catalogue there is.
_ALIASES = {
    "en": "en", "sr": "sr_Latn", "sr_latn": "sr_Latn", "sr_cyrl": "sr_Latn",
    "bs": "sr_Latn", "bs_latn": "sr_Latn", "cnr": "sr_Latn", "hr": "sr_Latn",
    "mk": "mk", "tr": "tr",
}

babel = Babel()


def language_of(tag: str | None) -> str | None:
    """Our language for a tag such as `sr-Latn-RS`, `sr_Latn`, `mk` or `tr-TR` (None: unknown)."""
    if not tag:
        return None
    parts = tag.replace("-", "_").lower().split("_")
    for size in (2, 1):
        found = _ALIASES.get("_".join(parts[:size]))
        if found:
            return found
    return None


def html_lang(language: str) -> str:
    """The BCP 47 tag of a language for `<html lang>` (sr_Latn -> sr-Latn)."""
    return language.replace("_", "-")


def remember_choice() -> None:
    """A `?lang=xx` on any page picks the language for this browser's session."""
    chosen = language_of(request.args.get("lang"))
    if chosen is not None:
        session["lang"] = chosen


def select_locale() -> str:
    """The language of this request (see the module's docstring for the order)."""
    if current_user and current_user.is_authenticated:
        chosen = language_of(current_user.account.language)
        if chosen is not None:
            return chosen
    for tag in (request.args.get("lang"), session.get("lang")):
        chosen = language_of(tag)
        if chosen is not None:
            return chosen
    for tag, _quality in request.accept_languages:
        chosen = language_of(tag)
        if chosen is not None:
            return chosen
    return DEFAULT


def select_timezone() -> str:
    """Times on pages are shown in the signed-in account's time zone (UTC for others)."""
    if current_user and current_user.is_authenticated:
        return current_user.account.time_zone
    return "UTC"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories="translations")
    app.before_request(remember_choice)
    register_filters(app)

    @app.context_processor
    def _languages() -> dict[str, object]:
        from flask_babel import get_locale
        language = str(get_locale() or DEFAULT)
        return {"LANGUAGES": LANGUAGES, "current_language": language,
                "html_lang": html_lang(language)}


def _as_datetime(value):
    from datetime import date, datetime

    from journey.clock import parse_time
    if isinstance(value, str):
        try:
            return parse_time(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def moment(value, format: str = "medium") -> str:
    """A moment (datetime or RFC 3339 text) in the reader's language and time zone."""
    from datetime import datetime

    from flask_babel import format_date, format_datetime
    value = _as_datetime(value)
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, format)
    if hasattr(value, "isoformat"):
        return format_date(value, format)
    return str(value)


def day(value, format: str = "medium") -> str:
    """A date (or the date of a moment, in the reader's time zone) in the reader's language."""
    from datetime import datetime

    from flask_babel import format_date, to_user_timezone
    value = _as_datetime(value)
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    if hasattr(value, "isoformat"):
        return format_date(value, format)
    return str(value)


def number(value, digits: int | None = None) -> str:
    """A number in the reader's language (1.234,5 in Serbian; 1,234.5 in English)."""
    from flask_babel import format_decimal
    if value is None:
        return "–"
    if digits is not None and isinstance(value, float):
        return format_decimal(round(value, digits), format="#,##0." + "0" * digits) \
            if digits else format_decimal(round(value))
    return format_decimal(value)


def percent(value) -> str:
    """A share (0.67) as a percentage in the reader's language (67 %)."""
    from flask_babel import format_percent
    return "–" if value is None else format_percent(value)


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(moment=moment, day=day, number=number, percent=percent)
