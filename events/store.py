"""The event store: the log's rules on top of a recorder.

An append is one serialised section: look up the idempotency key, catch the decision
state up with rows other processes appended, let the domain decide, give the new events
gapless positions, a monotonic recorded_at and their place in the hash chain, seal the
head, commit. Only then are the new events folded into the cached state and announced.
"""
from __future__ import annotations

import gc
import json
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, TypeVar

from blinker import Namespace

from events.codec import GENESIS_HASH, canonical_json, request_digest, request_digest_of_json
from events.codec import row_hash as chain_row_hash
from events.crypto import Cipher
from events.ids import new_correlation_id, new_event_id
from events.instance import InstanceMismatch
from events.quiet import quiet_fold
from events.recorder import Head, HeadMismatch, Recorder, StoredRow, Transaction
from events.schemas import (LATEST_VERSION, SchemaInvalid, check_event, from_stored,
                            idempotency_key_problem, meta_id_problem)
from events.snapshot import SNAPSHOT_AFTER, Snapshots
from journey import errors
from journey.clock import format_micros, format_time, from_micros, to_micros, utcnow
from journey.decide import decide
from journey.events import MemberErased
from journey.records import Command, Recorded, RecordEvent
from journey.state import DomainState

signals = Namespace()
#: Sent after every commit that appended events: sender=the store, positions=[...].
appended = signals.signal("journey.appended")
#: Sent after a member's key was deleted: sender=the store, member_id=...
erased = signals.signal("journey.erased")

T = TypeVar("T")

MAX_ATTEMPTS = 4  # the first try and up to 3 re-decisions on transient database errors
FREEZE_AFTER = 10_000  # rows folded into the decision state between two gc.freeze()
#: Rows decrypted together, their keys looked up in one query (well under the key cache).
KEYS_PAGE = 500


@dataclass(frozen=True)
class AppendResult:
    """What an acknowledged command appended (or had appended, on an idempotent replay)."""

    records: list[Recorded]
    replayed: bool = False

    @property
    def positions(self) -> list[int]:
        return [r.position for r in self.records]

    @property
    def position(self) -> int:
        return self.records[-1].position


@dataclass(frozen=True)
class BatchResult:
    """The commands of a batch that were appended, and the refusal that stopped it."""

    results: list[AppendResult]
    error: errors.Refused | None = None
    error_index: int | None = None


class _Batch:
    """The append section's transaction, also seeing the rows the batch will insert.

    Rows are inserted once, at the end of the batch (one executemany), yet a later command
    of the batch may refer to an earlier one (a retraction, evidence, a replayed key).
    """

    def __init__(self, tx: Transaction, scopes: list[str]) -> None:
        self.tx = tx
        self.rows: list[StoredRow] = []
        self._by_position: dict[int, StoredRow] = {}
        self._by_scope: dict[str, list[StoredRow]] = {}
        # One query for every key of the batch, instead of one per command.
        self._stored_scopes = tx.scopes_present(scopes) if scopes else set()

    def add(self, rows: list[StoredRow]) -> None:
        if not rows:
            return
        self.rows.extend(rows)
        for row in rows:
            self._by_position[row.position] = row
        if rows[0].idempotency_scope is not None:
            self._by_scope[rows[0].idempotency_scope] = rows

    def row_at(self, position: int) -> StoredRow | None:
        return self._by_position.get(position) or self.tx.row_at(position)

    def rows_from_scope(self, scope: str) -> list[StoredRow]:
        if scope in self._by_scope:
            return self._by_scope[scope]
        return self.tx.rows_from_scope(scope) if scope in self._stored_scopes else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)  # keys and everything else: the transaction's


@dataclass
class _Tip:
    position: int = 0
    hash: str = GENESIS_HASH


class _BoundKeys:
    """The KeyStore the cipher sees: inside an append, the append's own transaction."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self._local = threading.local()

    @property
    def tx(self) -> Transaction | None:
        # Only the thread that holds the append section uses its transaction.
        return getattr(self._local, "tx", None)

    @tx.setter
    def tx(self, value: Transaction | None) -> None:
        self._local.tx = value

    def get_wrapped(self, member_id: str) -> bytes | None:
        if self.tx is not None:
            return self.tx.get_wrapped(member_id)
        return self.recorder.get_wrapped(member_id)

    def get_wrapped_many(self, member_ids: list[str]) -> dict[str, bytes]:
        if self.tx is not None:  # inside an append: its own transaction's view, key by key
            return {m: w for m in member_ids if (w := self.tx.get_wrapped(m)) is not None}
        return self.recorder.get_wrapped_many(member_ids)

    def put_wrapped(self, member_id: str, wrapped: bytes) -> None:
        if self.tx is None:
            raise RuntimeError("keys are created only inside an append")
        self.tx.put_wrapped(member_id, wrapped)

    def delete(self, member_id: str) -> None:
        if self.tx is None:
            raise RuntimeError("keys are deleted only inside an append")
        self.tx.delete(member_id)


#: The refusal of a key sent again with a different request (DESIGN "Idempotency").
KEY_REUSED = "this idempotency key was already used for a different request"


@dataclass
class Options:
    """How a command is to be appended, beyond the command itself."""

    idempotency_key: str | None = None
    digest: str | None = None  # of the request body; computed from the command when absent
    expected_version: int | None = None
    #: If-Match: * (RFC 9110: "any current representation"): the stream has events already.
    stream_exists: bool = False
    recorded_at: datetime | None = None  # import --keep-recorded-at
    #: correlation_id, causation_id, client; form_digest (a web form's fields, kept with
    #: the key so a re-post is told from a changed one before it is judged: `replayed`).
    meta: dict[str, Any] = field(default_factory=dict)


class EventStore:
    """Append-only log with optimistic concurrency, idempotency and a sealed hash chain."""

    def __init__(self, recorder: Recorder, *, master_key: bytes,
                 seal: Callable[[int, str], str],
                 clock: Callable[[], datetime] = utcnow,
                 snapshots: Snapshots | None = None) -> None:
        self.recorder = recorder
        self.seal = seal
        self.clock = clock
        self.snapshots = snapshots
        self._snapshot_tried = False
        self._unfrozen = 0  # rows folded into the state since the last gc.freeze()
        self._keys = _BoundKeys(recorder)
        self.cipher = Cipher(master_key, self._keys)
        self.state = DomainState()
        self._tip = _Tip()
        self._lock = threading.RLock()

    # -- writing -------------------------------------------------------------------------

    def submit(self, command: Command, options: Options | None = None) -> AppendResult:
        """Decide and append a command; refusals raise errors.Refused and append nothing."""
        batch = self.submit_batch([(command, options or Options())])
        if batch.error is not None:
            raise batch.error
        return batch.results[0]

    def submit_batch(self, items: list[tuple[Command, Options]]) -> "BatchResult":
        """Decide and append commands in order in one transaction, stopping at a refusal.

        What was decided before the refused command is committed; the refusal is returned
        with its index. Imports use this to write thousands of lines per commit.
        """
        for attempt in range(MAX_ATTEMPTS):
            if not self.state.position:
                # A new process, or a state reset by a failed attempt: fold the log before
                # taking the write lock, which a fold of the whole log would otherwise hold
                # for as long (the append folds only the rest).
                self.catch_up()
            try:
                with self._lock:
                    return self._batch_once(items)
            except Exception as exc:  # noqa: BLE001 - only transient errors are retried
                if not self.recorder.is_transient(exc) or attempt == MAX_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (2 ** attempt))
        raise AssertionError("unreachable")

    def _batch_once(self, items: list[tuple[Command, Options]]) -> "BatchResult":
        results: list[AppendResult] = []
        error: errors.Refused | None = None
        caught_up: int | None = None
        batch: _Batch | None = None
        try:
            with self.recorder.serialised() as tx:
                # A key that cannot be stored is refused by its command, not looked up.
                batch = _Batch(tx, [f"{c.actor}\x1f{o.idempotency_key}" for c, o in items
                                    if o.idempotency_key is not None
                                    and idempotency_key_problem(o.idempotency_key) is None])
                self._keys.tx = batch
                behind = list(tx.rows_after(self.state.position))
                for row in behind:
                    self._fold(row, tx)
                caught_up = self.state.position
                # The head this store vouches for: it seals the next one only over it.
                tip = self._tip
                was = (Head(tip.position, tip.hash, self.seal(tip.position, tip.hash))
                       if tip.position else None)
                for command, options in items:
                    try:
                        result, rows = self._decide_one(command, options, batch)
                    except errors.Refused as refused:
                        error = refused
                        break
                    results.append(result)
                    batch.add(rows)
                if batch.rows:
                    tx.insert(batch.rows)  # one statement for the whole batch
                    last = batch.rows[-1]
                    try:
                        tx.write_head(Head(last.position, last.hash,
                                           self.seal(last.position, last.hash)), was)
                    except HeadMismatch as exc:
                        raise InstanceMismatch(
                            f"the log's head does not vouch for its last row (position "
                            f"{tip.position}) with this instance's keys ({exc}): it was sealed "
                            "with the keys of another instance directory, or rows or the head "
                            "were changed outside Journey. Nothing is appended: journey verify "
                            "says more") from None
        except BaseException:
            # The state already folded rows that were not committed: start it afresh; the
            # next append catches it up from the log.
            if caught_up is not None and self.state.position != caught_up:
                self._reset()
            # Keys created in the rolled-back transaction must not stay cached.
            self.cipher.clear_cache()
            raise
        finally:
            self._keys.tx = None
        self._grew(len(behind) + len(batch.rows))
        if batch.rows:
            if self.snapshots is not None and any(r.type == "MemberErased" for r in batch.rows):
                self.snapshots.discard_all()  # caches about everyone, the erased member too
            appended.send(self, positions=[r.position for r in batch.rows])
        return BatchResult(results, error, len(results) if error is not None else None)

    def _decide_one(self, command: Command, options: Options, tx: Transaction
                    ) -> tuple[AppendResult, list[StoredRow]]:
        scope = digest = clear_json = None
        # The clear data of the command's event, made once for the digest and the row.
        clear = command.event.to_data() if isinstance(command, RecordEvent) else None
        # Every entry path appends through here: what the schemas refuse is never stored,
        # whoever built the event (or an export would not import again). Judged before the
        # key's lookup, as the API's schemas are: a request that cannot be stored has no
        # digest to compare, and was never stored under its key.
        if clear is not None:
            try:
                check_event(command.event, clear, self._target_type(command.event, tx))
            except SchemaInvalid:
                if command.event.type == "EntryCorrected":
                    # A correction's values are judged by its target type's schema, which
                    # names that type: only someone the rules let correct the entry learns
                    # it. The rules refuse anyone else first, as for an unknown position.
                    decide(self.state, command, now=self.clock(),
                           lookup=lambda p: self._lookup(p, tx))
                raise
        for name in ("correlation_id", "causation_id"):
            value = options.meta.get(name)
            problem = meta_id_problem(value) if value is not None else None
            if problem is not None:
                raise SchemaInvalid({f"meta.{name}": [problem]})
        if options.idempotency_key is not None:
            problem = idempotency_key_problem(options.idempotency_key)
            if problem is not None:
                raise SchemaInvalid({"idempotency_key": [problem]})
            # The digest tells a replay from a reused key: only a keyed command needs it.
            digest = options.digest
            if digest is None:
                # Its canonical JSON serves the digest and, if no field is encrypted, the row.
                clear_json = canonical_json(clear) if clear is not None else None
                digest = command_digest(command, clear_json)
            scope = f"{command.actor}\x1f{options.idempotency_key}"
            earlier = tx.rows_from_scope(scope)
            if earlier:
                return self._replay(earlier, digest, tx), []
        now = self.clock()
        proposed = decide(self.state, command, now=now, lookup=lambda p: self._lookup(p, tx))
        if (options.expected_version is not None or options.stream_exists) and proposed:
            current = self.state.stream_versions.get(proposed[0].stream, 0)
            if options.stream_exists and current == 0:
                raise errors.VersionConflict(
                    f"{proposed[0].stream} has no events yet, and If-Match: * asks for a "
                    "stream that exists")
            if options.expected_version is not None and current != options.expected_version:
                raise errors.VersionConflict(
                    f"{proposed[0].stream} is at version {current}, not "
                    f"{options.expected_version}: reload and try again")
        rows = self._rows(proposed, now, scope, digest, options, tx,
                          command.event if clear is not None else None, clear, clear_json)
        for p in proposed:
            if p.event.type == "MemberErased":
                self.cipher.forget(p.event.member_id)  # in this transaction
        # The events just decided are folded as they are: decrypting and decoding the rows
        # made of them would give them back unchanged.
        records = [self._fold_new(row, p.event) for row, p in zip(rows, proposed)]
        return AppendResult(records), rows

    @staticmethod
    def _target_type(event, tx: Transaction) -> str | None:
        """The type of the event an EntryCorrected targets (None: another type, or no target)."""
        if event.type != "EntryCorrected":
            return None
        target = tx.row_at(event.position)
        return target.type if target is not None else None

    def _reset(self) -> None:
        self.state = DomainState()
        self._tip = _Tip()

    def _replay(self, earlier: list[StoredRow], digest: str, tx: Transaction) -> AppendResult:
        if earlier[0].meta.get("request_digest") != digest:
            raise errors.IdempotencyKeyReused(KEY_REUSED)
        return AppendResult([self.to_recorded(r, tx) for r in earlier], replayed=True)

    def replayed(self, actor: str, idempotency_key: str, *,
                 form_digest: str | None = None) -> AppendResult | None:
        """What `actor`'s command under `idempotency_key` appended, as a replay; None if
        the log holds no such command.

        For a caller that answers a re-sent request before judging it again: the first
        append may have changed what it would be judged against (a cancelled session is
        no longer scheduled), so only the key tells it was already done. Not judged, the
        request has no command digest to compare: with `form_digest` the first append
        must have kept that same one in its meta, else the key was used for a different
        request (changed fields, another form, another path): IdempotencyKeyReused.
        """
        scope = f"{actor}\x1f{idempotency_key}"
        # The usual answer (not sent before) costs one indexed read, no append section.
        if not self.recorder.positions_of_scopes([scope]):
            return None
        with self.recorder.serialised() as tx:
            rows = tx.rows_from_scope(scope)
            if not rows:
                return None
            if form_digest is not None and rows[0].meta.get("form_digest") != form_digest:
                raise errors.IdempotencyKeyReused(KEY_REUSED)
            return AppendResult([self.to_recorded(r, tx) for r in rows], replayed=True)

    def _rows(self, proposed, now: datetime, scope, digest, options: Options,
              tx: Transaction, known_event=None, known_data: dict[str, Any] | None = None,
              known_json: str | None = None) -> list[StoredRow]:
        """The rows of the proposed events (`known_data` is the clear data of `known_event`,
        `known_json` its canonical JSON when already made)."""
        recorded_at = max(to_micros(now), self.state.last_recorded_at)
        if options.recorded_at is not None:
            recorded_at = self._kept_recorded_at(options.recorded_at, proposed, now)
        recorded_text = format_micros(recorded_at)
        correlation = options.meta.get("correlation_id") or new_correlation_id()
        causation = options.meta.get("causation_id")
        client = options.meta.get("client")
        form_digest = options.meta.get("form_digest")
        prev_hash = self._tip.hash
        position = self.state.position
        stream_versions = self.state.stream_versions
        versions: dict[str, int] = {}
        rows = []
        for index, p in enumerate(proposed):
            position += 1
            version = versions.get(p.stream, stream_versions.get(p.stream, 0)) + 1
            versions[p.stream] = version
            meta: dict[str, Any] = {"actor": p.actor, "correlation_id": correlation}
            if causation is not None:
                meta["causation_id"] = causation
            if client:
                meta["client"] = client
            if scope is not None:
                meta["idempotency_key"] = options.idempotency_key
                meta["request_digest"] = digest
                if form_digest is not None:
                    meta["form_digest"] = form_digest
            known = p.event is known_event
            data = self._encrypt(p.event, p.actor, tx, known_data if known else None)
            occurred = to_micros(p.occurred_at)
            event_id = new_event_id()
            type_name = p.event.type
            schema_version = LATEST_VERSION[type_name]
            # Equal to the clear data: no personal field was there to encrypt.
            data_json = (known_json if known and known_json is not None and data == known_data
                         else canonical_json(data))
            meta_json = canonical_json(meta)
            row_hash = chain_row_hash(prev_hash, position=position, event_id=event_id,
                                      stream=p.stream, version=version, type=type_name,
                                      schema_version=schema_version,
                                      occurred_at=format_time(p.occurred_at),
                                      recorded_at=recorded_text, meta_json=meta_json,
                                      data_json=data_json)
            rows.append(StoredRow(position, event_id, p.stream, version, type_name,
                                  schema_version, data, meta, occurred, recorded_at,
                                  scope if index == 0 else None, row_hash,
                                  data_json, meta_json))
            prev_hash = row_hash
        return rows

    def _kept_recorded_at(self, given: datetime, proposed, now: datetime) -> int:
        value = to_micros(given)
        if value < self.state.last_recorded_at:
            raise errors.InvalidValue(
                f"recorded_at {format_time(given)} is before the log's last recorded_at "
                f"{format_time(from_micros(self.state.last_recorded_at))}",
                rule="recorded_at_out_of_order")
        if any(value < to_micros(p.occurred_at) for p in proposed):
            raise errors.InvalidValue("recorded_at is before the event occurred",
                                      rule="recorded_at_before_occurred_at")
        if value > to_micros(now):
            raise errors.FutureOccurredAt("recorded_at is in the future",
                                          rule="future_recorded_at")
        return value

    def _encrypt(self, event, actor: str, tx: Transaction,
                 data: dict[str, Any] | None = None) -> dict[str, Any]:
        if data is None:
            data = event.to_data()
        if event.type != "EntryCorrected":
            return self.cipher.encrypt_data(event.type, data, actor)
        target = self._lookup(event.position, tx)
        return self.cipher.encrypt_data(
            event.type, data, actor, target_type=target.type,
            target_data=target.event.to_data(), target_actor=target.actor)

    def erase(self, member_id: str, requested_by: str, *, actor: str = "admin",
              occurred_at: datetime | None = None, options: Options | None = None
              ) -> AppendResult:
        """MemberErased with the member's key deleted in the same transaction, then scrubbed."""
        event = MemberErased(member_id=member_id, requested_by=requested_by)
        result = self.submit(RecordEvent(event, actor, occurred_at or self.clock(),
                                          privileged=True), options)
        if not result.replayed:
            self.scrub_erased([member_id])
        return result

    def scrub_erased(self, member_ids: Iterable[str]) -> None:
        """After MemberErased of these members was appended (by `erase`, or by an import):
        scrub the database of their deleted keys and tell the caches about them."""
        member_ids = list(member_ids)
        if not member_ids:
            return
        self.recorder.scrub()
        for member_id in member_ids:
            erased.send(self, member_id=member_id)

    # -- reading -------------------------------------------------------------------------

    def read_state(self, read: Callable[[DomainState], T]) -> T:
        """`read(state)` on the decision state caught up with the log, under the append lock.

        For questions the rules' state answers cheaply (who holds which role now); `read`
        must not keep references into the state, which the next append changes.
        """
        with self._lock:
            self.catch_up()
            return read(self.state)

    def judge(self, command: Command) -> None:
        """Refuse `command` as the rules would now (errors.Refused), appending nothing.

        For a caller that must not say what it checks next to someone the rules refuse:
        an EntryCorrected's values are checked by its target type's schema, and that
        error would tell what the entry is.
        """
        with self._lock:
            self.catch_up()
            decide(self.state, command, now=self.clock(),
                   lookup=lambda p: self._lookup(p, None))

    def start_from(self, other: "EventStore") -> None:
        """Take over the decision state `other` folded from the same log, instead of folding.

        For processes forked after one fold (gunicorn's master folds once; each worker starts
        from its copy-on-write copy): folding a million events takes a CPU-minute, once per
        process otherwise. The state is handed over, not copied: `other` starts afresh.
        Only for a store that has folded nothing yet; a state that is not of this log (the
        log's row at its last position has another hash) is refused.
        """
        with self._lock, other._lock:
            if self.state.position:
                raise RuntimeError("start_from needs a store that has folded nothing yet")
            tip = other._tip
            if not self.holds(tip.position, tip.hash):
                raise ValueError(f"the state folded elsewhere ends at position "
                                 f"{tip.position}, which this log does not hold")
            self.state, self._tip = other.state, other._tip
            other._reset()

    def catch_up(self, *, starting: bool = False) -> int:
        """Fold rows appended elsewhere into the decision state; returns the position.

        A process's start (a store that has folded nothing, or `starting`: a gunicorn
        worker that took over its master's fold, maybe long ago) begins from the
        instance's snapshot when there is a usable one far enough ahead
        (events/snapshot.py), and writes a new one after a long fold. A request of a
        running process never does either.
        """
        with self._lock:
            first = not self.state.position
            start = first or starting
            # A first fold (or snapshot) makes millions of objects and no garbage.
            with quiet_fold() if start else nullcontext():
                loaded = start and self._start_from_snapshot()
                folded = 0
                for row in self.recorder.read(after=self.state.position):
                    self._fold(row, None)
                    folded += 1
            self._grew(folded, loaded)
            if start and folded >= SNAPSHOT_AFTER and self.snapshots is not None:
                self.snapshots.save(self._tip.position, self._tip.hash, self.state)
            return self.state.position

    def _grew(self, rows: int, loaded: bool = False) -> None:
        """The decision state grew by `rows` (or was loaded whole). It lives as long as the
        process: every FREEZE_AFTER rows, move it out of the collector's generations, or
        each full collection walks all of it (seconds per pass with millions of events,
        at any moment: an import, a report). Each freeze collects only what came since."""
        self._unfrozen += rows
        if loaded or self._unfrozen >= FREEZE_AFTER:
            gc.collect()
            gc.freeze()
            self._unfrozen = 0

    def _start_from_snapshot(self) -> bool:
        """Start from the instance's snapshot: tried once in a store's life (a state reset
        after a failure is folded from the log)."""
        if self.snapshots is None or self._snapshot_tried:
            return False
        self._snapshot_tried = True
        held = self.state.position
        # Loading unpickles the whole state (about a fifth of the time folding the same log
        # takes): over a state already held, worth it only for a snapshot well ahead.
        beyond = held + max(SNAPSHOT_AFTER, held // 4) if held else 0
        snapshot = self.snapshots.load(self.holds, beyond=beyond)
        if snapshot is None:
            return False
        self.state, self._tip = snapshot.state, _Tip(snapshot.position, snapshot.hash)
        return True

    def holds(self, position: int, hash: str) -> bool:
        """Whether the log's row at `position` has `hash` (position 0: the empty log)."""
        if not position:
            return True
        row = self.recorder.row_at(position)
        return row is not None and row.hash == hash

    def _fold(self, row: StoredRow, tx: Transaction | None) -> Recorded:
        # The decision state reads ids, roles and times, never a personal field: no keys
        # are unwrapped (or kept in the cipher's cache) to fold it.
        rec = self.to_recorded(row, tx, decrypt=False)
        self.state.apply(rec)
        self._tip = _Tip(row.position, row.hash)
        return rec

    def _fold_new(self, row: StoredRow, event) -> Recorded:
        """Fold a row this store just made of `event` (in clear, at the latest version)."""
        rec = Recorded(row.position, row.event_id, row.stream, row.version, event, row.actor,
                       from_micros(row.occurred_at), from_micros(row.recorded_at),
                       row.schema_version, row.meta)
        self.state.apply(rec)
        self._tip = _Tip(row.position, row.hash)
        return rec

    def _lookup(self, position: int, tx: Transaction | None) -> Recorded | None:
        row = tx.row_at(position) if tx is not None else self.recorder.row_at(position)
        return self.to_recorded(row, tx) if row is not None else None

    def to_recorded(self, row: StoredRow, tx: Transaction | None = None, *,
                    decrypt: bool = True) -> Recorded:
        """Map a stored row to the domain's view: decrypted, upcast, as a frozen event.

        Folds that read only ids and times pass decrypt=False and skip the key work.
        """
        data = self._decrypted(row, tx) if decrypt else row.data
        return Recorded(row.position, row.event_id, row.stream, row.version,
                        from_stored(row.type, data, row.schema_version), row.actor,
                        from_micros(row.occurred_at), from_micros(row.recorded_at),
                        LATEST_VERSION[row.type], row.meta)

    def to_recorded_many(self, rows: list[StoredRow],
                         decrypt: bool | Callable[[StoredRow], bool] = True) -> list[Recorded]:
        """to_recorded of each row (outside an append), decrypting where `decrypt` says.

        The keys the rows need are looked up together first: one query, where each key
        the cache lacks (it holds a few thousand) would cost a connection of its own. For
        more rows than a page (KEYS_PAGE), `recorded`: the cache holds a page's keys.
        """
        flags = ([decrypt(row) for row in rows] if callable(decrypt)
                 else [decrypt] * len(rows))
        self.cipher.warm([owner for row, flag in zip(rows, flags) if flag
                          for owner in self.cipher.owners(row.type, row.data, row.actor)])
        return [self.to_recorded(row, decrypt=flag) for row, flag in zip(rows, flags)]

    def _decrypted(self, row: StoredRow, tx: Transaction | None) -> dict[str, Any]:
        if row.type != "EntryCorrected":
            return self.cipher.decrypt_data(row.type, row.data, row.actor)
        # A correction's personal values are under the key of its target's owner.
        target = (tx or self.recorder).row_at(row.data["position"])
        if target is None:
            return row.data
        return self.cipher.decrypt_data(
            row.type, row.data, row.actor, target_type=target.type,
            target_data=self.cipher.decrypt_data(target.type, target.data, target.actor),
            target_actor=target.actor)

    def read(self, after: int = 0, upto: int | None = None) -> Iterator[Recorded]:
        """Recorded events after a position, in order, paged (never the whole log at once)."""
        return self.recorded(self.recorder.read(after=after, upto=upto))

    def recorded(self, rows: Iterable[StoredRow],
                 decrypt: bool | Callable[[StoredRow], bool] = True) -> Iterator[Recorded]:
        """to_recorded_many of `rows`, a page at a time."""
        for _, rec in self.recorded_rows(rows, decrypt):
            yield rec

    def recorded_rows(self, rows: Iterable[StoredRow],
                      decrypt: bool | Callable[[StoredRow], bool] = True
                      ) -> Iterator[tuple[StoredRow, Recorded]]:
        """Each row with its to_recorded, a page (KEYS_PAGE) of rows at a time."""
        rows = iter(rows)
        while page := list(islice(rows, KEYS_PAGE)):
            yield from zip(page, self.to_recorded_many(page, decrypt))

    def read_rows(self, after: int = 0, upto: int | None = None) -> Iterator[StoredRow]:
        return self.recorder.read(after=after, upto=upto)

    def last_position(self) -> int:
        return self.recorder.last_position()

    def position_at(self, as_of: datetime) -> int:
        """The as_of cut: the last position with recorded_at ≤ as_of."""
        return self.recorder.position_at(to_micros(as_of))

    def head(self) -> Head | None:
        return self.recorder.head()


def command_digest(command: Command, data_json: str | None = None) -> str:
    """The digest of what a command asks, for telling a replay from a reused key.

    `data_json` is the canonical JSON of the event's to_data(), when the caller has it.
    """
    occurred_at = format_time(command.occurred_at)
    if not isinstance(command, RecordEvent):
        return request_digest({"type": "HandOverFacilitation",
                               "community_id": command.community_id,
                               "from": command.from_member, "to": command.to_member,
                               "occurred_at": occurred_at})
    if data_json is None:
        data_json = canonical_json(command.event.to_data())
    # request_digest({"type", "data", "occurred_at"}), the body's canonical JSON written out
    # in its sorted key order (as codec.row_hash): the data is encoded once, by the caller.
    string = json.encoder.encode_basestring
    return request_digest_of_json(f'{{"data":{data_json},"occurred_at":{string(occurred_at)},'
                                  f'"type":{string(command.event.type)}}}')


def stored_json(row: StoredRow) -> tuple[str, str]:
    """The data and meta columns as stored: canonical JSON text."""
    return canonical_json(row.data), canonical_json(row.meta)
