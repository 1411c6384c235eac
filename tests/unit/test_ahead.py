"""Work done ahead in another process: in order, bounded, and a clear error if it dies."""
from __future__ import annotations

import os

import pytest

from events.ahead import ReaderDied, in_order_ahead


def doubled(chunk: list[int]) -> list[int]:
    return [2 * n for n in chunk]


def dies(chunk: list[int]) -> list[int]:
    if 3 in chunk:
        os._exit(9)  # as if killed: no exception crosses back
    return chunk


def test_results_come_in_the_order_of_the_items() -> None:
    chunks = [[n, n + 1] for n in range(0, 40, 2)]
    assert list(in_order_ahead(doubled, chunks, window=3)) == [doubled(c) for c in chunks]


def test_it_never_reads_more_than_its_window_ahead() -> None:
    pulled = []

    def items():
        for n in range(100):
            pulled.append(n)
            yield [n]

    results = in_order_ahead(doubled, items(), window=4)
    assert next(results) == [0]
    assert len(pulled) <= 5  # the window, and the item waiting for a free place
    results.close()


def test_a_process_that_dies_is_told_not_hidden() -> None:
    with pytest.raises(ReaderDied, match="stopped before its work was done"):
        list(in_order_ahead(dies, [[1], [2], [3], [4]], window=2))
