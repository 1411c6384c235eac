"""events/sql.py `_decode`: a column's JSON read as json.loads reads it, errors included."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from events.codec import canonical_json
from events.sql import _decode

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(JSON)
def test_what_the_log_writes_reads_back_as_json_loads_reads_it(value) -> None:
    text = canonical_json(value)
    assert _decode(text) == json.loads(text)


@given(JSON, st.sampled_from([" ", "\n", "\t ", ""]), st.sampled_from([" ", "\r\n", ""]))
def test_space_around_the_value_is_read_past_as_json_loads_does(value, before, after) -> None:
    text = before + json.dumps(value) + after
    assert _decode(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "{", '{"a": 1}x', '{"a": 1} 2', "[1,]", "nul", "  "])
def test_what_is_not_json_raises_what_json_loads_raises(text) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as raised:
        _decode(text)
    assert str(raised.value) == str(expected.value)
