"""The forms of the auth pages (Flask-WTF: every one carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from events.accounts import MAX_PASSWORD, MIN_PASSWORD, available_time_zones


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_time_zones())]


def _new_password(label: str = "New password") -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(MIN_PASSWORD, MAX_PASSWORD)],
                         description=f"At least {MIN_PASSWORD} characters.")


def _confirm() -> PasswordField:
    return PasswordField("Repeat the password",
                         validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=160)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = _new_password()
    confirm = _confirm()


class ResetForm(FlaskForm):
    password = _new_password()
    confirm = _confirm()


class AcceptInviteForm(FlaskForm):
    display_name = StringField(
        "Your name", validators=[Optional(), Length(max=200)],
        description="How others in your communities see you (needed the first time).")
    password = _new_password("Password")
    confirm = _confirm()
    time_zone = SelectField("Time zone", default="UTC", choices=[],
                            description="Times you type in forms are in this time zone.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class TimeZoneForm(FlaskForm):
    time_zone = SelectField("Time zone", choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=200)],
                       description="What the token is for, e.g. 'import script'.")


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""


class InviteForm(FlaskForm):
    member_id = StringField("Member id", validators=[DataRequired(), Length(max=160)])


class EraseForm(FlaskForm):
    member_id = StringField("Member id", validators=[DataRequired(), Length(max=160)])
    requested_by = StringField("Requested by (member id)",
                               validators=[DataRequired(), Length(max=160)])
    confirm = BooleanField("I understand this cannot be undone", validators=[DataRequired()])
