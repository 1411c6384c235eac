"""Pages of a portfolio's timeline (timeline_page), on plain lists of entries."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.portfolio.timeline import neighbours, timeline_page


def _view(total: int) -> dict:
    # Positions are not the entries' indexes: entries are in time order, not log order.
    return {"timeline": [{"position": 1000 - 7 * i} for i in range(total)], "member": "ana"}


def test_without_an_offset_the_page_is_the_latest_entries() -> None:
    view = _view(25)

    page = timeline_page(view, 10)

    assert page["timeline"] == view["timeline"][15:]
    assert page["timeline_page"] == {"total": 25, "offset": 15, "limit": 10, "count": 10}
    assert page["member"] == "ana" and len(view["timeline"]) == 25  # the view is not changed


def test_an_offset_counts_from_the_oldest_entry() -> None:
    view = _view(25)

    assert timeline_page(view, 10, 0)["timeline"] == view["timeline"][:10]
    assert timeline_page(view, 10, 20)["timeline_page"]["count"] == 5
    assert timeline_page(view, 10, 99)["timeline_page"] == {
        "total": 25, "offset": 25, "limit": 10, "count": 0}


def test_around_picks_the_page_counted_back_from_the_latest_that_holds_the_entry() -> None:
    view = _view(25)
    oldest, middle, latest = (view["timeline"][i]["position"] for i in (0, 12, 24))

    assert timeline_page(view, 10, around=latest)["timeline_page"]["offset"] == 15
    assert timeline_page(view, 10, around=middle)["timeline_page"]["offset"] == 5
    # The oldest page starts at the first entry, and is full like the others.
    assert timeline_page(view, 10, around=oldest)["timeline_page"]["offset"] == 0
    assert timeline_page(view, 10, around=oldest)["timeline_page"]["count"] == 10


def test_around_an_entry_not_in_the_timeline_gives_the_offsets_page() -> None:
    view = _view(25)

    assert timeline_page(view, 10, around=1)["timeline_page"]["offset"] == 15
    assert timeline_page(view, 10, 3, around=1)["timeline_page"]["offset"] == 3


@given(total=st.integers(1, 300), limit=st.integers(1, 50), data=st.data())
def test_the_page_around_an_entry_holds_it_and_is_one_of_the_pages_back_from_the_latest(
        total: int, limit: int, data: st.DataObject) -> None:
    view = _view(total)
    index = data.draw(st.integers(0, total - 1))

    page = timeline_page(view, limit, around=view["timeline"][index]["position"])
    start = page["timeline_page"]["offset"]

    assert view["timeline"][index] in page["timeline"]
    # Stepping back a page at a time from the latest page reaches this one.
    assert start == 0 or (total - start) % limit == 0
    assert page["timeline"] == view["timeline"][start:start + limit]


@given(total=st.integers(1, 300), limit=st.integers(1, 50))
def test_earlier_and_later_walk_the_same_pages_both_ways_and_cover_the_timeline(
        total: int, limit: int) -> None:
    view = _view(total)
    page = timeline_page(view, limit)["timeline_page"]
    back, seen = [page["offset"]], set()
    while True:  # from the latest page back to the oldest
        seen.update(range(page["offset"], page["offset"] + page["count"]))
        earlier, _later = neighbours(page)
        if earlier is None:
            break
        assert earlier < back[-1]
        page = timeline_page(view, limit, earlier)["timeline_page"]
        back.append(earlier)
    assert back[-1] == 0 and seen == set(range(total))
    forth = [0]
    while (later := neighbours(page)[1]) is not None:  # and forward to the latest again
        forth.append(later)
        page = timeline_page(view, limit, later)["timeline_page"]
    assert forth == back[::-1]


def test_an_offset_off_the_pages_steps_onto_them() -> None:
    page = timeline_page(_view(10), 4, 3)["timeline_page"]  # [3, 7): not a page of its own
    assert neighbours(page) == (2, 6)  # the pages [2, 6) and [6, 10)
    assert neighbours(timeline_page(_view(10), 4, 99)["timeline_page"]) == (6, None)
