"""`journey backup` / `journey restore`: the log's raw rows, hashes and wrapped keys, in one file.

A backup is a zip archive (written to a temporary name, fsynced, renamed; mode 0600):

    manifest.json        {"format": "journey-backup", "format_version": 1, "created_at",
                          "engine", "schema" (the log's Alembic revision), "events",
                          "member_keys", "head": {"position", "hash"} | null,
                          "includes_instance", "sha256": {member: hex digest}}
    events.jsonl         one row a line, as stored: position, event_id, stream, version, type,
                         schema_version, data and meta (the stored JSON *text*, personal fields
                         as ciphertext), occurred_at and recorded_at (microseconds),
                         idempotency_scope, hash
    member_keys.jsonl    {"member_id", "wrapped_key" (base64 of the row, still wrapped by
                         master.key)}
    head.json            the sealed head row {"position", "hash", "seal"}, or null
    instance/<name>      only with include_instance: master.key, seal.key, signing.key,
                         secret_key, erasures -- the keys that unlock everyone's personal data
    uploads.jsonl        only with include_instance: {"digest", "size", "media_type",
                         "filename"} of every uploaded file (instance/uploads/)
    uploads/<digest>     that file's bytes (checked against its name, the sha256, on restore)
    tables/<name>.jsonl  the rows of the log schema's other tables (accounts, tokens, links),
                         and of the tables the caller names that no fold can make again
                         (the projections' `ob_status_index`: the status list index each
                         issued credential names)

Uploads go in only with the instance: they are the one part of an installation that is not
encrypted (shared files may show students' work), so a backup without the keys stays a file
whose personal content nobody can read.

Everything is read in ONE read transaction, so a backup taken while writers append is a
consistent snapshot (rows, head and keys of the same instant): SQLite (WAL) keeps the
snapshot of a read transaction's first SELECT; PostgreSQL runs it REPEATABLE READ, READ
ONLY. Rows are streamed a page at a time; the whole log is never in memory.

A restore goes only into an empty log. It checks everything before committing anything --
the file's digests, the hash chain of every row, the head's seal and every wrapped key
against the instance's keys -- and inserts rows, keys and head in one transaction, so a
refused or failed restore leaves the database as it found it. Then it re-applies the
instance's erasures (`instance/erasures`) that the backup predates: the member's key is
deleted and, when the backup's log has no MemberErased for them yet, one is appended through
the store (requested_by "restore"), so the log says what happened and still verifies.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (Connection, Engine, Integer, LargeBinary, Table, delete, func, insert,
                        inspect, select, text, tuple_, update)

from events.codec import GENESIS_HASH
from events.crypto import Cipher, CipherError, MemoryKeyStore
from events.instance import (ERASURES, KEY_BYTES, MASTER_KEY, SEAL_KEY, SECRET_KEY,
                             SIGNING_KEY, InstanceKeys, ensure_instance)
from events.files import WholeFile, create_file, fsync_dir, regular_or_new
from events.migrate import alembic_config, upgrade
from events.recorder import StoredRow
from events.sql import APPEND_LOCK_KEY, FIRST_AFTER, LAST_POSITION, SqlRecorder, paged
from events.store import EventStore
from events.uploads import MAX_UPLOAD, Uploads, is_digest, uploads_of
from events.tables import (accounts, events, log_head, member_keys, metadata,
                           one_time_links, tokens)
from events.verify import row_hash
from journey import errors
from journey.clock import format_time, to_micros, utcnow

FORMAT = "journey-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EVENTS = "events.jsonl"
KEYS = "member_keys.jsonl"
HEAD = "head.json"
INSTANCE_PREFIX = "instance/"
UPLOADS = "uploads.jsonl"
UPLOADS_PREFIX = "uploads/"
TABLES_PREFIX = "tables/"
#: The instance files a backup carries with include_instance (and uploads/, see UPLOADS).
INSTANCE_FILES = (MASTER_KEY, SEAL_KEY, SIGNING_KEY, SECRET_KEY, ERASURES)
#: Key files whose copy in an instance directory must equal the backup's (erasures merge).
_KEY_FILES = (MASTER_KEY, SEAL_KEY, SIGNING_KEY, SECRET_KEY)

#: Tables a backup leaves out. sign_in_failures is transient throttling state (failed
#: sign-ins as unknown names, forgotten within a day anyway), not anyone's data; a restored
#: installation starts with none, as accounts' own counts are restored as they were.
NOT_BACKED_UP = frozenset({"sign_in_failures"})
#: The log schema's other tables (accounts, tokens, one-time links: migration 0002), backed
#: up as they are, parents first. They are not events: restored as stored, and an erased
#: member's rows are deleted again.
EXTRA_TABLES = tuple(t for t in metadata.sorted_tables
                     if t.name not in ("events", "log_head", "member_keys", *NOT_BACKED_UP))
EXTRA_BY_NAME = {t.name: t for t in EXTRA_TABLES}

PAGE = 1000  # rows read per query, and inserted per executemany
REQUESTED_BY = "restore"  # requested_by of a MemberErased a restore appends

Progress = Callable[[int], None]  # told of every n rows written or restored

_EVENT_COLUMNS = ("position", "event_id", "stream", "version", "type", "schema_version",
                  "data", "meta", "occurred_at", "recorded_at", "idempotency_scope", "hash")


class BackupError(Exception):
    """A backup that cannot be written or restored: `code` names why (`error: <code>: …`).

    backup           the file is missing, unreadable, not a Journey backup, or damaged
    not_empty        restore: the target database already holds a log
    instance_exists  restore: the instance directory holds other keys than the backup's
    instance_mismatch restore: the backup was sealed with other keys than this instance's
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BackupManifest:
    """What a backup says about itself (manifest.json)."""

    format_version: int
    created_at: str
    engine: str
    schema: str | None
    events: int
    member_keys: int
    head_position: int
    head_hash: str
    includes_instance: bool
    sha256: dict[str, str]
    #: Rows of the log schema's other tables in the backup (accounts, tokens, links).
    tables: dict[str, int] = field(default_factory=dict)
    #: Uploaded files in the backup (only with the instance; 0 in backups made before).
    uploads: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": self.format_version,
                "created_at": self.created_at, "engine": self.engine, "schema": self.schema,
                "events": self.events, "member_keys": self.member_keys,
                "head": ({"position": self.head_position, "hash": self.head_hash}
                         if self.head_position else None),
                "includes_instance": self.includes_instance, "tables": self.tables,
                "uploads": self.uploads, "sha256": self.sha256}


@dataclass(frozen=True)
class BackupReport:
    """What `write_backup` wrote."""

    path: Path
    manifest: BackupManifest
    size: int  # bytes of the backup file

    @property
    def events(self) -> int:
        return self.manifest.events

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "size": self.size, **self.manifest.to_json()}


@dataclass
class RestoreReport:
    """What `restore_backup` restored, and which erasures it re-applied."""

    events: int
    member_keys: int
    head_position: int
    head_hash: str
    #: Instance files written from the backup into the instance directory.
    instance_files: list[str] = field(default_factory=list)
    #: Erased members whose key the backup still held: deleted again.
    reapplied: list[str] = field(default_factory=list)
    #: Positions of the MemberErased events appended for erasures the backup predates.
    appended: list[int] = field(default_factory=list)
    #: Erased members the backup's log knew nothing of (nothing to erase).
    not_in_backup: list[str] = field(default_factory=list)
    #: Rows restored into the log schema's other tables (accounts, tokens, links).
    tables: dict[str, int] = field(default_factory=dict)
    #: Accounts of erased members deleted again (with their tokens and links).
    accounts_deleted: int = 0
    #: Uploaded files written into the instance's uploads/ (those already there are kept).
    uploads: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"events": self.events, "member_keys": self.member_keys,
                "head": {"position": self.head_position, "hash": self.head_hash},
                "instance_files": self.instance_files, "reapplied_erasures": self.reapplied,
                "appended": self.appended, "erasures_not_in_backup": self.not_in_backup,
                "tables": self.tables, "accounts_deleted": self.accounts_deleted,
                "uploads": self.uploads}


# -- writing ----------------------------------------------------------------------------------

class _Digesting(io.RawIOBase):
    """A write-only stream that hashes what goes through it into a zip member."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.digest.update(b)
        return self.target.write(b)


def _member(name: str) -> zipfile.ZipInfo:
    """A zip entry dated now, deflated, with mode 0600 should anyone unzip the file."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _line(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@dataclass
class _Snapshot:
    events: int = 0
    keys: int = 0
    head: dict[str, Any] | None = None
    schema: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


def _snapshot_connection(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for every statement of the transaction; READ ONLY: it cannot write.
        return conn.execution_options(isolation_level="REPEATABLE READ",
                                      postgresql_readonly=True)
    # SQLite (WAL): the engine's "begin" hook says BEGIN; the first SELECT fixes the snapshot
    # that every later SELECT of the transaction reads, whatever writers commit meanwhile.
    return conn


def _schema_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None  # a log made without Alembic's table still backs up
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _write_snapshot(engine: Engine, archive: zipfile.ZipFile, progress: Progress | None,
                    tables: Sequence[Table]) -> _Snapshot:
    snap = _Snapshot()
    columns = [events.c[name] for name in _EVENT_COLUMNS]
    with _snapshot_connection(engine) as conn, conn.begin():
        # The head first: on SQLite this SELECT starts the snapshot the rows are read from.
        head = conn.execute(select(log_head.c.position, log_head.c.hash, log_head.c.seal)
                            .where(log_head.c.id == 1)).first()
        snap.head = ({"position": head[0], "hash": head[1], "seal": head[2]}
                     if head is not None else None)
        snap.schema = _schema_revision(conn)
        with archive.open(_member(EVENTS), "w", force_zip64=True) as member:
            out = _Digesting(member)
            # Pages are windows of positions, so PostgreSQL reads only their rows even
            # without statistics (events/sql.py, `paged`).
            def fetch(start: int, end: int) -> list:
                return conn.execute(select(*columns).where(events.c.position > start,
                                                           events.c.position <= end)
                                    .order_by(events.c.position)).all()

            def first_after(end: int, upto: int) -> int | None:
                return conn.execute(FIRST_AFTER, {"after": end, "upto": upto}).scalar()

            last = conn.execute(LAST_POSITION).scalar()
            for page in paged(fetch, first_after, 0, last, PAGE):
                out.write(b"".join(_line(dict(zip(_EVENT_COLUMNS, r))) for r in page))
                snap.events += len(page)
                if progress is not None and page:
                    progress(len(page))
            snap.digests[EVENTS] = out.digest.hexdigest()
        with archive.open(_member(KEYS), "w", force_zip64=True) as member:
            out = _Digesting(member)
            after = ""
            while True:
                page = conn.execute(select(member_keys.c.member_id, member_keys.c.wrapped_key)
                                    .where(member_keys.c.member_id > after)
                                    .order_by(member_keys.c.member_id).limit(PAGE)).all()
                out.write(b"".join(_line({"member_id": m, "wrapped_key": base64.b64encode(
                    bytes(w)).decode("ascii")}) for m, w in page))
                snap.keys += len(page)
                if len(page) < PAGE:
                    break
                after = page[-1][0]
            snap.digests[KEYS] = out.digest.hexdigest()
        present = inspect(conn)
        for table in (*EXTRA_TABLES, *tables):
            if present.has_table(table.name):
                # Only the columns this database has: code upgraded before `journey init`
                # migrated it (backing up first is the careful order) lacks the newest.
                there = {c["name"] for c in present.get_columns(table.name)}
                _write_table(conn, archive, table, snap,
                             [c for c in table.columns if c.name in there])
    return snap


def _write_table(conn: Connection, archive: zipfile.ZipFile, table: Table,
                 snap: _Snapshot, columns: list[Any]) -> None:
    """One of the other tables (accounts, tokens, links, ...), paged by its primary key;
    restore fills a column the backup lacks with its server default."""
    name = TABLES_PREFIX + table.name + ".jsonl"
    key_columns = list(table.primary_key.columns)
    key = tuple_(*key_columns) if len(key_columns) > 1 else key_columns[0]
    binary = {c.name for c in table.columns if isinstance(c.type, LargeBinary)}
    count = 0
    with archive.open(_member(name), "w", force_zip64=True) as member:
        out = _Digesting(member)
        after: Any = None
        while True:
            query = select(*columns).order_by(*key_columns).limit(PAGE)
            if after is not None:
                query = query.where(key > (tuple_(*after) if len(key_columns) > 1
                                           else after[0]))
            page = conn.execute(query).mappings().all()
            out.write(b"".join(_line({c: (base64.b64encode(bytes(v)).decode("ascii")
                                          if c in binary and v is not None else v)
                                      for c, v in r.items()}) for r in page))
            count += len(page)
            if len(page) < PAGE:
                break
            after = tuple(page[-1][c.name] for c in key_columns)
        snap.digests[name] = out.digest.hexdigest()
    snap.tables[table.name] = count


def _write_uploads(archive: zipfile.ZipFile, store: Uploads, snap: _Snapshot) -> int:
    """Every file of the upload store, streamed, and their index (UPLOADS); how many."""
    index: list[dict[str, Any]] = []
    for digest in store.digests():
        meta = store.meta(digest)
        try:
            source = store.path_of(digest).open("rb")
        except FileNotFoundError:
            continue  # gone since it was listed
        with source, archive.open(_member(UPLOADS_PREFIX + digest), "w",
                                  force_zip64=True) as member:
            size = 0
            for chunk in iter(lambda: source.read(1 << 20), b""):
                member.write(chunk)
                size += len(chunk)
        index.append({"digest": digest, "size": size, **(meta or {})})
    with archive.open(_member(UPLOADS), "w") as member:
        out = _Digesting(member)
        out.write(b"".join(_line(entry) for entry in index))
        snap.digests[UPLOADS] = out.digest.hexdigest()
    return len(index)


def write_backup(recorder: SqlRecorder, path: Path | str, *,
                 instance: InstanceKeys | None = None, include_instance: bool = False,
                 progress: Progress | None = None, tables: Sequence[Table] = ()
                 ) -> BackupReport:
    """Write a consistent backup of the log to `path` (replaced atomically, mode 0600).

    `include_instance` also puts the instance directory's keys into the file (needs
    `instance`): whoever holds that file can read everyone's personal data. `tables`:
    tables of other schemas in the same database whose rows go in too (those that exist).
    """
    path = Path(path)
    if include_instance and instance is None:
        raise ValueError("include_instance needs the instance whose keys go in")
    if path.is_dir():
        raise BackupError("backup", f"{path} is a directory")
    if not regular_or_new(path):
        # The backup is written beside FILE and renamed over it once whole: that would put
        # a regular file in place of a device or a FIFO (/dev/stdout, as root).
        raise BackupError("backup", f"{path} is no regular file: a backup goes into a "
                                    "file of its own")
    try:
        whole = WholeFile(path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise BackupError("backup", f"cannot write {path}: {exc.strerror or exc}") from None
    with whole:
        with zipfile.ZipFile(whole.file, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=6) as archive:
            snap = _write_snapshot(recorder.engine, archive, progress, tables)
            archive.writestr(_member(HEAD), json.dumps(snap.head, indent=2) + "\n")
            uploads = 0
            if include_instance and instance is not None:
                # Read after the snapshot: an erasure made meanwhile is in the file, and
                # every file a row of the snapshot names (files are stored before the event).
                for name in INSTANCE_FILES:
                    source = instance.path / name
                    if source.exists():
                        archive.writestr(_member(INSTANCE_PREFIX + name), source.read_bytes())
                uploads = _write_uploads(archive, uploads_of(instance.path), snap)
            head = snap.head or {"position": 0, "hash": GENESIS_HASH}
            manifest = BackupManifest(
                format_version=FORMAT_VERSION, created_at=format_time(utcnow()),
                engine=recorder.engine.dialect.name, schema=snap.schema,
                events=snap.events, member_keys=snap.keys,
                head_position=head["position"], head_hash=head["hash"],
                includes_instance=include_instance, sha256=snap.digests,
                tables=snap.tables, uploads=uploads)
            archive.writestr(_member(MANIFEST), json.dumps(manifest.to_json(), indent=2) + "\n")
        whole.place(path)
    return BackupReport(path, manifest, path.stat().st_size)


# -- reading ----------------------------------------------------------------------------------

def _open_archive(path: Path) -> zipfile.ZipFile:
    if not path.exists():
        raise BackupError("backup", f"there is no backup at {path}")
    if path.is_dir():
        raise BackupError("backup", f"{path} is a directory, not a backup file")
    if not regular_or_new(path):
        # A zip archive is read from its end: a FIFO would wait for ever for a writer,
        # and a stream cannot be read back.
        raise BackupError("backup", f"{path} is no regular file: restore reads a backup "
                                    "file (copy a stream into one first)")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError("backup", f"{path} is not a Journey backup (not a zip archive, "
                                    "or cut short)") from None
    except OSError as exc:
        raise BackupError("backup", f"cannot read {path}: {exc.strerror or exc}") from None


def _known_tables(manifest: BackupManifest, path: Path,
                  tables: Sequence[Table]) -> dict[str, Table]:
    """The tables a restore may write, by name (the log schema's, and the caller's); a
    backup holding another is refused."""
    known = {**EXTRA_BY_NAME, **{t.name: t for t in tables}}
    unknown = [t for t in manifest.tables if t not in known]
    if unknown:
        raise BackupError("backup", f"{path} holds tables this Journey does not know "
                                    f"({', '.join(unknown)}); upgrade Journey first")
    return known


def _manifest(archive: zipfile.ZipFile, path: Path) -> BackupManifest:
    try:
        body = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise BackupError("backup", f"{path} is not a Journey backup (no {MANIFEST})") from None
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError) as exc:
        raise BackupError("backup", f"{path}: {MANIFEST} is damaged ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BackupError("backup", f"{path} is not a Journey backup")
    if body.get("format_version") != FORMAT_VERSION:
        raise BackupError("backup", f"{path} is backup format {body.get('format_version')!r}; "
                                    f"this Journey reads format {FORMAT_VERSION}")
    try:
        head = body.get("head") or {"position": 0, "hash": GENESIS_HASH}
        manifest = BackupManifest(
            format_version=FORMAT_VERSION, created_at=str(body["created_at"]),
            engine=str(body["engine"]), schema=body.get("schema"), events=int(body["events"]),
            member_keys=int(body["member_keys"]), head_position=int(head["position"]),
            head_hash=str(head["hash"]), includes_instance=bool(body["includes_instance"]),
            sha256=dict(body["sha256"]),
            tables={str(k): int(v) for k, v in (body.get("tables") or {}).items()},
            uploads=int(body.get("uploads") or 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError("backup", f"{path}: {MANIFEST} lacks or garbles {exc}") from None
    names = set(archive.namelist())
    missing = [n for n in (EVENTS, KEYS, HEAD) if n not in names]
    missing += [TABLES_PREFIX + t + ".jsonl" for t in manifest.tables
                if TABLES_PREFIX + t + ".jsonl" not in names]
    if manifest.includes_instance:
        missing += [INSTANCE_PREFIX + n for n in _KEY_FILES if INSTANCE_PREFIX + n not in names]
    if manifest.uploads and UPLOADS not in names:
        missing.append(UPLOADS)
    if missing:
        raise BackupError("backup", f"{path} is incomplete: no {', '.join(missing)}")
    return manifest


def read_backup_manifest(path: Path | str) -> BackupManifest:
    """The manifest of a backup file (BackupError `backup` when it is not one)."""
    path = Path(path)
    with _open_archive(path) as archive:
        return _manifest(archive, path)


def _lines(archive: zipfile.ZipFile, name: str, expected_digest: str | None,
           path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of a JSON Lines member, checking its sha256 at the end."""
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            for number, raw in enumerate(member, start=1):
                digest.update(raw)
                try:
                    value = json.loads(raw)
                except ValueError:
                    raise BackupError("backup", f"{path}: {name} line {number} is not "
                                                "JSON") from None
                if not isinstance(value, dict):
                    raise BackupError("backup", f"{path}: {name} line {number} is not an "
                                                "object")
                yield number, value
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise BackupError("backup", f"{path}: {name} is damaged ({exc})") from None
    if expected_digest is not None and digest.hexdigest() != expected_digest:
        raise BackupError("backup", f"{path}: {name} does not match the manifest's sha256")


# -- restoring --------------------------------------------------------------------------------

def _log_is_empty(conn: Connection, others: Iterable[Table]) -> bool:
    """Whether the log's tables and `others` (those the restore may write: accounts,
    tokens, ...) hold no row; a row in any of them would clash with the backup's."""
    tables = inspect(conn)
    for table in (events, log_head, member_keys, *others):
        if tables.has_table(table.name) and conn.execute(
                select(func.count()).select_from(table)).scalar():
            return False
    return True


def _refuse_non_empty(where: str) -> BackupError:
    return BackupError("not_empty", f"{where} already holds a log or accounts; restore only "
                                    "goes into an empty database (a new SQLite file or an "
                                    "empty PostgreSQL database)")


def _instance_files(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {name: archive.read(INSTANCE_PREFIX + name) for name in INSTANCE_FILES
            if INSTANCE_PREFIX + name in archive.namelist()}


def _check_instance_dir(files: dict[str, bytes], instance_dir: Path) -> None:
    """Refuse an instance directory that holds other keys than the backup's."""
    different = [name for name in _KEY_FILES
                 if (instance_dir / name).exists()
                 and (instance_dir / name).read_bytes() != files.get(name)]
    if different:
        raise BackupError("instance_exists",
                          f"{instance_dir} already holds other keys ({', '.join(different)}) "
                          "than the backup's; restore into an installation without keys, or "
                          "point JOURNEY_INSTANCE_DIR at an empty directory")


def _keys_of(files: dict[str, bytes], instance_dir: Path, path: Path) -> InstanceKeys:
    """The backup's instance keys, in memory (nothing written yet)."""
    try:
        signing = serialization.load_pem_private_key(files[SIGNING_KEY], password=None)
        keys = InstanceKeys(master_key=files[MASTER_KEY], seal_key=files[SEAL_KEY],
                            signing_key=signing,  # type: ignore[arg-type]
                            secret_key=files[SECRET_KEY].decode("ascii").strip(),
                            path=instance_dir)
        Cipher(keys.master_key, MemoryKeyStore())  # a master key of the wrong size refuses
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BackupError("backup", f"{path}: the instance keys in it are damaged "
                                    f"({exc})") from None
    if not isinstance(signing, Ed25519PrivateKey) or len(keys.seal_key) != KEY_BYTES:
        raise BackupError("backup", f"{path}: the instance keys in it are damaged")
    return keys


def _restore_instance(files: dict[str, bytes], instance_dir: Path) -> list[str]:
    """Write the backup's instance files where missing; refuse other keys already there."""
    _check_instance_dir(files, instance_dir)
    if not instance_dir.is_dir():
        instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(instance_dir, 0o700)
    written = [name for name in INSTANCE_FILES if name in files
               and create_file(instance_dir / name, files[name])]
    keys = ensure_instance(instance_dir)  # uploads/ and an erasures file if missing
    for member_id in (files.get(ERASURES, b"").decode("utf-8").split()):
        if member_id not in keys.erasures():
            keys.add_erasure(member_id)
            if ERASURES not in written:
                written.append(ERASURES)
    fsync_dir(instance_dir)
    return written


def _upload_entries(archive: zipfile.ZipFile, manifest: BackupManifest, path: Path
                    ) -> list[dict[str, Any]]:
    """The backup's uploads, each file read once and checked against its sha256 and size
    (BackupError `backup` otherwise), before anything is restored."""
    if not manifest.uploads:
        return []
    entries: list[dict[str, Any]] = []
    for number, entry in _lines(archive, UPLOADS, manifest.sha256.get(UPLOADS), path):
        digest, size = entry.get("digest"), entry.get("size")
        if not isinstance(digest, str) or not is_digest(digest) or type(size) is not int \
                or size < 1:
            raise BackupError("backup", f"{path}: {UPLOADS} line {number} is not an upload "
                                        "(digest and a size of at least one byte)")
        entries.append(entry)
    if len(entries) != manifest.uploads:
        raise BackupError("backup", f"{path}: {UPLOADS} lists {len(entries)} uploads; the "
                                    f"manifest says {manifest.uploads}")
    for entry in entries:
        name = UPLOADS_PREFIX + entry["digest"]
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as member:
                for chunk in iter(lambda: member.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
        except KeyError:
            raise BackupError("backup", f"{path} is incomplete: no {name}") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise BackupError("backup", f"{path}: {name} is damaged ({exc})") from None
        if (digest.hexdigest(), size) != (entry["digest"], entry["size"]):
            raise BackupError("backup", f"{path}: {name} does not match its sha256 and size")
    return entries


def _restore_uploads(archive: zipfile.ZipFile, entries: list[dict[str, Any]],
                     instance_dir: Path) -> int:
    """Write the checked uploads the store lacks (content-addressed: one there is the same).

    Done before the rows go in: a failure (a full disk) then leaves the database empty, and
    files already written are harmless (each is named by its content, and nothing names it).
    """
    if not entries:
        return 0
    if not instance_dir.is_dir():
        instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(instance_dir, 0o700)
    # A file the store once took is restored even if the limit was lowered since.
    store = Uploads(uploads_of(instance_dir).root,
                    limit=max(MAX_UPLOAD, *(e["size"] for e in entries)))
    written = 0
    try:
        for entry in entries:
            if store.exists(entry["digest"]):
                continue
            with archive.open(UPLOADS_PREFIX + entry["digest"]) as member:
                store.put(member, filename=entry.get("filename"),
                          media_type=entry.get("media_type"))
            written += 1
    except OSError as exc:
        raise BackupError("backup", f"cannot write the uploads into {store.root}: "
                                    f"{exc.strerror or exc}") from None
    return written


def _known_revision(revision: str | None) -> bool:
    if revision is None:
        return True
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
        return False


@dataclass
class _People:
    """Who the backup's log registered and erased (ids are never encrypted)."""

    registered: set[str] = field(default_factory=set)
    erased: set[str] = field(default_factory=set)

    def see(self, row: StoredRow) -> None:
        if row.type == "MemberRegistered":
            self.registered.add(row.data.get("member_id"))
        elif row.type == "MemberErased":
            self.erased.add(row.data.get("member_id"))


def _stored_row(number: int, value: dict[str, Any], path: Path) -> tuple[StoredRow, dict]:
    try:
        params = {name: value[name] for name in _EVENT_COLUMNS}
        row = StoredRow(int(params["position"]), params["event_id"], params["stream"],
                        int(params["version"]), params["type"], int(params["schema_version"]),
                        json.loads(params["data"]), json.loads(params["meta"]),
                        int(params["occurred_at"]), int(params["recorded_at"]),
                        params["idempotency_scope"], params["hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError("backup", f"{path}: {EVENTS} line {number} is not a stored row "
                                    f"({exc})") from None
    return row, params


def _insert_rows(conn: Connection, archive: zipfile.ZipFile, manifest: BackupManifest,
                 path: Path, people: _People, progress: Progress | None) -> tuple[int, str]:
    """Insert the rows in batches, checking the chain as they go; (last position, hash)."""
    position, chain, recorded_at = 0, GENESIS_HASH, 0
    batch: list[dict[str, Any]] = []
    for number, value in _lines(archive, EVENTS, manifest.sha256.get(EVENTS), path):
        row, params = _stored_row(number, value, path)
        if row.position != position + 1:
            raise BackupError("backup", f"{path}: position {position + 1} is missing "
                                        f"({EVENTS} line {number} is position {row.position})")
        if row_hash(chain, row) != row.hash:
            raise BackupError("backup", f"{path}: the row at position {row.position} does not "
                                        "match its hash (the backup, or the log it was taken "
                                        "from, was altered)")
        if row.recorded_at < recorded_at:  # the store never records back in time
            raise BackupError("backup", f"{path}: the row at position {row.position} is "
                                        "recorded before the row before it")
        position, chain, recorded_at = row.position, row.hash, row.recorded_at
        people.see(row)
        batch.append(params)
        if len(batch) == PAGE:
            conn.execute(insert(events), batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        conn.execute(insert(events), batch)
        if progress is not None:
            progress(len(batch))
    return position, chain


def _insert_keys(conn: Connection, archive: zipfile.ZipFile, manifest: BackupManifest,
                 path: Path, instance: InstanceKeys) -> set[str]:
    check = Cipher(instance.master_key, MemoryKeyStore())
    members: set[str] = set()
    batch: list[dict[str, Any]] = []
    for number, value in _lines(archive, KEYS, manifest.sha256.get(KEYS), path):
        try:
            member_id = value["member_id"]
            wrapped = base64.b64decode(value["wrapped_key"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise BackupError("backup", f"{path}: {KEYS} line {number} is not a key "
                                        f"({exc})") from None
        try:
            check.unwrap(member_id, wrapped)
        except CipherError:
            raise BackupError("instance_mismatch",
                              f"the key of {member_id} in the backup does not open with "
                              f"{instance.path / MASTER_KEY}: restore with the instance "
                              "directory the backup was taken with") from None
        members.add(member_id)
        batch.append({"member_id": member_id, "wrapped_key": wrapped})
        if len(batch) == PAGE:
            conn.execute(insert(member_keys), batch)
            batch = []
    if batch:
        conn.execute(insert(member_keys), batch)
    if len(members) != manifest.member_keys:
        raise BackupError("backup", f"{path}: {KEYS} holds {len(members)} keys, the manifest "
                                    f"says {manifest.member_keys}")
    return members


def _resume_failure_runs(conn: Connection) -> None:
    """Date the runs of failed sign-ins that a backup from before 0008 brought undated.

    Such a backup has no accounts.last_failed_at: a run would read as stale and start
    again from one. Dated now, as migration 0008 dates the runs it finds, it goes on.
    """
    c = accounts.c
    conn.execute(update(accounts).where(c.failed_logins > 0, c.last_failed_at.is_(None))
                 .values(last_failed_at=to_micros(utcnow())))


def _insert_table(conn: Connection, archive: zipfile.ZipFile, manifest: BackupManifest,
                  path: Path, table: Table) -> None:
    name = TABLES_PREFIX + table.name + ".jsonl"
    binary = {c.name for c in table.columns if isinstance(c.type, LargeBinary)}
    known = {c.name for c in table.columns}
    count = 0
    batch: list[dict[str, Any]] = []
    for number, value in _lines(archive, name, manifest.sha256.get(name), path):
        if not value.keys() <= known:
            raise BackupError("backup", f"{path}: {name} line {number} has unknown columns "
                                        f"({', '.join(sorted(value.keys() - known))})")
        try:
            batch.append({c: (base64.b64decode(v, validate=True)
                              if c in binary and v is not None else v)
                          for c, v in value.items()})
        except (TypeError, binascii.Error) as exc:
            raise BackupError("backup", f"{path}: {name} line {number}: {exc}") from None
        count += 1
        if len(batch) == PAGE:
            conn.execute(insert(table), batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)
    if count != manifest.tables[table.name]:
        raise BackupError("backup", f"{path}: {name} holds {count} rows, the manifest says "
                                    f"{manifest.tables[table.name]}")
    if conn.dialect.name == "postgresql":
        # Rows came with their ids: move the id sequence past them, or the next insert
        # would be given an id that is taken.
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                    column.autoincrement == "auto" and isinstance(column.type, Integer)):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) "
                    f"FROM {table.name}"))


def _erase_accounts(engine: Engine, member_ids: set[str]) -> int:
    """Delete the accounts (tokens, links) of erased members; how many accounts went."""
    if not member_ids:
        return 0
    names = set(inspect(engine).get_table_names())
    if not {"accounts", "tokens", "one_time_links"} <= names:
        return 0
    ids = sorted(member_ids)
    gone = 0
    with engine.begin() as conn:
        for start in range(0, len(ids), PAGE):
            page = ids[start:start + PAGE]
            owned = [a for (a,) in conn.execute(select(accounts.c.id).where(
                accounts.c.member_id.in_(page)))]
            conn.execute(delete(one_time_links).where(one_time_links.c.member_id.in_(page)))
            if owned:
                conn.execute(delete(tokens).where(tokens.c.account_id.in_(owned)))
                conn.execute(delete(one_time_links).where(
                    one_time_links.c.account_id.in_(owned)))
                gone += conn.execute(delete(accounts).where(accounts.c.id.in_(owned))).rowcount
    return gone


def _read_head(archive: zipfile.ZipFile, path: Path) -> dict[str, Any] | None:
    try:
        head = json.loads(archive.read(HEAD).decode("utf-8"))
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError) as exc:
        raise BackupError("backup", f"{path}: {HEAD} is damaged ({exc})") from None
    if head is not None and not (isinstance(head, dict)
                                 and {"position", "hash", "seal"} <= head.keys()):
        raise BackupError("backup", f"{path}: {HEAD} is not a sealed head")
    return head


def restore_backup(engine: Engine, path: Path | str, *, instance: InstanceKeys | None = None,
                   instance_dir: Path | str | None = None,
                   migrations: Iterable[Callable[[Engine], None]] = (),
                   progress: Progress | None = None,
                   tables: Sequence[Table] = ()) -> RestoreReport:
    """Restore a backup into the empty database of `engine`; re-apply the instance's erasures.

    The keys that seal and unlock the backup come from `instance` (the installation's loaded
    instance directory) or, for a backup made with include_instance, are written into
    `instance_dir` (which must hold no other keys). `migrations` are further schema
    upgrades to run after the log's own (the projections', as in `init_log`); they create
    `tables`, the other schemas' tables the backup may hold (write_backup's `tables`).
    """
    path = Path(path)
    if (instance is None) == (instance_dir is None):
        raise ValueError("give exactly one of instance and instance_dir")
    with _open_archive(path) as archive:
        manifest = _manifest(archive, path)
        known = _known_tables(manifest, path, tables)
        if not _known_revision(manifest.schema):
            raise BackupError("backup", f"{path} was made by a newer Journey (log schema "
                                        f"{manifest.schema}); upgrade Journey first")
        head = _read_head(archive, path)
        uploads = _upload_entries(archive, manifest, path)
        where = engine.url.render_as_string(hide_password=True)
        with engine.connect() as conn:
            if not _log_is_empty(conn, known.values()):
                raise _refuse_non_empty(where)
        files: dict[str, bytes] = {}
        if instance_dir is not None:
            if not manifest.includes_instance:
                raise BackupError("backup", f"{path} holds no instance keys (it was made "
                                            "without --include-instance)")
            instance_dir = Path(instance_dir)
            files = _instance_files(archive)
            _check_instance_dir(files, instance_dir)
            # Checked with the backup's keys in memory; written only once the rows are in.
            instance = _keys_of(files, instance_dir, path)
        assert instance is not None
        if head is not None and not instance.check_seal(head["position"], head["hash"],
                                                        head["seal"]):
            raise BackupError("instance_mismatch",
                              f"the backup's head is not sealed with {instance.path / SEAL_KEY}:"
                              " restore with the instance directory the backup was taken "
                              "with (or a backup made with --include-instance)")
        restored_uploads = _restore_uploads(
            archive, uploads, Path(instance_dir) if instance_dir is not None else instance.path)
        upgrade(engine)
        for migrate in migrations:
            migrate(engine)
        people = _People()
        is_sqlite = engine.dialect.name == "sqlite"
        conn = engine.connect()
        if is_sqlite:
            conn = conn.execution_options(sqlite_immediate=True)  # the write lock up front
        with conn, conn.begin():
            if not is_sqlite:
                # Appenders on other connections wait for the restore rather than race it.
                conn.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY)))
            if not _log_is_empty(conn, known.values()):
                raise _refuse_non_empty(where)
            position, chain = _insert_rows(conn, archive, manifest, path, people, progress)
            keys = _insert_keys(conn, archive, manifest, path, instance)
            for name in manifest.tables:
                _insert_table(conn, archive, manifest, path, known[name])
            _resume_failure_runs(conn)
            expected = head or {"position": 0, "hash": GENESIS_HASH}
            if position != manifest.events or (position, chain) != (expected["position"],
                                                                    expected["hash"]):
                raise BackupError("backup", f"{path}: the rows end at {position} ({chain}) "
                                            f"but the head says {expected['position']} "
                                            f"({expected['hash']}); the manifest says "
                                            f"{manifest.events} events")
            if head is not None:
                conn.execute(insert(log_head), {"id": 1, "position": head["position"],
                                                "hash": head["hash"], "seal": head["seal"]})
        written: list[str] = []
        if instance_dir is not None:
            written = _restore_instance(files, Path(instance_dir))
            instance = ensure_instance(Path(instance_dir))
    report = RestoreReport(manifest.events, len(keys), manifest.head_position,
                           manifest.head_hash, instance_files=written,
                           tables=dict(manifest.tables), uploads=restored_uploads)
    _reapply_erasures(engine, instance, people, keys, report)
    return report


def _reapply_erasures(engine: Engine, instance: InstanceKeys, people: _People,
                      keys: set[str], report: RestoreReport) -> None:
    recorder = SqlRecorder(engine)
    try:
        store = EventStore(recorder, master_key=instance.master_key, seal=instance.seal)
        for member_id in sorted(instance.erasures()):
            if member_id in people.registered and member_id not in people.erased:
                # The backup predates the erasure: say so in the log, deleting the key in
                # the same transaction (the chain grows by one valid event).
                try:
                    result = store.erase(member_id, REQUESTED_BY, actor="admin")
                except errors.Refused:
                    # Not erasable through the domain (should not happen): still drop the key.
                    result = None
                if result is not None:
                    report.appended.append(result.position)
                    report.reapplied.append(member_id)
                    keys.discard(member_id)
            if member_id in keys:
                with recorder.serialised() as tx:
                    tx.delete(member_id)
                keys.discard(member_id)
                if member_id not in report.reapplied:
                    report.reapplied.append(member_id)
            elif member_id not in people.registered and member_id not in report.reapplied:
                report.not_in_backup.append(member_id)
        report.member_keys = len(keys)
        report.accounts_deleted = _erase_accounts(engine, instance.erasures())
        recorder.scrub()
        recorder.analyse(report.events, report.events)  # the whole log, new to the planner
    finally:
        recorder.close()
