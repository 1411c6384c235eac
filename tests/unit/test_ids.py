"""Event ids are UUIDv7 (RFC 9562): time-ordered, with the version and variant bits set."""
from __future__ import annotations

import re
import uuid

import events.ids as ids
from events.ids import new_event_id

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_an_id_is_a_canonical_version_7_rfc_uuid():
    event_id = new_event_id()

    assert len(event_id) == 36
    assert CANONICAL.match(event_id)
    parsed = uuid.UUID(event_id)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == event_id


def test_an_id_starts_with_the_unix_milliseconds(monkeypatch):
    monkeypatch.setattr(ids, "time_ns", lambda: 1_764_913_943_123_456_789)

    event_id = new_event_id()

    assert uuid.UUID(event_id).int >> 80 == 1_764_913_943_123
    assert event_id.startswith("019aed11-9253-7")  # 1_764_913_943_123 == 0x019aed119253


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones(monkeypatch):
    made = []
    for millis in range(1_764_913_943_000, 1_764_913_943_000 + 300):
        monkeypatch.setattr(ids, "time_ns", lambda millis=millis: millis * 1_000_000 + 999_999)
        made.append(new_event_id())
        made.append(new_event_id())

    by_millisecond = [made[i:i + 2] for i in range(0, len(made), 2)]
    for earlier, later in zip(by_millisecond, by_millisecond[1:]):
        assert max(earlier) < min(later)  # as strings, the way the index orders them
        assert max(uuid.UUID(e).int for e in earlier) < min(uuid.UUID(l).int for l in later)


def test_the_random_bits_vary_within_one_millisecond(monkeypatch):
    monkeypatch.setattr(ids, "time_ns", lambda: 1_764_913_943_000_000_000)

    made = {new_event_id() for _ in range(1000)}

    assert len(made) == 1000


def test_ten_thousand_ids_are_unique():
    made = [new_event_id() for _ in range(10_000)]

    assert len(set(made)) == 10_000
    assert all(uuid.UUID(event_id).version == 7 for event_id in made)


def test_a_correlation_id_is_a_canonical_version_4_rfc_uuid():
    made = {ids.new_correlation_id() for _ in range(1000)}

    assert len(made) == 1000
    for correlation_id in made:
        parsed = uuid.UUID(correlation_id)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == correlation_id
    # Every one of the 122 random bits varies.
    values = [uuid.UUID(c).int for c in made]
    random_mask = ~(0xF000 << 64 | 0xC000 << 48) & ((1 << 128) - 1)
    ones = zeros = 0
    for value in values:
        ones |= value
        zeros |= ~value
    assert ones & random_mask == random_mask and zeros & random_mask == random_mask


def test_every_one_of_an_event_id_s_74_random_bits_varies(monkeypatch):
    monkeypatch.setattr(ids, "time_ns", lambda: 1_764_913_943_000_000_000)
    values = [uuid.UUID(new_event_id()).int for _ in range(1000)]
    rand_a = ((1 << 12) - 1) << 64
    rand_b = (1 << 62) - 1
    random_mask = rand_a | rand_b
    assert bin(random_mask).count("1") == 74
    ones = zeros = 0
    for value in values:
        ones |= value
        zeros |= ~value
    assert ones & random_mask == random_mask and zeros & random_mask == random_mask
    # The rest (time, version, variant) is the same in every one.
    assert len({value & ~random_mask for value in values}) == 1
