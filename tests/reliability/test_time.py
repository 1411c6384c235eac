"""Time (issue 9): occurred_at with any UTC offset is stored as UTC; a future occurred_at is
refused; leadership windows across DST changes and on a leap day count by UTC instants.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from journey.clock import format_time
from tests.web.conftest import Site


def session(site: Site, n: str, occurred_at: str, who: str = "ivan"):
    return site.post(who, "SessionLed", {"community_id": "vrsac-1", "session_id": f"s-t{n}",
                                         "leaders": [who], "title": f"T {n}",
                                         "format": "meeting"}, occurred_at=occurred_at)


def stored_at(site: Site, position: int) -> datetime:
    row = site.journey.store.recorder.row_at(position)
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=row.occurred_at)


@pytest.mark.parametrize("given, utc", [
    ("2024-03-01T12:00:00Z", "2024-03-01T12:00:00Z"),
    ("2024-03-01T12:00:00+00:00", "2024-03-01T12:00:00Z"),
    ("2024-03-01T12:00:00-00:00", "2024-03-01T12:00:00Z"),
    ("2024-03-01T12:00:00+05:30", "2024-03-01T06:30:00Z"),
    ("2024-03-01T12:00:00+05:45", "2024-03-01T06:15:00Z"),
    ("2024-03-01T12:00:00+14:00", "2024-02-29T22:00:00Z"),
    ("2024-02-29T20:00:00-12:00", "2024-03-01T08:00:00Z"),
    ("2024-03-31T02:30:00+01:00", "2024-03-31T01:30:00Z"),  # a wall time DST skips in CET
    ("2024-10-27T02:30:00+02:00", "2024-10-27T00:30:00Z"),  # the repeated hour, first time
    ("2024-10-27T02:30:00+01:00", "2024-10-27T01:30:00Z"),  # ... and second time
    ("2024-03-01T12:00:00.123456+01:00", "2024-03-01T11:00:00.123456Z"),
    ("2024-02-29", "2024-02-29T00:00:00Z"),  # a date is 00:00 UTC of that day
])
def test_any_offset_is_stored_as_utc(sqlite_site: Site, given: str, utc: str) -> None:
    answer = session(sqlite_site, "x", given)
    assert answer.status_code == 201, answer.get_json()
    moment = stored_at(sqlite_site, answer.get_json()["position"])
    assert moment == datetime.fromisoformat(utc.replace("Z", "+00:00"))
    exported = sqlite_site.journey.store.read(after=answer.get_json()["position"] - 1)
    assert format_time(next(exported).occurred_at).endswith("Z")


@pytest.mark.parametrize("given", ["2024-03-01T12:00:00", "2024-02-30T10:00:00Z",
                                   "2023-02-29T10:00:00Z", "2024-03-01T24:00:01Z",
                                   "2024-03-01T12:00:00+24:00", "yesterday"])
def test_times_without_offset_or_impossible_are_refused(sqlite_site: Site, given) -> None:
    before = sqlite_site.log_length()
    answer = session(sqlite_site, "bad", given)
    assert answer.status_code in (400, 422), answer.get_json()
    assert sqlite_site.log_length() == before


def test_a_future_occurred_at_is_refused(sqlite_site: Site) -> None:
    before = sqlite_site.log_length()
    for ahead in (timedelta(minutes=10), timedelta(days=1), timedelta(days=3650)):
        moment = datetime.now(timezone.utc) + ahead
        for given in (format_time(moment),
                      moment.astimezone(timezone(timedelta(hours=-11))).isoformat()):
            answer = session(sqlite_site, "future", given)
            assert answer.status_code == 422, (given, answer.get_json())
    # "now" in a far-east offset is not the future, though its wall clock is tomorrow's
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    answer = session(sqlite_site, "now", now.astimezone(timezone(timedelta(hours=14)))
                     .isoformat())
    assert answer.status_code == 201, answer.get_json()
    assert sqlite_site.log_length() == before + 1


def sessions_in(site: Site, start: str, end: str) -> int:
    answer = site.get("ana", f"/api/communities/vrsac-1/leadership?from={start}&to={end}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["sessions"]


def test_windows_across_dst_changes_and_leap_days(sqlite_site: Site) -> None:
    site = sqlite_site
    base = sessions_in(site, "2024-01-01", "2025-01-01")
    for n, at in enumerate([
        "2024-02-28T23:59:59Z",           # before the leap day
        "2024-02-29T00:00:00Z",           # its first instant
        "2024-02-29T23:59:59.999999Z",    # its last
        "2024-03-01T00:30:00+01:00",      # 2024-02-29T23:30Z: on the leap day in UTC
        "2024-03-31T00:30:00+01:00",      # CET, before the spring change (03-30T23:30Z)
        "2024-03-31T03:30:00+02:00",      # CEST, after it (03-31T01:30Z)
        "2024-10-27T02:30:00+02:00",      # autumn: the repeated hour, twice
        "2024-10-27T02:30:00+01:00",
        "2024-11-03T01:30:00-04:00",      # US change, EDT then EST
        "2024-11-03T01:30:00-05:00",
    ]):
        assert session(site, str(n), at).status_code == 201
    assert sessions_in(site, "2024-01-01", "2025-01-01") == base + 10
    assert sessions_in(site, "2024-02-29", "2024-03-01") == 3
    assert sessions_in(site, "2024-02-28", "2024-02-29") == 1
    assert sessions_in(site, "2024-03-30", "2024-03-31") == 1
    assert sessions_in(site, "2024-03-31", "2024-04-01") == 1
    # The 25-hour local day of 27 October holds both passes of the repeated hour.
    assert sessions_in(site, "2024-10-27", "2024-10-28") == 2
    assert sessions_in(site, "2024-11-03", "2024-11-04") == 2
    # Leap day to leap day: a window of a year starting on Feb 29.
    assert sessions_in(site, "2024-02-29", "2025-02-28") == 9
    # as_of cuts by recorded_at, not by the local wall clock: now in any offset sees all
    everything = site.get("ana", "/api/communities/vrsac-1/leadership?from=2024-01-01"
                          "&to=2025-01-01&as_of=" +
                          (datetime.now(timezone(timedelta(hours=-11))) + timedelta(seconds=1))
                          .isoformat().replace("+", "%2B"))
    assert everything.status_code == 200, everything.get_json()
    assert everything.get_json()["sessions"] == base + 10

