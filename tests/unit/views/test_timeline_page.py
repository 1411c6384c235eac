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
    # The oldest page starts at the first entry; as the API asks (offset and limit) it is
    # full, as the pages ask (partition) it ends where the next page starts.
    assert timeline_page(view, 10, around=oldest)["timeline_page"]["offset"] == 0
    assert timeline_page(view, 10, around=oldest)["timeline_page"]["count"] == 10
    assert timeline_page(view, 10, around=oldest, partition=True)["timeline"] == \
        view["timeline"][:5]


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


def _walk(view: dict, limit: int, offset: int | None) -> tuple[list[dict], list[dict]]:
    """The pages met walking Earlier from the page at `offset` to the oldest, and Later
    from there to the latest, as the portfolio page's links go."""
    page = timeline_page(view, limit, offset, partition=True)["timeline_page"]
    back = [page]
    while (earlier := neighbours(page)[0]) is not None:
        assert earlier < page["offset"]
        page = timeline_page(view, limit, earlier, partition=True)["timeline_page"]
        back.append(page)
    forth = [page]
    while (later := neighbours(page)[1]) is not None:
        assert later > page["offset"]
        page = timeline_page(view, limit, later, partition=True)["timeline_page"]
        forth.append(page)
    return back, forth


def _entries(page: dict) -> list[int]:
    return list(range(page["offset"], page["offset"] + page["count"]))


@given(total=st.integers(1, 300), limit=st.integers(1, 50), data=st.data())
def test_earlier_and_later_walk_pages_that_partition_the_timeline(
        total: int, limit: int, data: st.DataObject) -> None:
    view = _view(total)
    offset = data.draw(st.none() | st.integers(0, total - 1), label="offset")

    back, forth = _walk(view, limit, offset)

    # From the oldest page, Later shows every entry exactly once, in order.
    assert forth[0]["offset"] == 0 and forth[-1]["offset"] + forth[-1]["count"] == total
    assert [i for page in forth for i in _entries(page)] == list(range(total))
    # No page holds more than `limit`, only the oldest may hold fewer, none is empty.
    assert all(0 < page["count"] <= limit for page in forth)
    assert all(page["count"] == limit for page in forth[1:])
    if offset is None or offset == 0 or (total - offset) % limit == 0:
        # From any of the pages, Earlier walks the same pages as Later; from the latest
        # (no offset), all of them.
        assert back[::-1] == forth[:len(back)]
        assert offset is not None or len(back) == len(forth)
    else:
        # A typed offset off the pages: its page ends where a page starts, and every page
        # after its first step is one of the pages.
        assert _entries(back[0])[-1] + 1 in [p["offset"] for p in forth] + [total]
        assert back[1:][::-1] == forth[:len(back) - 1]


def test_the_oldest_page_holds_only_what_the_next_one_does_not() -> None:
    """509 entries by 100: from Entries 401..500 (offset 9), Earlier shows the 9 oldest."""
    view = _view(509)
    page = timeline_page(view, 100, 9, partition=True)["timeline_page"]
    assert neighbours(page) == (0, 109)
    oldest = timeline_page(view, 100, 0, partition=True)
    assert oldest["timeline"] == view["timeline"][:9]
    assert oldest["timeline_page"] == {"total": 509, "offset": 0, "limit": 100, "count": 9}
    assert neighbours(oldest["timeline_page"]) == (None, 9)
    # The API's offset and limit are what they say: the 100 entries from offset 0.
    assert timeline_page(view, 100, 0)["timeline_page"]["count"] == 100


def test_an_offset_off_the_pages_steps_onto_them() -> None:
    page = timeline_page(_view(10), 4, 3)["timeline_page"]  # [3, 7): not a page of its own
    assert neighbours(page) == (2, 6)  # the pages [2, 6) and [6, 10)
    page = timeline_page(_view(10), 4, 3, partition=True)["timeline_page"]  # [3, 6)
    assert page["count"] == 3 and neighbours(page) == (2, 6)
    assert neighbours(timeline_page(_view(10), 4, 99)["timeline_page"]) == (6, None)
