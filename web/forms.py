"""Form helpers shared by the pages: times typed in the signed-in account's time zone.

A person types local times ("2024-03-05 14:00" in Belgrade); the log speaks UTC. Forms
that record events use LocalDateTimeField, which reads a datetime-local input in the
account's time zone (UTC for anonymous pages) and gives an aware UTC datetime.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_login import current_user
from wtforms import DateTimeLocalField

from journey.clock import EARLIEST_YEAR, UTC


def account_zone() -> ZoneInfo:
    """The signed-in account's time zone (UTC when nobody is signed in)."""
    name = "UTC"
    if current_user and current_user.is_authenticated:
        name = current_user.account.time_zone
    return ZoneInfo(name)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as aware UTC (an ambiguous hour takes its first meaning)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware moment as the wall-clock time of `zone`."""
    return moment.astimezone(zone)


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read in the account's time zone; `.data` is aware UTC."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and self.data.tzinfo is None:
            typed = self.data
            try:
                self.data = to_utc(typed, account_zone())
            except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
                self.data = None
                raise ValueError(_("This time is outside the years 0001 to 9999 in UTC.")
                                 ) from None
            # The log refuses such a year (a typo); said here, in the person's words,
            # rather than as the log's complaint about the time's UTC spelling.
            if min(typed.year, self.data.year) < EARLIEST_YEAR:
                self.data = None
                raise ValueError(_("The year must be %(year)s or later: check the year.",
                                   year=EARLIEST_YEAR))

    def _value(self) -> str:
        # A posted form shows what was typed: the time read back could be spelled in a
        # way the browser's input cannot show (a year before 1000 without its zero).
        if not self.raw_data and isinstance(self.data, datetime) \
                and self.data.tzinfo is not None:
            local = to_local(self.data, account_zone()).replace(tzinfo=None)
            return local.isoformat(timespec="minutes")
        return super()._value()
