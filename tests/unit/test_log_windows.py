"""How a read of the log is paged (events/sql.py `paged`): windows of positions."""
from __future__ import annotations

import bisect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.sql import paged


class Log:
    """Positions present, read the way the recorder reads them; counts the reads."""

    def __init__(self, present: list[int], most: int | None = None) -> None:
        self.present = sorted(set(present))
        self.reads = 0
        self.most = most  # reads allowed: past them, fail at once rather than run on

    def _read(self) -> None:
        self.reads += 1
        assert self.most is None or self.reads <= self.most, "a read per window of a gap"

    def fetch(self, start: int, end: int) -> list[int]:
        self._read()
        return [p for p in self.present if start < p <= end]

    def first_after(self, end: int, upto: int) -> int | None:
        self._read()
        i = bisect.bisect_right(self.present, end)
        return self.present[i] if i < len(self.present) and self.present[i] <= upto else None


@given(length=st.integers(0, 3000), after=st.integers(0, 3000), cut=st.integers(0, 3000),
       size=st.integers(1, 1200))
def test_a_gapless_log_is_read_once_in_order_by_windows_of_at_most_size(length, after, cut,
                                                                         size):
    log = Log(list(range(1, length + 1)))
    upto = cut  # may be past the end: the read stops there after one lookup
    pages = list(paged(log.fetch, log.first_after, after, upto, size))
    assert [p for page in pages for p in page] == list(range(after + 1, min(upto, length) + 1))
    assert all(len(page) <= size for page in pages)
    assert all(len(page) == size for page in pages[:-1])  # only the last is short
    if upto <= length:
        assert all(pages) and log.reads == len(pages)  # no lookups when nothing is missing
    else:
        assert log.reads <= len(pages) + 1


@given(present=st.lists(st.one_of(st.integers(1, 50), st.integers(10**12, 10**12 + 50)),
                        max_size=80),
       size=st.integers(1, 20))
def test_a_gap_even_a_vast_one_is_skipped_in_one_step(present, size):
    """A damaged log (verify must walk it to say so): every row present is read, and a gap
    costs one lookup, not a read per window of it."""
    # A window per row at worst, and per gap (one before each row, at most) a short
    # window and a lookup.
    log = Log(present, most=3 * len(set(present)) + 2)
    upto = log.present[-1] if log.present else 0
    rows = [p for page in paged(log.fetch, log.first_after, 0, upto, size) for p in page]
    assert rows == log.present


def test_a_page_holds_at_least_one_position():
    with pytest.raises(ValueError):
        list(paged(Log([1]).fetch, Log([1]).first_after, 0, 1, 0))
