"""Event ids: time-ordered UUIDs (UUIDv7, RFC 9562), since Python 3.11 has no uuid.uuid7.

Why time-ordered: `events.event_id` carries a unique index, and every append inserts into
it. A random id (uuid4) lands on a random page of that index, so once the log outgrows
the cache each append reads and dirties a page no other recent append touched. An id
that starts with the time lands at the index's right edge, next to the previous append's,
so the same few pages stay hot. Ids stay opaque and unguessable where it matters: 74 of
the 128 bits are random (os.urandom). Ids made within one millisecond are not ordered
among themselves; nothing relies on the order of ids (the log's order is `position`).

Layout (most significant first): 48 bits Unix time in milliseconds, 4 bits version (7),
12 random bits, 2 bits variant (0b10), 62 random bits.
"""
from __future__ import annotations

import os
from time import time_ns

_RAND_A_BITS = 12
_RAND_B_BITS = 62
_MILLIS_MASK = (1 << 48) - 1


def new_event_id() -> str:
    """A new UUIDv7, in the canonical form: 36 lowercase hex digits and hyphens."""
    millis = (time_ns() // 1_000_000) & _MILLIS_MASK
    random_bits = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them used
    rand_a = (random_bits >> _RAND_B_BITS) & ((1 << _RAND_A_BITS) - 1)
    rand_b = random_bits & ((1 << _RAND_B_BITS) - 1)
    return _canonical((millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


def new_correlation_id() -> str:
    """A new random UUID (version 4), as str(uuid.uuid4()) writes it."""
    value = int.from_bytes(os.urandom(16), "big")
    value &= ~(0xF000 << 64 | 0xC000 << 48)  # clear the version and variant bits
    return _canonical(value | 0x4000 << 64 | 0x8000 << 48)


def _canonical(value: int) -> str:
    """str(uuid.UUID(int=value)) without making a UUID: every append makes two ids."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
