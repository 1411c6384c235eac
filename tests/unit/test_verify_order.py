"""`journey verify` refuses a chain whose recorded_at goes back: the as-of cut relies on it."""
from __future__ import annotations

import pytest

from events.codec import GENESIS_HASH
from events.recorder import StoredRow
from events.verify import _Broken, _Walk, row_hash


def chain(recorded: list[int]) -> list[StoredRow]:
    """Rows with valid hashes (as the store would have made them) recorded at `recorded`."""
    rows, previous = [], GENESIS_HASH
    for position, at in enumerate(recorded, start=1):
        draft = StoredRow(position, f"e-{position}", "s", position, "NetworkCreated", 1,
                          {"network_id": f"n-{position}"}, {"actor": "admin"}, at, at, None, "")
        digest = row_hash(previous, draft)
        rows.append(draft._replace(hash=digest))
        previous = digest
    return rows


def test_equal_and_later_times_walk_through() -> None:
    assert _Walk(None).over(chain([10, 10, 20, 20, 30])) == 5


def test_a_row_recorded_before_the_one_before_it_is_named() -> None:
    with pytest.raises(_Broken) as broken:
        _Walk(None).over(chain([10, 20, 15, 30]))
    assert broken.value.position == 3
    assert "recorded_at" in broken.value.problem
