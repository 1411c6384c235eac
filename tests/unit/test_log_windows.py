"""The windows a read of the log is paged by (events/sql.py `windows`)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from events.sql import windows


@given(after=st.integers(0, 5000), length=st.integers(-50, 5000), size=st.integers(1, 1200))
def test_windows_cover_the_run_once_in_order_each_at_most_size(after, length, size):
    upto = after + length
    cut = list(windows(after, upto, size))
    covered = [p for start, end in cut for p in range(start + 1, end + 1)]
    assert covered == list(range(after + 1, upto + 1))  # each position once, in order
    assert all(0 < end - start <= size for start, end in cut)
    assert all(end - start == size for start, end in cut[:-1])  # only the last is short
