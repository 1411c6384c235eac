"""PortfolioCache keeps nothing a fold began to make before the cache was emptied."""
from __future__ import annotations

from projections.views import PortfolioCache, _Folded, _Read

KEY = ("ivan", "mila")


def folded(position: int) -> _Folded:
    return _Folded(position, ("member:ivan",), "2024-Q1", {"timeline": []}, 3)


def read(position: int) -> _Read:
    return _Read(position, frozenset({"member:ivan"}), {position: object()})


def test_a_fold_that_began_before_an_erasure_keeps_nothing():
    cache = PortfolioCache()
    began = cache.erasures(frozenset())
    cache.clear()  # an erasure, while the fold ran

    cache.put((*KEY, None), folded(5), began)
    cache.keep(KEY, read(5), began)

    assert cache.get((*KEY, None)) is None
    assert cache.basis(KEY, 5) is None


def test_an_erasure_seen_in_the_index_empties_it_and_later_folds_are_kept():
    cache = PortfolioCache()
    first = cache.erasures(frozenset())
    cache.put((*KEY, None), folded(5), first)
    cache.keep(KEY, read(5), first)
    assert cache.get((*KEY, None)) is not None and cache.basis(KEY, 7) is not None

    later = cache.erasures(frozenset({"mila"}))

    assert later != first
    assert cache.get((*KEY, None)) is None and cache.basis(KEY, 7) is None
    cache.keep(KEY, read(8), later)
    assert cache.basis(KEY, 9).position == 8
    assert cache.basis(KEY, 7) is None  # read further on than the cut asked for


def test_the_kept_records_stay_within_their_budget():
    cache = PortfolioCache(read_budget=2)
    generation = cache.erasures(frozenset())
    cache.keep(("ana", None), read(1), generation)
    cache.keep(("ivan", None), read(2), generation)
    cache.keep(("mila", None), read(3), generation)  # the least recently used goes

    assert cache.basis(("ana", None), 9) is None
    assert cache.basis(("ivan", None), 9) is not None and cache.basis(("mila", None), 9)
