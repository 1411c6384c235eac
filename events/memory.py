"""The in-memory recorder: the same contract as SQL, for unit tests and dry runs."""
from __future__ import annotations

import bisect
import copy
import threading
from contextlib import contextmanager
from typing import Collection, Iterable, Iterator

from events.recorder import Head, HeadMismatch, StoredRow


class _MemoryTransaction:
    """Changes staged in the append section, applied to the recorder only on commit."""

    def __init__(self, recorder: "MemoryRecorder") -> None:
        self.recorder = recorder
        self.rows: list[StoredRow] = []
        self.head: Head | None = None
        self.keys: dict[str, bytes | None] = {}

    def _all(self) -> list[StoredRow]:
        return self.recorder.rows + self.rows

    def rows_after(self, position: int) -> Iterator[StoredRow]:
        return iter(self._all()[position:])

    def row_at(self, position: int) -> StoredRow | None:
        rows = self._all()
        return rows[position - 1] if 0 < position <= len(rows) else None

    def rows_from_scope(self, scope: str) -> list[StoredRow]:
        first = self.recorder.scopes.get(scope)
        if first is None:
            first = next((r.position for r in self.rows if r.idempotency_scope == scope), None)
        if first is None:
            return []
        everything = self._all()
        rows = [everything[first - 1]]
        for row in everything[first:]:
            head = rows[0]
            if (row.idempotency_scope is not None or row.actor != head.actor
                    or row.meta.get("idempotency_key") != head.meta.get("idempotency_key")
                    or row.meta.get("correlation_id") != head.meta.get("correlation_id")):
                break
            rows.append(row)
        return rows

    def scopes_present(self, scopes: list[str]) -> set[str]:
        staged = {r.idempotency_scope for r in self.rows}
        return {s for s in scopes if s in self.recorder.scopes or s in staged}

    def insert(self, rows: list[StoredRow]) -> None:
        self.rows.extend(rows)

    def write_head(self, head: Head, was: Head | None) -> None:
        stored = self.head if self.head is not None else self.recorder.head()
        if stored != was:
            raise HeadMismatch(f"the head is {stored}, not {was}")
        self.head = head

    def get_wrapped(self, member_id: str) -> bytes | None:
        if member_id in self.keys:
            return self.keys[member_id]
        return self.recorder.keys.get(member_id)

    def put_wrapped(self, member_id: str, wrapped: bytes) -> None:
        self.keys[member_id] = wrapped

    def delete(self, member_id: str) -> None:
        self.keys[member_id] = None


class MemoryRecorder:
    """Rows in a Python list; positions are list indexes + 1."""

    def __init__(self) -> None:
        self.rows: list[StoredRow] = []
        self.scopes: dict[str, int] = {}
        self.keys: dict[str, bytes] = {}
        self._head: Head | None = None
        self._lock = threading.Lock()

    @contextmanager
    def serialised(self) -> Iterator[_MemoryTransaction]:
        with self._lock:
            tx = _MemoryTransaction(self)
            yield tx
            for row in tx.rows:
                if row.position != len(self.rows) + 1:
                    raise RuntimeError("positions must be gapless")
                if row.idempotency_scope is not None:
                    if row.idempotency_scope in self.scopes:
                        raise RuntimeError("idempotency scope already used")
                    self.scopes[row.idempotency_scope] = row.position
                self.rows.append(copy.deepcopy(row))
            for member_id, wrapped in tx.keys.items():
                if wrapped is None:
                    self.keys.pop(member_id, None)
                else:
                    self.keys[member_id] = wrapped
            if tx.head is not None:
                self._head = tx.head

    def read(self, after: int = 0, upto: int | None = None,
             batch: int = 1000) -> Iterator[StoredRow]:
        end = len(self.rows) if upto is None else min(upto, len(self.rows))
        for index in range(after, end):
            yield self.rows[index]

    def row_at(self, position: int) -> StoredRow | None:
        if 0 < position <= len(self.rows):
            return self.rows[position - 1]
        return None

    def rows_at(self, positions: Iterable[int],
                types: Collection[str] | None = None) -> list[StoredRow]:
        return [self.rows[p - 1] for p in sorted(set(positions)) if 0 < p <= len(self.rows)
                and (types is None or self.rows[p - 1].type in types)]

    def head(self) -> Head | None:
        return self._head

    def last_position(self) -> int:
        return len(self.rows)

    def position_at(self, recorded_at: int) -> int:
        return bisect.bisect_right([r.recorded_at for r in self.rows], recorded_at)

    def get_wrapped(self, member_id: str) -> bytes | None:
        return self.keys.get(member_id)

    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        return {m: self.keys[m] for m in member_ids if m in self.keys}

    def positions_of_scopes(self, scopes: list[str]) -> dict[str, int]:
        """The position of each idempotency scope already in the log."""
        return {scope: self.scopes[scope] for scope in scopes if scope in self.scopes}

    def analyse(self, added: int, total: int) -> None:
        """A Python list has no planner."""

    def scrub(self) -> None:
        """Nothing lingers in a Python list once the key is dropped."""

    def is_transient(self, error: BaseException) -> bool:
        return False
