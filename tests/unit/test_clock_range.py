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
