"""The one CSV writer: text that starts like a spreadsheet formula is made inert, numbers
(negative ones included) and every other cell are written as they are."""
from __future__ import annotations

import csv
import io

import pytest

from projections.csv_rows import write_csv


def _written(row: list) -> list[str]:
    out = io.StringIO()
    write_csv(out, ("a",) * len(row), [row])
    return list(csv.reader(io.StringIO(out.getvalue())))[1]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(1+1)", "\tx", "\rx", "-1"])
def test_text_that_starts_like_a_formula_gets_a_quote(text: str) -> None:
    assert _written([text]) == ["'" + text]


def test_numbers_and_other_text_stay_as_they_are() -> None:
    assert _written([-1, -0.25, 0, 3, "", "a=b", "2024-01-01", "x-1", "'=quoted"]) == \
        ["-1", "-0.25", "0", "3", "", "a=b", "2024-01-01", "x-1", "'=quoted"]
