"""The time zones an account may choose are the ones the pages can show dates in."""
from __future__ import annotations

import pytest
import pytz  # what flask_babel's dates go through

from events.accounts import AccountError, available_time_zones, check_time_zone


def test_every_zone_offered_is_one_the_pages_know() -> None:
    # zoneinfo also lists "localtime" and "Factory": chosen, every page was a 500.
    assert {z for z in available_time_zones() if z not in pytz.all_timezones_set} == set()
    assert {"UTC", "Europe/Belgrade", "Europe/Skopje", "Africa/Lagos"} <= available_time_zones()


@pytest.mark.parametrize("name", ["localtime", "Factory"])
def test_the_system_s_pseudo_zones_are_refused(name: str) -> None:
    with pytest.raises(AccountError):
        check_time_zone(name)
