"""The base of every form that records something.

Each carries a hidden idempotency key minted when the form is drawn, so a double click or
a browser's re-post appends once (the store replays the first result), and an optional
"when did it happen" in the account's time zone (empty: now).
"""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional

from web.forms import LocalDateTimeField


def _new_key() -> str:
    return f"web-{uuid.uuid4()}"


class RecordForm(FlaskForm):
    """A form that appends an event: idempotency key and occurred_at come with it."""

    # No validator here: the store judges every key by one rule (a hidden field's error
    # would mark nothing the person can see); its refusal is shown with the form's.
    idempotency_key = HiddenField(default=_new_key)
    occurred_at = LocalDateTimeField(
        _l("When it happened"), validators=[Optional()],
        description=_l("Leave empty for now. Times are in your time zone."))
