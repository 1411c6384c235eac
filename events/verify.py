"""Tamper evidence, checked: walk the hash chain and the sealed head (DESIGN "Tamper evidence").

`verify_log` reads the rows in position order, a page at a time, recomputes every hash
from the row as stored, and then checks the head: its seal (which only the instance's
seal.key can make) and that it names the last row. The first thing found wrong is reported
with the first position it affects, so a changed, deleted, reordered or cut-off row is
named where it happened.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from events.codec import GENESIS_HASH, chain_hash, hashed_row
from events.instance import InstanceKeys
from events.recorder import Head, Recorder, StoredRow
from journey.clock import format_time, from_micros


@dataclass(frozen=True)
class VerifyReport:
    """What a walk of the log found: OK with n events and the head, or the first break."""

    ok: bool
    events: int
    head_hash: str
    first_broken: int | None = None
    problem: str | None = None

    def line(self) -> str:
        """`OK n events, head <hash>`, or `BROKEN at position N: <problem>`."""
        if self.ok:
            return f"OK {self.events} events, head {self.head_hash}"
        if self.first_broken is not None:
            return f"BROKEN at position {self.first_broken}: {self.problem}"
        return f"BROKEN: {self.problem}"

    def to_json(self) -> dict[str, Any]:
        """The report as `journey verify --json` prints it."""
        return {"ok": self.ok, "events": self.events, "head": self.head_hash,
                "first_broken": self.first_broken, "problem": self.problem,
                "line": self.line()}


def row_hash(prev_hash: str, row: StoredRow) -> str:
    """The hash a stored row must carry after `prev_hash`, computed as the store computes it."""
    return chain_hash(prev_hash, hashed_row(
        position=row.position, event_id=row.event_id, stream=row.stream, version=row.version,
        type=row.type, schema_version=row.schema_version,
        occurred_at=format_time(from_micros(row.occurred_at)),
        recorded_at=format_time(from_micros(row.recorded_at)), meta=row.meta, data=row.data))


PROGRESS_EVERY = 1000  # rows between two calls of a progress callback


class _Broken(Exception):
    def __init__(self, position: int | None, problem: str) -> None:
        super().__init__(problem)
        self.position = position
        self.problem = problem


class _Walk:
    """The chain checked so far: the last good position and hash."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.position = 0
        self.hash = GENESIS_HASH
        self.recorded_at = 0
        self.progress = progress

    def over(self, rows: Iterable[StoredRow]) -> int:
        """Check rows that follow the last good one; returns how many were checked."""
        count = unreported = 0
        for row in rows:
            expected = self.position + 1
            if row.position != expected:
                raise _Broken(expected, f"position {expected} is missing")
            if row_hash(self.hash, row) != row.hash:
                raise _Broken(row.position, "hash does not match its row")
            if row.recorded_at < self.recorded_at:
                # The store never records back in time; the as-of cut's search relies on it.
                raise _Broken(row.position, "recorded_at is earlier than the row before")
            self.position, self.hash, self.recorded_at = row.position, row.hash, row.recorded_at
            count += 1
            unreported += 1
            if self.progress is not None and unreported == PROGRESS_EVERY:
                self.progress(unreported)
                unreported = 0
        if self.progress is not None and unreported:
            self.progress(unreported)
        return count


def verify_log(recorder: Recorder, instance: InstanceKeys, *,
               progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Walk the whole log and its sealed head; `progress(n)` is told of every n rows checked."""
    walk = _Walk(progress)
    try:
        walk.over(recorder.read(after=0))
        head = recorder.head()
        # Rows appended while we walked: the head moved on with them, so walk on to it.
        while head is not None and head.position > walk.position:
            if not walk.over(recorder.read(after=walk.position, upto=head.position)):
                break
            head = recorder.head()
        _check_head(walk, head, instance)
    except _Broken as broken:
        return VerifyReport(False, walk.position, walk.hash, broken.position, broken.problem)
    return VerifyReport(True, walk.position, walk.hash)


def _check_head(walk: _Walk, head: Head | None, instance: InstanceKeys) -> None:
    if head is None:
        if walk.position:
            raise _Broken(None, f"the log holds {walk.position} events but has no head")
        return
    if not instance.check_seal(head.position, head.hash, head.seal):
        raise _Broken(None, "head seal does not match (head altered without the instance keys)")
    if head.position > walk.position:
        raise _Broken(walk.position + 1,
                      f"log ends at {walk.position}, head says {head.position}")
    if head.position < walk.position:
        raise _Broken(head.position + 1,
                      f"log goes on to {walk.position}, head says {head.position}")
    if head.hash != walk.hash:
        raise _Broken(head.position, "head hash does not match the last row")


def sign_head(instance: InstanceKeys, position: int, hash: str) -> dict[str, Any]:
    """A head anyone can check offline: Ed25519 over `position:hash` with signing.key."""
    return {"position": position, "hash": hash,
            "signature": instance.sign(f"{position}:{hash}".encode("ascii")),
            "public_key": instance.public_key_pem()}


def signed_head(instance: InstanceKeys, report: VerifyReport) -> dict[str, Any]:
    """The head a clean verify report vouches for, signed (for reports and exports)."""
    if not report.ok:
        raise ValueError(f"a broken log has no head to vouch for: {report.line()}")
    return sign_head(instance, report.events, report.head_hash)


def check_signed_head(signed: dict[str, Any]) -> bool:
    """Whether a signed head's signature matches its position, hash and public key."""
    try:
        key = load_pem_public_key(signed["public_key"].encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            return False
        key.verify(base64.b64decode(signed["signature"], validate=True),
                   f"{signed['position']}:{signed['hash']}".encode("ascii"))
    except (InvalidSignature, ValueError, KeyError, TypeError, binascii.Error,
            UnicodeEncodeError):
        return False
    return True
