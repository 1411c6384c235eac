"""Times whose UTC value falls outside years 1-9999 are refused as bad times, not crashes."""
from __future__ import annotations

import pytest

from journey.clock import BadTime, parse_time


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_time_outside_the_utc_years_is_a_bad_time(text: str) -> None:
    with pytest.raises(BadTime, match="outside the years"):
        parse_time(text)


def test_the_edges_themselves_are_fine() -> None:
    assert parse_time("9999-12-31T23:59:59Z").year == 9999
    assert parse_time("0001-01-01T00:00:00Z").year == 1


@pytest.mark.parametrize("text", [
    "2024-03-05T14:00:00Z\x00",      # text after the offset
    " 2024-03-05T14:00:00Z",         # blanks around it
    "2024-03-05T14:00:00Z ",
    "20240305T140000Z",              # ISO 8601's basic format
    "2024-03-05T14:00:00,5Z",        # a comma before the fraction
    "2024-W10-2T14:00:00Z",          # a week date
    "２０２４-03-05T14:00:00Z",       # digits of another script
    "2024-03-05T14Z",                # no minutes
    "2024-03-05T14:00:00+0100",      # an offset without its colon
])
def test_only_rfc_3339_is_a_time(text: str) -> None:
    """fromisoformat reads far more than RFC 3339: the log's times and queries do not."""
    with pytest.raises(BadTime):
        parse_time(text)


@pytest.mark.parametrize("text, micros", [
    ("2024-03-05T14:00:00.123456789Z", 123456),  # finer than a microsecond: cut
    ("2024-03-05t14:00:00.5z", 500000),           # RFC 3339 allows lower case
    ("2024-03-05 14:00:00+01:00", 0),             # and a space for the T
    ("2024-03-05T14:00+01:00", 0),                # seconds left out, as the API's doc says
])
def test_what_rfc_3339_allows_is_read(text: str, micros: int) -> None:
    assert parse_time(text).microsecond == micros
