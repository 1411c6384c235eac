"""The append path's shortcuts give exactly what the long way gives.

- load_event's quick load (events/schemas.py) returns what the marshmallow schema returns,
  and leaves every refusal (and its messages) to the schema;
- codec.row_hash, written from data and meta already canonical, is codec.chain_hash;
- codec.canonical_json, its encoder built once, writes what json.dumps writes;
- clock.format_time, by isoformat, writes what strftime writes.
"""
from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from marshmallow import ValidationError

from events.codec import canonical_json, chain_hash, hashed_row, row_hash
from events.schemas import SCHEMAS, SchemaInvalid, _loaded, flatten_messages
from journey.clock import (
    EARLIEST_YEAR, format_micros, format_time, from_micros, parse_time, to_micros,
)

from tests.unit.test_schemas import EXAMPLES

# Values that are nearly right, or right in another shape.
ODD_VALUES = [None, "", " ", "x" * 161, "a b", "a\u00a0b", "a\x00b", "\ud800", "ok", "é",
              "  text  ", "x" * 20_001, 0, 1, -1, True, False, 2**63, 1.5, [], ["a"], ["a", 1],
              [None], ["a b"], ("a",), {"a": 1}, b"bytes", "2024-02-30", "2024-03-05",
              "2024-03-05T14:00:00+02:00", "https://example.org/x", "javascript:alert(1)",
              "ana@example.org", "a" * 64, "A" * 64, "lesson_plan", "meeting", "private"]


class StrSub(str):
    pass


def _variants(data: dict, rng: random.Random) -> list[dict]:
    out = [data, {}, {**data, "unknown": 1}]
    for name in data:
        without = dict(data)
        del without[name]
        out.append(without)
        for value in ODD_VALUES + [StrSub(data[name]) if isinstance(data[name], str) else None]:
            out.append({**data, name: copy.deepcopy(value)})
    for _ in range(40):
        changed = dict(data)
        for name in rng.sample(list(data), k=min(2, len(data))):
            changed[name] = copy.deepcopy(rng.choice(ODD_VALUES))
        out.append(changed)
    return out


def _long_way(schema, data):
    try:
        return "ok", schema.load(data)
    except ValidationError as exc:
        return "invalid", flatten_messages(exc.messages)


def _short_way(schema, data):
    try:
        return "ok", _loaded(schema, data)
    except SchemaInvalid as exc:
        return "invalid", exc.fields


@pytest.mark.parametrize("key", sorted(SCHEMAS))
def test_quick_load_gives_what_the_schema_gives(key):
    type_name, _ = key
    schema = SCHEMAS[key]
    rng = random.Random(hash(key) & 0xFFFF)
    base = dict(EXAMPLES[type_name])
    if key == ("SessionLed", 1):
        base = {**{k: v for k, v in base.items() if k != "leaders"}, "leader": "ana"}
    for data in _variants(base, rng):
        long_kind, long_value = _long_way(schema, copy.deepcopy(data))
        short_kind, short_value = _short_way(schema, copy.deepcopy(data))
        assert (short_kind, short_value) == (long_kind, long_value), data
        if long_kind == "ok":
            assert [type(v) for v in short_value.values()] == \
                [type(v) for v in long_value.values()]


def test_row_hash_is_the_chain_hash_of_the_hashed_row():
    rng = random.Random(7)
    for n in range(300):
        data = {"text": rng.choice(["é ✓", "a\"b\\c", "\u2028", "plain"]),
                "n": rng.randint(0, 10), "list": ["b", "a"], "nested": {"z": 1, "a": [{"y": 2}]}}
        meta = {"actor": "m-1", "correlation_id": str(uuid.uuid4()), "client": "ünï"}
        occurred, recorded = rng.randint(0, 2**50), rng.randint(0, 2**50)
        expected = chain_hash("f" * 64, hashed_row(
            position=n + 1, event_id="e-1", stream="community-é", version=n, type="T",
            schema_version=2, occurred_at=format_time(from_micros(occurred)),
            recorded_at=format_time(from_micros(recorded)), meta=meta, data=data))
        assert row_hash("f" * 64, position=n + 1, event_id="e-1", stream="community-é",
                        version=n, type="T", schema_version=2,
                        occurred_at=format_micros(occurred), recorded_at=format_micros(recorded),
                        meta_json=canonical_json(meta), data_json=canonical_json(data)) == expected


def test_canonical_encoder_writes_what_json_dumps_writes():
    for value in [{"b": [1.5, float("inf"), None, True], "a": "é\x00"}, [], {}, "x", 3]:
        assert canonical_json(value) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                                   ensure_ascii=False)


def test_command_digest_is_the_request_digest_of_the_body():
    from datetime import datetime, timezone

    from events.codec import request_digest
    from events.schemas import load_event
    from events.store import command_digest
    from journey.records import HandOverFacilitation, RecordEvent

    at = datetime(2024, 3, 5, 14, 0, 0, 12, tzinfo=timezone.utc)
    for type_name, data in EXAMPLES.items():
        event = load_event(type_name, data)
        command = RecordEvent(event, "ana", at)
        expected = request_digest({"type": type_name, "data": event.to_data(),
                                   "occurred_at": "2024-03-05T14:00:00.000012Z"})
        assert command_digest(command) == expected
        assert command_digest(command, canonical_json(event.to_data())) == expected
    hand_over = HandOverFacilitation("c-1", "ana", "ivan", "ana", at)
    assert command_digest(hand_over) == request_digest(
        {"type": "HandOverFacilitation", "community_id": "c-1", "from": "ana", "to": "ivan",
         "occurred_at": "2024-03-05T14:00:00.000012Z"})


# From 1000 on (format_time spells earlier years with strftime itself).
@given(st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 31, 23, 59, 59,
                                                                     999_999),
                    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5)),
                                               timezone(timedelta(hours=-3, minutes=-30))])))
def test_format_time_writes_what_strftime_writes(moment):
    utc = moment.astimezone(timezone.utc)
    fraction = ".%f" if utc.microsecond else ""
    expected = utc.strftime(f"%Y-%m-%dT%H:%M:%S{fraction}Z")
    assert format_time(moment) == expected
    assert format_micros(to_micros(moment)) == expected


# Every moment the log accepts reads back as written: an export's times import again.
@given(st.datetimes(min_value=datetime(EARLIEST_YEAR, 1, 1),
                    max_value=datetime(9999, 12, 31, 23, 59, 59, 999_999),
                    timezones=st.just(timezone.utc)))
@example(datetime(EARLIEST_YEAR, 1, 1, tzinfo=timezone.utc))
@example(datetime(EARLIEST_YEAR, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc))
def test_every_moment_the_log_accepts_parses_back_from_its_spelling(moment):
    assert parse_time(format_time(moment)) == moment
    assert parse_time(format_micros(to_micros(moment))) == moment
