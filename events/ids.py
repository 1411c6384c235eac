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

_MILLIS_MASK = (1 << 48) - 1
#: A random hex digit made the variant digit 0b10xx (8, 9, a or b): its two low bits kept.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


# Both are written as hex strings from os.urandom's bytes, not built as 128-bit integers
# and formatted: every append makes two ids, and the arithmetic cost twice the randomness.

def new_event_id() -> str:
    """A new UUIDv7, in the canonical form: 36 lowercase hex digits and hyphens."""
    millis = f"{(time_ns() // 1_000_000) & _MILLIS_MASK:012x}"
    # 19 random hex digits: 3 of rand_a, the variant digit's 2 bits, 15 more of rand_b.
    r = os.urandom(10).hex()
    return f"{millis[:8]}-{millis[8:]}-7{r[:3]}-{_VARIANT[r[3]]}{r[4:7]}-{r[7:19]}"


def new_correlation_id() -> str:
    """A new random UUID (version 4), as str(uuid.uuid4()) writes it."""
    r = os.urandom(16).hex()
    return f"{r[:8]}-{r[8:12]}-4{r[13:16]}-{_VARIANT[r[16]]}{r[17:20]}-{r[20:]}"
