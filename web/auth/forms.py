"""The forms of the auth pages (Flask-WTF: every one carries a CSRF token).

Labels, descriptions and validator messages are lazy (`_l`): the classes are built at import,
the words are picked when a page is rendered, in the reader's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from events.accounts import MAX_PASSWORD, MIN_PASSWORD, available_time_zones
from web.i18n import LANGUAGES, html_lang


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_time_zones())]


#: The value of "as the browser says": no language saved on the account.
BROWSER = ""


def language_choices() -> list[tuple[str, str, dict[str, str]]]:
    """"As the browser says" (in the page's language), then each language under its own
    name, marked with its `lang` (screen readers say it right), so a reader finds theirs
    whatever language the page speaks."""
    return [(BROWSER, _l("As your browser says"), {})] + [
        (code, name, {"lang": html_lang(code)}) for code, name in LANGUAGES.items()]


def _new_password(label=None) -> PasswordField:
    return PasswordField(label or _l("New password"),
                         validators=[DataRequired(), Length(MIN_PASSWORD, MAX_PASSWORD)],
                         description=_l("At least %(count)s characters.", count=MIN_PASSWORD))


def _confirm() -> PasswordField:
    return PasswordField(_l("Repeat the password"),
                         validators=[DataRequired(),
                                     EqualTo("password", _l("The passwords differ."))])


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=160)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = _new_password()
    confirm = _confirm()


class ResetForm(FlaskForm):
    password = _new_password()
    confirm = _confirm()


class AcceptInviteForm(FlaskForm):
    display_name = StringField(
        _l("Your name"), validators=[Optional(), Length(max=200)],
        description=_l("How others in your communities see you (needed the first time)."))
    password = _new_password(_l("Password"))
    confirm = _confirm()
    time_zone = SelectField(_l("Time zone"), default="UTC", choices=[],
                            description=_l("Times you type in forms are in this time zone."))
    language = SelectField(_l("Language"), default=BROWSER, choices=[],
                           description=_l("The language of your pages; you can change it "
                                          "on your account page."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()
        self.language.choices = language_choices()


class TimeZoneForm(FlaskForm):
    time_zone = SelectField(_l("Time zone"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class LanguageForm(FlaskForm):
    """The account's language: its pages speak it on every browser it signs in on."""

    language = SelectField(_l("Language of your pages"), choices=[],
                           description=_l("Dates and numbers follow the language too."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("What the token is for, e.g. 'import script'."))


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""


# Both forms of the admin's page ask for a member id: each field gets an id of its own,
# so each label names its own box (the posted name stays `member_id`).
class InviteForm(FlaskForm):
    member_id = StringField(_l("Member id"), validators=[DataRequired(), Length(max=160)],
                            id="invite-member_id")


class EraseForm(FlaskForm):
    member_id = StringField(_l("Member id"), validators=[DataRequired(), Length(max=160)],
                            id="erase-member_id")
    requested_by = StringField(_l("Requested by (member id)"),
                               validators=[DataRequired(), Length(max=160)])
    confirm = BooleanField(_l("I understand this cannot be undone"),
                           validators=[DataRequired()])
