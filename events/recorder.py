"""The recorder: the one piece that knows how rows are kept (SQL, or a list in memory).

The store (events/store.py) holds every rule of the log — idempotency, decisions inside
the serialised section, hashes, the sealed head — and asks a recorder only for rows.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Iterator, NamedTuple, Protocol


class StoredRow(NamedTuple):
    """A row of the events table, exactly as stored (personal fields as ciphertext).

    A named tuple for the speed of making one per row read (see journey.records.Recorded).
    """

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    meta: dict[str, Any]
    occurred_at: int  # microseconds since the epoch, UTC
    recorded_at: int
    idempotency_scope: str | None
    hash: str
    # `data` and `meta` as canonical JSON text, when the store has already encoded them
    # (for the hash): the recorder writes these instead of encoding the objects again.
    data_json: str | None = None
    meta_json: str | None = None

    @property
    def actor(self) -> str:
        return self.meta.get("actor", "")


class HeadMismatch(Exception):
    """The stored head is not the one the store vouches for: sealed with other keys, or
    rows or the head changed outside Journey. Appending would re-seal over it."""


@dataclass(frozen=True, slots=True)
class Head:
    """The sealed head: the last position and hash the log vouches for."""

    position: int
    hash: str
    seal: str


class Transaction(Protocol):
    """What the store may do inside the serialised section."""

    def rows_after(self, position: int) -> Iterator[StoredRow]: ...
    def row_at(self, position: int) -> StoredRow | None: ...
    def rows_from_scope(self, scope: str) -> list[StoredRow]: ...
    def scopes_present(self, scopes: list[str]) -> set[str]: ...
    def insert(self, rows: list[StoredRow]) -> None: ...
    def write_head(self, head: Head, was: Head | None) -> None:
        """Move the head to `head` from `was` (None: the log had no head): HeadMismatch,
        and nothing written, when the head stored is not `was`."""
    def get_wrapped(self, member_id: str) -> bytes | None: ...
    def put_wrapped(self, member_id: str, wrapped: bytes) -> None: ...
    def delete(self, member_id: str) -> None: ...


class Recorder(Protocol):
    """Rows in, rows out; one serialised writer at a time across every process."""

    def serialised(self) -> AbstractContextManager[Transaction]:
        """The append section: exclusive across processes, committed on exit."""
        ...

    def read(self, after: int = 0, upto: int | None = None,
             batch: int = 1000) -> Iterator[StoredRow]:
        """Rows with after < position ≤ upto, in position order, paged by position."""
        ...

    def row_at(self, position: int) -> StoredRow | None: ...
    def rows_at(self, positions: Iterable[int],
                types: Collection[str] | None = None) -> list[StoredRow]:
        """The rows at `positions` (each once, in position order; missing ones left out),
        only those of `types` when given."""
        ...
    def head(self) -> Head | None: ...
    def last_position(self) -> int: ...
    def position_at(self, recorded_at: int) -> int:
        """The last position recorded at or before `recorded_at` (0 when none)."""
        ...
    def get_wrapped(self, member_id: str) -> bytes | None: ...
    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        """The wrapped keys of those members that have one, in one lookup a page."""
        ...
    def positions_of_scopes(self, scopes: list[str]) -> dict[str, int]:
        """The position of the first event of each idempotency scope that is in the log."""
        ...
    def analyse(self, added: int, total: int) -> None:
        """After `added` rows were appended in bulk (`total` now): let the database's
        planner know the log's new size, when that is worth it. Never raises."""
        ...
    def scrub(self) -> None:
        """Make deleted bytes unrecoverable (WAL checkpoint, VACUUM) after an erasure."""
        ...
    def is_transient(self, error: BaseException) -> bool:
        """True for lock and serialisation errors worth retrying."""
        ...
