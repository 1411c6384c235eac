"""The exchange format (JSON Lines, DESIGN "Exchange format"): export the log, import a file.

Export writes one line per event: the envelope (type, occurred_at, actor, data and the
idempotency key a client gave) and what the log added (position, event_id, stream,
version, schema_version, recorded_at, meta, hash), with personal fields decrypted where
the owner's key still exists.

Import appends each line, in file order, through the same domain rules as the API (with
the operator's trust), in batches of one transaction each. Positions in the file only
name lines: references to them are rewritten to the positions those lines receive here.
Every line carries an idempotency key (its own, or `import:<source>:<line>`), so an import
run again appends nothing twice, and `resume` skips quickly over what is already in.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from marshmallow import ValidationError

from events.quiet import quiet_fold
from events.recorder import StoredRow
from events.schemas import (IdField, SchemaInvalid, corrected_event, flatten_messages,
                            idempotency_key_problem, load_event, meta_id_problem,
                            with_positions)
from events.store import AppendResult, EventStore, Options
from journey.clock import BadTime, format_time, parse_time, utcnow
from journey.events import Event
from journey.records import Recorded, RecordEvent

#: Every field a line may have; anything else is refused.
ENVELOPE = ("type", "occurred_at", "actor", "data", "idempotency_key", "position", "event_id",
            "stream", "version", "schema_version", "recorded_at", "meta", "hash")
#: What a line's `meta` may carry (and what export writes of it).
META_KEYS = ("correlation_id", "causation_id")
#: Fields whose values are positions of other lines, by event type.
REFERENCES = {"EntryRetracted": ("position",), "EntryCorrected": ("position",),
              "RecognitionAwarded": ("evidence",), "ReflectionRecorded": ("about",)}

_ACTOR = IdField()


# -- shared with `journey record` ----------------------------------------------------------------

def checked_actor(value: Any) -> str:
    """An actor id as the schemas check ids (SchemaInvalid on `actor` otherwise)."""
    if _ACTOR.accepts(value):
        return value  # what deserialize returns for an id it accepts
    try:
        return _ACTOR.deserialize(value)
    except ValidationError as exc:
        raise SchemaInvalid({"actor": flatten_messages(exc.messages).get("data", [])}) from None


def checked_corrections(store: EventStore, event: Event, *, actor: str | None = None,
                        occurred_at: datetime | None = None, privileged: bool = False,
                        sealed: bool = False) -> Event:
    """An EntryCorrected with its `fields` checked and normalised by its target's schema
    (`sealed`: an import's sealed personal values are kept as they are, see load_event).

    With `actor` (who will submit it, at `occurred_at`, `privileged` or not), values the
    schema refuses are told only once the rules let `actor` correct that entry: the
    schema's errors name the target's type and its fields, which someone who may not see
    the entry must not learn by trying. The rules' refusal comes instead, the same for
    every entry `actor` may not correct.
    """
    # The domain checks which fields may change; the values need the target type's schema,
    # which only this side (marshmallow) has.
    target = store.recorder.row_at(event.position)
    if target is None:
        return event  # the domain refuses it: unknown_position
    try:
        return corrected_event(event, target.type, sealed=sealed)
    except SchemaInvalid:
        if actor is not None:
            store.judge(RecordEvent(event, actor, occurred_at or utcnow(),
                                    privileged=privileged))
        raise


# -- export ------------------------------------------------------------------------------------

def export_lines(store: EventStore, upto: int | None = None) -> Iterator[str]:
    """The log up to `upto` (default: its last position now) as exchange lines, each with `\\n`."""
    if upto is None:
        upto = store.last_position()
    for row, rec in store.recorded_rows(store.read_rows(upto=upto)):
        yield json.dumps(export_line(store, row, rec), ensure_ascii=False) + "\n"


def export_line(store: EventStore, row: StoredRow,
                rec: Recorded | None = None) -> dict[str, Any]:
    """One row as an exchange-format object (personal fields decrypted where a key exists);
    `rec`: the row's to_recorded, when the caller has it."""
    rec = rec or store.to_recorded(row)
    if row.schema_version == rec.schema_version:
        data = rec.event.to_data()
    else:
        # An older schema version: the data as appended, so that it reads back with its own
        # schema_version. (Only EntryCorrected needs its target to decrypt, and it has one
        # version so far.)
        data = store.cipher.decrypt_data(row.type, row.data, row.actor)
    line: dict[str, Any] = {"type": row.type, "occurred_at": format_time(rec.occurred_at),
                            "actor": row.actor, "data": data}
    # Only the first event of a command holds its key: the others must not claim it too.
    if row.idempotency_scope is not None and "idempotency_key" in row.meta:
        line["idempotency_key"] = row.meta["idempotency_key"]
    line.update(position=row.position, event_id=row.event_id, stream=row.stream,
                version=row.version, schema_version=row.schema_version,
                recorded_at=format_time(rec.recorded_at),
                meta={k: row.meta[k] for k in META_KEYS if row.meta.get(k) is not None},
                hash=row.hash)
    return line


# -- import ------------------------------------------------------------------------------------

class LineError(Exception):
    """A line the import refused: `line N: <rule or field>: <reason>`."""

    def __init__(self, line: int, code: str, message: str) -> None:
        super().__init__(f"line {line}: {code}: {message}")
        self.line = line
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """{line, code, message}."""
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass
class ImportReport:
    """What an import did: counts, the lines it skipped, and the refusal that stopped it."""

    appended: int = 0
    replayed: int = 0  # lines already in the log (an earlier run, or a resume)
    skipped: list[LineError] = field(default_factory=list)
    stopped: LineError | None = None
    first_position: int | None = None  # of the events this run appended
    last_position: int | None = None

    @property
    def ok(self) -> bool:
        """True when no refusal stopped the import (skipped lines are allowed)."""
        return self.stopped is None

    def to_json(self) -> dict[str, Any]:
        """The report as `journey import --json` prints it (without the timing)."""
        return {"ok": self.ok, "appended": self.appended, "replayed": self.replayed,
                "skipped": [e.to_json() for e in self.skipped],
                "stopped": self.stopped.to_json() if self.stopped else None,
                "first_position": self.first_position, "last_position": self.last_position}


def scan_file(path: str | Path) -> tuple[str, int]:
    """The sha256 (hex) of a file and its number of lines, read once in blocks."""
    with open(path, "rb") as f:
        return _scan(f)


@contextmanager
def import_source(path: str | Path, spool_dir: Path,
                  stdin: BinaryIO) -> Iterator[tuple[BinaryIO, str, int]]:
    """A file to import, opened at its start, with its sha256 and its number of lines.

    `path` "-" means `stdin`. A regular file is read twice: scanned, then imported. A
    pipe, a FIFO or a terminal can be read only once (`journey export | ssh … journey
    import -`), so it is copied, while scanned, into an unnamed temporary file in
    `spool_dir` (mode 0600 and gone when closed: it holds the personal data the stream
    does) and imported from there; the digest is the same as the same bytes in a file's,
    so the lines get the same idempotency keys either way.
    """
    if str(path) != "-" and stat.S_ISREG(os.stat(path).st_mode):
        digest, lines = scan_file(path)
        with open(path, "rb") as f:
            yield f, digest, lines
        return
    with ExitStack() as stack:
        source = stdin if str(path) == "-" else stack.enter_context(open(path, "rb"))
        spool = stack.enter_context(tempfile.TemporaryFile(dir=spool_dir))
        digest, lines = _scan(source, copy_to=spool)
        spool.seek(0)
        yield spool, digest, lines


def _scan(f: BinaryIO, copy_to: BinaryIO | None = None) -> tuple[str, int]:
    """The sha256 (hex) and number of lines of what `f` holds, read in blocks (each also
    written to `copy_to`)."""
    digest = hashlib.sha256()
    lines = 0
    last = b"\n"
    for block in iter(lambda: f.read(1 << 20), b""):
        digest.update(block)
        lines += block.count(b"\n")
        last = block[-1:]
        if copy_to is not None:
            copy_to.write(block)
    return digest.hexdigest(), lines + (last != b"\n")


def import_lines(store: EventStore, lines: Iterable[str | bytes], *, source_id: str,
                 keep_recorded_at: bool = False, skip_invalid: bool = False,
                 resume: bool = False, progress: Callable[[int], None] | None = None,
                 batch_size: int = 1000) -> ImportReport:
    """Append exchange lines in order; a refused line stops it (or is skipped with skip_invalid).

    `source_id` names the file (the CLI uses its sha256) in the default idempotency key
    `import:<source_id>:<line number>`; `progress(n)` is told of every n lines done.
    """
    importer = _Importer(store, source_id=source_id, keep_recorded_at=keep_recorded_at,
                         skip_invalid=skip_invalid, progress=progress,
                         batch_size=max(1, batch_size))
    # Lines become commands, rows and folded state, and no cycles: the collector's passes
    # over them find nothing (the store still collects and freezes what it keeps).
    with quiet_fold():
        report = importer.run(enumerate(lines, start=1), resume=resume)
    # A large import changes the planner's picture of the log.
    store.recorder.analyse(report.appended, report.last_position or 0)
    return report


@dataclass
class _Line:
    """A line made into a command, waiting for its batch."""

    number: int
    label: int
    command: RecordEvent
    options: Options


_BLANK = ("", 0)  # what _scope_of says of an empty line: nothing to look up or report


class _Stop(Exception):
    """The import stopped at a refused line (the report says which)."""


class _Importer:
    """One import run: the lines' labels, their positions here, and the batch being filled."""

    def __init__(self, store: EventStore, *, source_id: str, keep_recorded_at: bool,
                 skip_invalid: bool, progress: Callable[[int], None] | None,
                 batch_size: int) -> None:
        self.store = store
        self.source_id = source_id
        self.keep_recorded_at = keep_recorded_at
        self.skip_invalid = skip_invalid
        self.progress = progress
        self.batch_size = batch_size
        self.report = ImportReport()
        self.claimed: dict[int, int] = {}  # label -> the line that has it
        self.positions: dict[int, int] = {}  # label -> its position in this log
        self.pending: list[_Line] = []
        self.pending_labels: set[int] = set()
        self.reported = 0  # lines told to `progress`

    # -- the run ---------------------------------------------------------------------------

    def run(self, numbered: Iterable[tuple[int, str | bytes]], *, resume: bool) -> ImportReport:
        if resume:
            numbered = self._after_present(numbered)
        last = 0
        try:
            for number, raw in numbered:
                last = number
                try:
                    text = _text(number, raw)
                    if not text.strip():
                        continue
                    line = self._prepare(number, text)
                except LineError as error:
                    self._refuse(error)
                    continue
                self.pending.append(line)
                self.pending_labels.add(line.label)
                if len(self.pending) >= self.batch_size:
                    self._flush()
                    self._advance(number)
            self._flush()
            self._advance(last)
        except _Stop:
            pass
        self.report.skipped.sort(key=lambda e: e.line)
        return self.report

    def _refuse(self, error: LineError) -> None:
        """A line refused before reaching the store: skip it, or stop after what precedes it."""
        if self.skip_invalid:
            self.report.skipped.append(error)
            return
        self._flush()  # the lines before it are appended (or one of them stops the import)
        self.report.stopped = error
        raise _Stop

    def _flush(self) -> None:
        """Append the pending lines in one batch; raises _Stop when a refusal ends the import."""
        lines, self.pending = self.pending, []
        self.pending_labels = set()
        while lines:
            batch = self.store.submit_batch([(line.command, line.options) for line in lines])
            for line, result in zip(lines, batch.results):
                self._done(line, result)
            if batch.error is None:
                return
            refused = lines[batch.error_index]
            error = (_schema_error(refused.number, batch.error)
                     if isinstance(batch.error, SchemaInvalid)
                     else LineError(refused.number, batch.error.rule, batch.error.message))
            if not self.skip_invalid:
                self.report.stopped = error
                raise _Stop
            self.report.skipped.append(error)
            # The rest of the batch never refers to the refused line: a reference to a
            # pending line flushes the batch before the referring line joins it.
            lines = lines[batch.error_index + 1:]

    def _done(self, line: _Line, result: AppendResult) -> None:
        self.positions[line.label] = result.position
        if result.replayed:
            self.report.replayed += 1
            return
        self.report.appended += len(result.records)
        if self.report.first_position is None:
            self.report.first_position = result.records[0].position
        self.report.last_position = result.position

    def _advance(self, number: int) -> None:
        if self.progress is not None and number > self.reported:
            self.progress(number - self.reported)
            self.reported = number

    # -- one line --------------------------------------------------------------------------

    def _prepare(self, number: int, text: str) -> _Line:
        """Check a line and make it a command, its references mapped to this log's positions."""
        obj = _json_object(number, text)
        unknown = [name for name in obj if name not in ENVELOPE]
        if unknown:
            raise LineError(number, unknown[0],
                            f"unknown field; a line has only {', '.join(ENVELOPE)}")
        label = self._claim(number, obj.get("position"))
        type_name = obj.get("type")
        if not isinstance(type_name, str) or not type_name:
            raise LineError(number, "type", "required: the name of an event type")
        actor = _actor(number, obj.get("actor"))
        occurred_at = _time(number, obj, "occurred_at")
        if occurred_at is None:
            raise LineError(number, "occurred_at", "required: an RFC 3339 time such as "
                                                   "2024-03-05T14:00:00Z")
        schema_version = obj.get("schema_version")
        if schema_version is not None and (isinstance(schema_version, bool)
                                           or not isinstance(schema_version, int)):
            raise LineError(number, "schema_version", "must be a whole number")
        if "data" not in obj:
            raise LineError(number, "data", "required: the event's fields as a JSON object")
        try:
            event = load_event(type_name, obj["data"], schema_version, sealed=True)
        except SchemaInvalid as exc:
            raise _schema_error(number, exc) from None
        event = self._mapped(number, event)
        options = Options(idempotency_key=self._key(number, obj),
                          recorded_at=(_time(number, obj, "recorded_at")
                                       if self.keep_recorded_at else None),
                          meta=_meta(number, obj.get("meta")))
        return _Line(number, label, RecordEvent(event, actor, occurred_at, privileged=True),
                     options)

    def _claim(self, number: int, position: Any) -> int:
        """The label other lines refer to this one by: its `position`, else its line number."""
        if position is None:
            label = number
        elif isinstance(position, bool) or not isinstance(position, int) or position < 1:
            raise LineError(number, "position", "must be a whole number from 1")
        else:
            label = position
        earlier = self.claimed.get(label)
        if earlier is not None:
            raise LineError(number, "position",
                            f"position {label} already names line {earlier}")
        self.claimed[label] = number
        return label

    def _key(self, number: int, obj: dict[str, Any]) -> str:
        key = obj.get("idempotency_key")
        if key is None:
            return self.default_key(number)
        problem = idempotency_key_problem(key)
        if problem is not None:
            raise LineError(number, "idempotency_key", problem)
        return key

    def default_key(self, number: int) -> str:
        """The idempotency key of a line that brings none: the source and the line number."""
        return f"import:{self.source_id}:{number}"

    def _mapped(self, number: int, event: Event) -> Event:
        """The event with its references to lines rewritten to positions in this log."""
        changes: dict[str, Any] = {}
        for name in REFERENCES.get(event.type, ()):
            value = getattr(event, name)
            if isinstance(value, tuple):
                changes[name] = tuple(self._resolve(number, name, v) for v in value)
            elif value is not None:
                changes[name] = self._resolve(number, name, value)
        if changes:
            event = with_positions(event, **changes)
        if event.type == "EntryCorrected":
            try:
                event = checked_corrections(self.store, event, sealed=True)
            except SchemaInvalid as exc:
                raise _schema_error(number, exc) from None
        return event

    def _resolve(self, number: int, name: str, label: int) -> int:
        if label in self.pending_labels:
            self._flush()  # the referred line must have its position before this one is decided
        position = self.positions.get(label)
        if position is not None:
            return position
        line = self.claimed.get(label)
        if line is None or line >= number:
            why = f"no line before line {number} has position {label}"
        else:
            why = f"position {label} names line {line}, which was not imported"
        raise LineError(number, "unknown_reference", f"{name}: {why}")

    # -- resume ----------------------------------------------------------------------------

    def _after_present(self, numbered: Iterable[tuple[int, str | bytes]]
                       ) -> Iterator[tuple[int, str | bytes]]:
        """Map the lines an earlier run appended, and yield the lines after the last of them.

        One lookup of idempotency keys per chunk of lines; lines an earlier run did not
        import but that come before one it did are reported as skipped, not tried again.
        """
        lines = iter(numbered)
        absent: list[tuple[int, str | bytes, int | None]] = []
        while True:
            chunk = list(islice(lines, self.batch_size))
            if not chunk:
                break
            keys = [self._scope_of(number, raw) for number, raw in chunk]
            found = self.store.recorder.positions_of_scopes(
                [key[0] for key in keys if key is not None and key is not _BLANK])
            if not found:
                # Nothing of this chunk is in: what follows is new (a stray replay is still
                # caught by its idempotency key).
                yield from ((number, raw) for number, raw, _ in absent)
                yield from chunk
                yield from lines
                return
            for (number, raw), key in zip(chunk, keys):
                if key is _BLANK:
                    continue
                position = found.get(key[0]) if key is not None else None
                if position is None:
                    absent.append((number, raw, key[1] if key is not None else None))
                    continue
                for skipped_number, _, label in absent:
                    self._not_imported(skipped_number, label)
                absent = []
                self.claimed.setdefault(key[1], number)
                self.positions[key[1]] = position
                self.report.replayed += 1
            self._advance(chunk[-1][0] if not absent else absent[0][0] - 1)
        yield from ((number, raw) for number, raw, _ in absent)

    def _scope_of(self, number: int, raw: str | bytes) -> tuple[str, int] | None:
        """(idempotency scope, label) of a line; None when it is not even a JSON object."""
        try:
            text = _text(number, raw)
            if not text.strip():
                return _BLANK
            obj = _json_object(number, text)
        except LineError:
            return None
        actor, key, position = obj.get("actor"), obj.get("idempotency_key"), obj.get("position")
        if not isinstance(actor, str):
            return None
        if not isinstance(key, str):
            key = self.default_key(number)
        label = position if isinstance(position, int) and not isinstance(position, bool) \
            else number
        return f"{actor}\x1f{key}", label

    def _not_imported(self, number: int, label: int | None) -> None:
        if label is not None:
            self.claimed.setdefault(label, number)
        self.report.skipped.append(LineError(
            number, "not_imported",
            "an earlier run did not import this line; --resume goes on after the last "
            "line it did"))


# -- parsing helpers ---------------------------------------------------------------------------

def _text(number: int, raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(number, "json", f"not UTF-8 text ({exc.reason} at byte "
                                            f"{exc.start})") from None
    if number == 1:
        raw = raw.removeprefix("\ufeff")
    return raw


def too_many_digits() -> str:
    """Why json.loads refused a text with a ValueError that is no JSONDecodeError."""
    return (f"a number has more than {sys.get_int_max_str_digits()} digits, more than "
            "any field takes")


def _json_object(number: int, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(number, "json", f"{exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise LineError(number, "json", "nested too deeply") from None
    except ValueError:  # an integer longer than Python converts (sys.int_info)
        raise LineError(number, "json", too_many_digits()) from None
    if not isinstance(value, dict):
        raise LineError(number, "json", "a line must be one JSON object")
    return value


def _actor(number: int, value: Any) -> str:
    if value is None:
        raise LineError(number, "actor", "required: the id of the member who acted")
    try:
        return checked_actor(value)
    except SchemaInvalid as exc:
        raise _schema_error(number, exc) from None


def _time(number: int, obj: dict[str, Any], name: str) -> datetime | None:
    value = obj.get(name)
    if value is None:
        return None
    try:
        return parse_time(value, allow_date=False)
    except BadTime as exc:
        raise LineError(number, name, str(exc)) from None


def _meta(number: int, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LineError(number, "meta", f"must be an object with {', '.join(META_KEYS)}")
    for name, item in value.items():
        if name not in META_KEYS:
            raise LineError(number, f"meta.{name}",
                            f"unknown field; meta has only {', '.join(META_KEYS)}")
        problem = meta_id_problem(item) if item is not None else None
        if problem is not None:
            raise LineError(number, f"meta.{name}", problem)
    return {k: v for k, v in value.items() if v is not None}


def _schema_error(number: int, exc: SchemaInvalid) -> LineError:
    path = exc.field_path or "data"
    return LineError(number, path, "; ".join(exc.fields.get(path, [exc.message])))
