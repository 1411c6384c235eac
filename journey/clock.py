"""Times as the log speaks them: aware UTC datetimes, RFC 3339 with `Z` on the wire."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Callable, TypeVar

from journey import errors

T = TypeVar("T", int, datetime)

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: RFC 3339's date-time (seconds may be left out; a fraction of any length is cut to
#: microseconds). Checked before fromisoformat, which takes much more: week dates, basic
#: format, a comma before the fraction, text after the offset, digits of other scripts.
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})?")


class BadTime(ValueError):
    """A time that is not RFC 3339 (or YYYY-MM-DD where a date is allowed)."""


def parse_time(value: str, *, allow_date: bool = True) -> datetime:
    """Parse RFC 3339 with any UTC offset (or YYYY-MM-DD = 00:00 UTC) into aware UTC."""
    if not isinstance(value, str):
        raise BadTime("expected an RFC 3339 time such as 2024-03-05T14:00:00Z")
    text = value
    if allow_date and _DATE_ONLY.fullmatch(text):
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        except ValueError as exc:
            raise BadTime(f"{value!r} is not a real date") from exc
    if not _DATE_TIME.fullmatch(text):
        raise BadTime(f"{value!r} is not an RFC 3339 time such as 2024-03-05T14:00:00Z")
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadTime(f"{value!r} is not an RFC 3339 time such as 2024-03-05T14:00:00Z") from exc
    if parsed.tzinfo is None:
        raise BadTime(f"{value!r} has no UTC offset; add Z or +hh:mm")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+05:00 or 9999-12-31T23:00-05:00: outside the years UTC can hold.
        raise BadTime(f"{value!r} is outside the years 0001 to 9999 in UTC") from None


#: The first year a recorded moment may fall in. format_time spells earlier years as the C
#: library does ("999-01-10T…" on glibc), which RFC 3339 and parse_time refuse: an export of
#: such a moment would not import again, and the spelling is in the hash chain of any row
#: that has one. No community of practice met before it: such a year is a typo.
EARLIEST_YEAR = 1000


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z`; fractions only when there are any."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:
        # strftime's spelling of years before 1000 depends on the C library: keep it.
        if moment.microsecond:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # What the strftime above writes, at a fifth of its cost (times are formatted per
    # event): isoformat leaves out a zero fraction too, and ends in "+00:00" in UTC.
    return moment.isoformat()[:-6] + "Z"


def format_micros(micros: int) -> str:
    """format_time of a time kept as microseconds since the epoch."""
    return format_time(_EPOCH + timedelta(microseconds=micros))


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch: how the log stores and compares times."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def utcnow() -> datetime:
    return datetime.now(UTC)


def window_bounds(start: str | None, end: str | None, parse: Callable[[str], T], *,
                  rule: str) -> tuple[T | None, T | None]:
    """A [from, to) window's bounds as `parse` reads them (a missing one is no limit).

    A bound `parse` refuses is refused with `rule`, one that ends before it starts with
    bad_window (an empty window would read as "nothing happened then", not as the typo it
    is); each names the query parameters it is about, `from` and `to`."""
    bounds: list[T | None] = []
    for name, text in (("from", start), ("to", end)):
        try:
            bounds.append(parse(text) if text else None)
        except ValueError as exc:
            raise errors.InvalidValue(str(exc), rule=rule, fields={name: [str(exc)]}) from exc
    low, high = bounds
    if low is not None and high is not None and high < low:
        message = f"the window ends ({end}) before it starts ({start})"
        raise errors.InvalidValue(message, rule="bad_window",
                                  fields={"from": [message], "to": [message]})
    return low, high
