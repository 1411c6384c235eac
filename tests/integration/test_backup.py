"""`journey backup` / `journey restore` (issue 6), on SQLite and PostgreSQL.

A restore gives back the very rows (positions, hashes, data as stored), keys and sealed
head, so `verify` passes; it re-applies erasures the backup predates; it goes only into an
empty log; a backup taken while writers append is a consistent snapshot (a prefix of the
final log whose keys are exactly those its rows need).
"""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, insert, inspect, select, text

import events.backup as backup_module
import events.sql as events_sql
from cli.main import main
from events.accounts import AccountError, Accounts
from events.backup import (PAGE, BackupError, read_backup_manifest, restore_backup,
                           write_backup)
from events.crypto import is_ciphertext
from events.exchange import import_lines
from events.instance import ensure_instance, load_instance
from events.log import Log, init_log, open_log
from events.sql import SqlRecorder, make_engine
from events.store import EventStore
from events.uploads import uploads_of
from events.tables import (accounts, events, log_head, member_keys, one_time_links,
                           sign_in_failures, tokens)
from events.recorder import StoredRow
from events.verify import row_hash, verify_log
from journey.clock import utcnow
from journey.config import Config
from journey.events import MemberRegistered
from journey.records import RecordEvent
from projections.app import open_journey
from projections.migrate import upgrade_projections
from projections.tables import KEPT, ob_status_index
from tests.integration.accounts_setup import FAST
from tests.integration.story import IVAN_REFLECTION, jsonl, open_test_log, story

SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "sample.jsonl"


# -- helpers ----------------------------------------------------------------------------------

@pytest.fixture
def source(database_factory, tmp_path) -> Iterator[Log]:
    """A log holding the 13-event story, its instance in tmp_path/instance."""
    log = open_test_log(database_factory(), tmp_path)
    assert import_lines(log.store, jsonl(story()), source_id="story").appended == 13
    yield log
    log.close()


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    """Engines the test opens, disposed at the end (so PostgreSQL databases can be dropped)."""
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def engine_at(url: str, engines: list[Engine]) -> Engine:
    engine = make_engine(url)
    engines.append(engine)
    return engine


def rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(events).order_by(events.c.position))]


def keys(engine: Engine) -> dict[str, bytes]:
    with engine.connect() as conn:
        return {m: bytes(w) for m, w in conn.execute(select(member_keys.c.member_id,
                                                            member_keys.c.wrapped_key))}


def head(engine: Engine) -> tuple | None:
    with engine.connect() as conn:
        r = conn.execute(select(log_head)).first()
    return tuple(r) if r is not None else None


def store_on(engine: Engine, instance) -> EventStore:
    return EventStore(SqlRecorder(engine), master_key=instance.master_key, seal=instance.seal)


def reflection_text(store: EventStore) -> str:
    row = next(r for r in store.read_rows() if r.type == "ReflectionRecorded")
    return store.to_recorded(row).event.text


def is_empty(engine: Engine) -> bool:
    """No log in the database: no tables yet (refused before migrating), or no rows."""
    if not inspect(engine).has_table("events"):
        return True
    return not rows(engine) and head(engine) is None and not keys(engine)


# -- backup and restore -----------------------------------------------------------------------

def test_a_restore_gives_back_the_same_rows_keys_and_head(source: Log, database_factory,
                                                          tmp_path, engines) -> None:
    path = tmp_path / "journey.backup"
    written = write_backup(source.recorder, path)
    target = engine_at(database_factory(), engines)

    restored = restore_backup(target, path, instance=source.instance,
                              migrations=(upgrade_projections,))

    manifest = read_backup_manifest(path)
    source_head = source.store.head()
    assert (manifest.events, manifest.member_keys) == (13, 2)
    assert (manifest.head_position, manifest.head_hash) == (13, source_head.hash)
    assert manifest.includes_instance is False and manifest.schema is not None
    assert written.size == path.stat().st_size and path.stat().st_mode & 0o077 == 0
    assert {"events.jsonl", "head.json", "manifest.json", "member_keys.jsonl"} <= set(
        zipfile.ZipFile(path).namelist())
    assert not any(n.startswith("instance/") for n in zipfile.ZipFile(path).namelist())
    assert (restored.events, restored.member_keys, restored.head_hash) == (
        13, 2, source_head.hash)
    assert restored.reapplied == [] and restored.appended == []
    source_engine = source.recorder.engine
    assert rows(target) == rows(source_engine)  # positions, hashes, data text, times
    assert keys(target) == keys(source_engine)
    assert head(target) == head(source_engine)
    assert verify_log(SqlRecorder(target), source.instance).line() == \
        f"OK 13 events, head {source_head.hash}"
    assert reflection_text(store_on(target, source.instance)) == IVAN_REFLECTION


@pytest.mark.postgres
def test_a_restore_into_postgresql_leaves_its_tables_analysed(source: Log, fresh_postgres_url,
                                                              tmp_path, engines,
                                                              monkeypatch) -> None:
    path = tmp_path / "journey.backup"
    write_backup(source.recorder, path)
    monkeypatch.setattr(events_sql, "ANALYSE_AFTER", 10)  # 10,000 in production: 13 here
    target = engine_at(fresh_postgres_url, engines)
    assert restore_backup(target, path, instance=source.instance).events == 13
    with target.connect() as conn:
        maintained = {r.relname: (r.vacuumed, r.analysed) for r in conn.execute(text(
            "SELECT relname, last_vacuum IS NOT NULL AS vacuumed, "
            "last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables "
            "WHERE relname IN ('events', 'member_keys')"))}
    assert maintained == {"events": (True, True), "member_keys": (True, True)}


def test_projections_rebuild_from_a_restored_log(source: Log, database_factory,
                                                 tmp_path) -> None:
    path = tmp_path / "journey.backup"
    write_backup(source.recorder, path)
    url = database_factory()
    engine = make_engine(url)
    try:
        restore_backup(engine, path, instance=source.instance,
                       migrations=(upgrade_projections,))
    finally:
        engine.dispose()

    journey = open_journey(Config(url, tmp_path / "instance", "http://127.0.0.1:5000"))
    try:
        journey.runner.rebuild()
        statuses = journey.runner.status()
    finally:
        journey.close()

    assert statuses and all((s.checkpoint, s.state) == (13, "ok") for s in statuses)


def test_an_erasure_made_after_the_backup_is_reapplied(source: Log, database_factory,
                                                       tmp_path, engines) -> None:
    path = tmp_path / "before.backup"
    write_backup(source.recorder, path)
    source.store.erase("ivan", "ivan")
    source.instance.add_erasure("ivan")
    source.instance.add_erasure("m-later")  # registered and erased after the backup
    target = engine_at(database_factory(), engines)

    report = restore_backup(target, path, instance=source.instance)

    assert report.reapplied == ["ivan"] and report.appended == [14]
    assert report.not_in_backup == ["m-later"]
    assert "ivan" not in keys(target) and "ana" in keys(target)
    restored = rows(target)
    assert restored[:13] == rows(source.recorder.engine)[:13]
    erased = json.loads(restored[13][6])
    assert (restored[13][4], erased) == ("MemberErased",
                                         {"member_id": "ivan", "requested_by": "restore"})
    assert is_ciphertext(reflection_text(store_on(target, source.instance)))
    report = verify_log(SqlRecorder(target), source.instance)
    assert report.ok and report.events == 14


def test_a_backup_taken_after_the_erasure_restores_it_as_it_was(
        source: Log, database_factory, tmp_path, engines) -> None:
    source.store.erase("ivan", "ivan")
    source.instance.add_erasure("ivan")
    path = tmp_path / "after.backup"
    write_backup(source.recorder, path)
    target = engine_at(database_factory(), engines)

    report = restore_backup(target, path, instance=source.instance)

    assert (report.events, report.reapplied, report.appended) == (14, [], [])
    assert rows(target) == rows(source.recorder.engine)
    assert "ivan" not in keys(target)
    assert verify_log(SqlRecorder(target), source.instance).ok


def test_accounts_come_back_and_an_erased_members_account_goes(
        source: Log, database_factory, tmp_path, engines) -> None:
    with source.recorder.engine.begin() as conn:
        for member in ("ana", "ivan"):
            conn.execute(insert(accounts).values(
                member_id=member, username=member, password_hash="x", is_admin=member == "ana",
                time_zone="Europe/Belgrade", language="sr", created_at=1, failed_logins=0))
        ivan = conn.execute(select(accounts.c.id).where(accounts.c.member_id == "ivan")).scalar()
        conn.execute(insert(tokens).values(account_id=ivan, name="script", token_hash="t" * 64,
                                           created_at=1))
        conn.execute(insert(one_time_links).values(token_hash="l" * 64, member_id="ivan",
                                                   purpose="invite", expires_at=2))
        # Throttling state, not anyone's data: it stays out of the backup.
        conn.execute(insert(sign_in_failures).values(name_hash="f" * 64, failed_logins=5,
                                                     locked_until=3, last_failed_at=2))
    path = tmp_path / "journey.backup"
    written = write_backup(source.recorder, path)
    source.store.erase("ivan", "ivan")
    source.instance.add_erasure("ivan")
    target = engine_at(database_factory(), engines)

    report = restore_backup(target, path, instance=source.instance)

    assert written.manifest.tables == {"accounts": 2, "one_time_links": 1, "tokens": 1,
                                       "ob_issuers": 0, "share_links": 0}
    assert report.accounts_deleted == 1
    with target.begin() as conn:
        assert [r.username for r in conn.execute(select(accounts))] == ["ana"]
        assert conn.execute(select(func.count()).select_from(tokens)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(one_time_links)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(sign_in_failures)).scalar() == 0
        # New accounts get fresh ids (PostgreSQL's sequence moved past the restored ones).
        conn.execute(insert(accounts).values(
            member_id="mila", username="mila", is_admin=False, time_zone="UTC",
            language="en", created_at=3, failed_logins=0))
        assert conn.execute(select(func.count()).select_from(accounts)).scalar() == 2


def test_status_list_indexes_come_back_paged_by_their_whole_key(
        source: Log, database_factory, tmp_path, engines) -> None:
    """The index each issued credential names is not made again by a fold: the backup
    carries it. Its key is (issuer, award id): pages that cut an issuer's rows lose none."""
    upgrade_projections(source.recorder.engine)
    allocated = [{"issuer": issuer, "award_id": f"a{n:05d}", "idx": n}
                 for issuer in ("installation", "network-n1") for n in range(PAGE + 300)]
    with source.recorder.engine.begin() as conn:
        conn.execute(insert(ob_status_index), allocated)
    path = tmp_path / "journey.backup"

    written = write_backup(source.recorder, path, tables=KEPT)
    target = engine_at(database_factory(), engines)
    report = restore_backup(target, path, instance=source.instance,
                            migrations=(upgrade_projections,), tables=KEPT)

    assert written.manifest.tables["ob_status_index"] == len(allocated)
    assert report.tables["ob_status_index"] == len(allocated)
    with target.connect() as conn:
        restored = [dict(r) for r in conn.execute(select(ob_status_index)).mappings()]
    assert sorted(restored, key=lambda r: (r["issuer"], r["award_id"])) == allocated
    # A restore that does not know the table says so before touching anything.
    elsewhere = engine_at(database_factory(), engines)
    with pytest.raises(BackupError, match=r"does not know \(ob_status_index\)"):
        restore_backup(elsewhere, path, instance=source.instance)
    assert is_empty(elsewhere)


def test_a_restore_into_a_log_that_is_not_empty_is_refused(source: Log, tmp_path) -> None:
    path = tmp_path / "journey.backup"
    write_backup(source.recorder, path)
    before = rows(source.recorder.engine)

    with pytest.raises(BackupError) as refused:
        restore_backup(source.recorder.engine, path, instance=source.instance)

    assert refused.value.code == "not_empty"
    assert rows(source.recorder.engine) == before


def test_include_instance_round_trip_into_an_empty_instance_dir(
        source: Log, database_factory, tmp_path, engines) -> None:
    source.instance.add_erasure("m-gone")
    path = tmp_path / "full.backup"
    write_backup(source.recorder, path, instance=source.instance, include_instance=True)
    other = tmp_path / "elsewhere" / "instance"
    target = engine_at(database_factory(), engines)

    report = restore_backup(target, path, instance_dir=other)

    assert read_backup_manifest(path).includes_instance
    for name in ("master.key", "seal.key", "signing.key", "secret_key", "erasures"):
        assert (other / name).read_bytes() == (source.instance.path / name).read_bytes()
        assert (other / name).stat().st_mode & 0o077 == 0
    assert other.stat().st_mode & 0o077 == 0 and (other / "uploads").is_dir()
    assert sorted(report.instance_files) == sorted(
        ["master.key", "seal.key", "signing.key", "secret_key", "erasures"])
    assert report.not_in_backup == ["m-gone"]
    keys_there = load_instance(other)
    assert verify_log(SqlRecorder(target), keys_there).ok
    assert reflection_text(store_on(target, keys_there)) == IVAN_REFLECTION


def test_uploaded_files_travel_with_the_instance_and_only_with_it(
        source: Log, database_factory, tmp_path, engines) -> None:
    store = uploads_of(source.instance.path)
    plan = store.put(io.BytesIO(b"%PDF-1.4 lesson plan"), filename="plan.pdf",
                     media_type="application/pdf")
    photo = store.put(io.BytesIO(bytes(range(256)) * 4096), filename="class.jpg",
                      media_type="image/jpeg")  # 1 MiB: streamed in more than one chunk
    full, plain = tmp_path / "full.backup", tmp_path / "plain.backup"
    written = write_backup(source.recorder, full, instance=source.instance,
                           include_instance=True)
    write_backup(source.recorder, plain, instance=source.instance)
    other = tmp_path / "elsewhere" / "instance"

    report = restore_backup(engine_at(database_factory(), engines), full, instance_dir=other)

    assert written.manifest.uploads == 2 == report.uploads
    assert report.to_json()["uploads"] == 2 and written.to_json()["uploads"] == 2
    there = uploads_of(other)
    assert there.digests() == sorted([plan.digest, photo.digest])
    for stored in (plan, photo):
        assert there.path_of(stored.digest).read_bytes() == stored.path.read_bytes()
        assert there.meta(stored.digest) == store.meta(stored.digest)
        assert there.path_of(stored.digest).stat().st_mode & 0o077 == 0
    # Without the keys, no uploads: they are not encrypted.
    assert read_backup_manifest(plain).uploads == 0
    assert not [n for n in zipfile.ZipFile(plain).namelist() if n.startswith("uploads")]
    # Restored again where the same files already are: kept, not written twice.
    again = restore_backup(engine_at(database_factory(), engines), full, instance_dir=other)
    assert again.uploads == 0 and there.digests() == sorted([plan.digest, photo.digest])


def test_a_damaged_or_missing_upload_refuses_the_restore_before_anything_is_written(
        source: Log, database_factory, tmp_path, engines) -> None:
    stored = uploads_of(source.instance.path).put(io.BytesIO(b"worksheet"), filename="w.txt")
    path = tmp_path / "full.backup"
    write_backup(source.recorder, path, instance=source.instance, include_instance=True)
    swapped, dropped = tmp_path / "swapped.backup", tmp_path / "dropped.backup"
    member = f"uploads/{stored.digest}"
    _rewrite(path, swapped, lambda name, body: b"other bytes" if name == member else body)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(dropped, "w") as dst:
        for name in src.namelist():
            if name != member:
                dst.writestr(name, src.read(name))
    target = engine_at(database_factory(), engines)

    for bad, says in ((swapped, "does not match its sha256 and size"),
                      (dropped, f"is incomplete: no {member}")):
        other = tmp_path / bad.stem
        with pytest.raises(BackupError) as refused:
            restore_backup(target, bad, instance_dir=other)
        assert refused.value.code == "backup" and says in refused.value.message
        assert is_empty(target) and not other.exists()


def test_an_upload_that_cannot_be_written_leaves_the_database_empty(
        source: Log, database_factory, tmp_path, engines, monkeypatch) -> None:
    uploads_of(source.instance.path).put(io.BytesIO(b"worksheet"), filename="w.txt")
    path = tmp_path / "full.backup"
    write_backup(source.recorder, path, instance=source.instance, include_instance=True)
    empty = tmp_path / "empty.backup"  # a crafted index entry of 0 bytes
    _rewrite(path, empty, lambda name, body: body.replace(b'"size":9', b'"size":0')
             if name == "uploads.jsonl" else body)
    target = engine_at(database_factory(), engines)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with pytest.raises(BackupError) as zero:
        restore_backup(target, empty, instance_dir=tmp_path / "zero")
    monkeypatch.setattr("events.uploads.Uploads.put", full_disk)
    with pytest.raises(BackupError) as disk:
        restore_backup(target, path, instance_dir=tmp_path / "full-disk")

    assert zero.value.code == "backup" and "at least one byte" in zero.value.message
    assert disk.value.code == "backup" and "No space left on device" in disk.value.message
    assert is_empty(target)  # the rows wait for the files


def test_instance_keys_are_never_overwritten_nor_mismatched(source: Log, database_factory,
                                                            tmp_path, engines) -> None:
    full = tmp_path / "full.backup"
    plain = tmp_path / "plain.backup"
    write_backup(source.recorder, full, instance=source.instance, include_instance=True)
    write_backup(source.recorder, plain)
    strangers = ensure_instance(tmp_path / "strangers")
    target = engine_at(database_factory(), engines)

    with pytest.raises(BackupError) as exists:
        restore_backup(target, full, instance_dir=strangers.path)
    with pytest.raises(BackupError) as mismatch:
        restore_backup(target, plain, instance=strangers)
    with pytest.raises(BackupError) as no_keys:
        restore_backup(target, plain, instance_dir=tmp_path / "new")

    assert exists.value.code == "instance_exists"
    assert (strangers.path / "master.key").read_bytes() == strangers.master_key
    assert mismatch.value.code == "instance_mismatch"
    assert (no_keys.value.code, "--include-instance" in no_keys.value.message) == (
        "backup", True)
    assert is_empty(target) and not (tmp_path / "new").exists()
    # The same keys already in place are fine.
    assert restore_backup(target, full, instance_dir=source.instance.path).events == 13


def _rewrite(path: Path, out: Path, change) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))


def test_damaged_backups_are_refused_and_leave_the_target_empty(
        source: Log, database_factory, tmp_path, engines) -> None:
    path = tmp_path / "journey.backup"
    write_backup(source.recorder, path)
    target = engine_at(database_factory(), engines)
    data = path.read_bytes()
    cut = tmp_path / "cut.backup"
    cut.write_bytes(data[: len(data) // 2])
    text = tmp_path / "text.backup"
    text.write_text("hello", encoding="utf-8")
    altered = tmp_path / "altered.backup"
    # The idempotency scope is not in the hash chain: the manifest's digest catches it.
    _rewrite(path, altered, lambda name, body: body.replace(
        b'"idempotency_scope":"ana', b'"idempotency_scope":"eve')
        if name == "events.jsonl" else body)

    def resealed(name: str, body: bytes) -> bytes:
        # A forger who also fixes the manifest's digest still meets the hash chain.
        changed = path_body.replace(b"CoP Vr", b"CoP Xr")
        if name == "events.jsonl":
            return changed
        if name == "manifest.json":
            manifest = json.loads(body)
            manifest["sha256"]["events.jsonl"] = hashlib.sha256(
                changed).hexdigest()
            return json.dumps(manifest).encode()
        return body

    path_body = zipfile.ZipFile(path).read("events.jsonl")
    forged = tmp_path / "forged.backup"
    _rewrite(path, forged, resealed)

    messages = {}
    for bad in (tmp_path / "missing.backup", cut, text, altered, forged):
        with pytest.raises(BackupError) as refused:
            restore_backup(target, bad, instance=source.instance)
        assert refused.value.code == "backup"
        messages[bad.name] = refused.value.message
        assert is_empty(target)

    assert "there is no backup" in messages["missing.backup"]
    assert "not a Journey backup" in messages["cut.backup"]
    assert "not a Journey backup" in messages["text.backup"]
    assert "does not match the manifest's sha256" in messages["altered.backup"]
    assert "position 4 does not match its hash" in messages["forged.backup"]
    assert restore_backup(target, path, instance=source.instance).events == 13


def test_a_row_recorded_before_the_row_before_it_is_refused(source: Log, database_factory,
                                                           tmp_path, engines) -> None:
    """Even with a hash that matches (a forger holding the instance): the as-of cut's
    search needs recorded_at never to go back along the log."""
    path = tmp_path / "journey.backup"
    write_backup(source.recorder, path)
    lines = [json.loads(line) for line in
             zipfile.ZipFile(path).read("events.jsonl").decode().splitlines()]
    fifth = lines[4]
    fifth["recorded_at"] = lines[3]["recorded_at"] - 1
    fifth["hash"] = row_hash(lines[3]["hash"], StoredRow(
        fifth["position"], fifth["event_id"], fifth["stream"], fifth["version"],
        fifth["type"], fifth["schema_version"], json.loads(fifth["data"]),
        json.loads(fifth["meta"]), fifth["occurred_at"], fifth["recorded_at"],
        fifth["idempotency_scope"], ""))
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()

    def backdated(name: str, content: bytes) -> bytes:
        if name == "events.jsonl":
            return body
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["sha256"]["events.jsonl"] = hashlib.sha256(body).hexdigest()
            return json.dumps(manifest).encode()
        return content

    forged = tmp_path / "backdated.backup"
    _rewrite(path, forged, backdated)
    target = engine_at(database_factory(), engines)

    with pytest.raises(BackupError) as refused:
        restore_backup(target, forged, instance=source.instance)
    assert "position 5 is recorded before the row before it" in refused.value.message
    assert is_empty(target)


def test_a_backup_taken_while_writers_append_restores_to_a_prefix_that_verifies(
        database_factory, tmp_path, engines, monkeypatch) -> None:
    config = Config(database_factory(), tmp_path / "instance", "http://127.0.0.1:5000")
    instance = init_log(config)
    stop = threading.Event()
    failures: list[BaseException] = []
    counts = [0] * 4

    def writer(index: int) -> None:
        log = open_log(config)
        try:
            while not stop.is_set():
                member = f"w{index}-{counts[index]}"
                log.store.submit(RecordEvent(MemberRegistered(
                    member_id=member, display_name=f"Writer {member}"), member, utcnow()))
                counts[index] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            log.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    source = engine_at(config.database_url, engines)
    deadline = time.monotonic() + 10
    while len(rows(source)) < 40 and time.monotonic() < deadline and not failures:
        time.sleep(0.01)
    # Small pages and a slow reader: writers commit many times while the backup reads.
    monkeypatch.setattr(backup_module, "PAGE", 10)
    path = tmp_path / "live.backup"
    try:
        written = write_backup(SqlRecorder(source), path,
                               progress=lambda n: time.sleep(0.005))
        time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    monkeypatch.setattr(backup_module, "PAGE", 1000)
    assert not failures, failures
    target = engine_at(database_factory(), engines)

    restore_backup(target, path, instance=instance)

    final, restored = rows(source), rows(target)
    assert written.events >= 40 and len(final) > written.events  # writers went on
    assert restored == final[:written.events]
    registered = {json.loads(r[6])["member_id"] for r in restored}
    assert set(keys(target)) == registered  # the keys of exactly those rows
    assert all(keys(target)[m] == keys(source)[m] for m in registered)
    assert verify_log(SqlRecorder(target), instance).ok
    store = store_on(target, instance)
    assert all(not is_ciphertext(store.to_recorded(r).event.display_name)
               for r in store.read_rows())


# -- the command line (SQLite) ----------------------------------------------------------------

class Journey:
    """`journey …` with JOURNEY_* pointing into a folder (a database and an instance)."""

    def __init__(self, folder: Path, instance: Path | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db = folder / "journey.db"
        self.instance = instance or folder / "instance"
        self.env = {"JOURNEY_DATABASE_URL": f"sqlite:///{self.db}",
                    "JOURNEY_INSTANCE_DIR": str(self.instance)}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(main, list(args), env=self.env)
        assert result.exit_code == code, (result.output, result.exception)
        assert "Traceback" not in result.output
        return result


@pytest.fixture
def ready(tmp_path) -> Journey:
    journey = Journey(tmp_path / "source")
    journey("init")
    journey("import", str(SAMPLE), "--keep-recorded-at")
    return journey


def test_cli_backup_and_restore(ready: Journey, tmp_path) -> None:
    file = tmp_path / "journey.zip"
    head = ready("verify").output
    with sqlite3.connect(ready.db) as conn:  # an Open Badges award's status list index
        conn.execute("INSERT INTO ob_status_index VALUES ('installation', 'aw-1', 0)")

    backed = ready("backup", str(file)).output
    ready("erase", "m-zoran", "--requested-by", "m-zoran", "--yes")
    # The same instance directory, a new database.
    elsewhere = Journey(tmp_path / "restored", instance=ready.instance)
    restored = elsewhere("restore", str(file)).output

    events = len(SAMPLE.read_text(encoding="utf-8").splitlines())
    hash_ = head.split()[-1]
    assert backed.startswith(f"backed up {events} events and ") and hash_ in backed
    assert file.stat().st_mode & 0o077 == 0
    assert f"restored {events} events" in restored and hash_ in restored
    assert f"re-applied 1 erasure(s): m-zoran (MemberErased appended at {events + 1})" \
        in restored
    assert elsewhere("verify").output.startswith(f"OK {events + 1} events, head ")
    assert "1 ob_status_index" in restored
    with sqlite3.connect(elsewhere.db) as conn:
        assert conn.execute("SELECT * FROM ob_status_index").fetchall() == [
            ("installation", "aw-1", 0)]
    assert "Zoran Ilić" not in elsewhere("export").stdout
    elsewhere("projections", "rebuild")
    assert elsewhere("restore", str(file), code=1).stderr.startswith("error: not_empty: ")


def test_cli_restore_into_a_database_with_only_an_account_is_refused(ready: Journey,
                                                                     tmp_path) -> None:
    # No event yet, but an account: the backup's accounts would clash with it.
    file = tmp_path / "journey.zip"
    ready("backup", str(file))
    elsewhere = Journey(tmp_path / "restored", instance=ready.instance)
    elsewhere("init")
    added = elsewhere.runner.invoke(main, ["user", "add", "qa9", "--admin", "--password-stdin"],
                                    env=elsewhere.env, input="a long enough password\n")
    assert added.exit_code == 0, added.output

    refused = elsewhere("restore", str(file), code=1)

    assert refused.stderr.startswith("error: not_empty: ")
    assert elsewhere("verify").output.startswith("OK 0 events")
    assert "qa9" in elsewhere("user", "list").output


def test_cli_backup_with_the_instance_restores_an_installation(ready: Journey,
                                                               tmp_path) -> None:
    file = tmp_path / "full.zip"
    help_text = ready("backup", "--help").output

    shared = uploads_of(ready.instance).put(io.BytesIO(b"lesson plan"), filename="plan.txt")
    result = ready("backup", str(file), "--include-instance")
    fresh = Journey(tmp_path / "new-machine")
    restored = json.loads(fresh("restore", str(file), "--json").stdout)

    assert "personal data" in " ".join(help_text.split())
    assert "holds the instance keys" in result.stderr
    assert " member keys and 1 uploaded files to " in result.stdout
    assert restored["uploads"] == 1
    assert uploads_of(fresh.instance).path_of(shared.digest).read_bytes() == b"lesson plan"
    assert sorted(restored["instance_files"]) == sorted(
        ["master.key", "seal.key", "signing.key", "secret_key", "erasures"])
    assert fresh("verify").output == ready("verify").output
    assert fresh("export").stdout == ready("export").stdout  # same keys: same clear text


def test_cli_errors(ready: Journey, tmp_path) -> None:
    file = tmp_path / "journey.zip"
    ready("backup", str(file))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a backup")
    nowhere = Journey(tmp_path / "nowhere")

    missing = ready("restore", str(tmp_path / "missing.zip"), code=1).stderr
    corrupt = Journey(tmp_path / "a", ready.instance)("restore", str(junk), code=1).stderr
    not_empty = ready("restore", str(file), code=1).stderr
    no_keys = nowhere("restore", str(file), code=1).stderr
    other_keys = Journey(tmp_path / "b")
    other_keys("init")
    mismatch = other_keys("restore", str(tmp_path / "journey.zip"), code=1).stderr
    before_init = nowhere("backup", str(tmp_path / "x.zip"), code=1).stderr

    assert missing.startswith("error: backup: there is no backup at ")
    assert corrupt.startswith("error: backup: ") and "not a Journey backup" in corrupt
    assert not_empty.startswith("error: not_empty: ")
    assert no_keys.startswith("error: instance: ") and "--include-instance" in no_keys
    assert mismatch.startswith("error: instance_mismatch: ")
    assert before_init.startswith("error: not_initialised: ")
    assert all(s.count("\n") == 1 for s in (missing, corrupt, not_empty, no_keys))
    assert not (tmp_path / "x.zip").exists()
    with sqlite3.connect(ready.db) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(
            SAMPLE.read_text(encoding="utf-8").splitlines())


def test_a_database_the_upgraded_code_has_not_migrated_yet_backs_up(
        database_factory, tmp_path, engines) -> None:
    """Backing up before `journey init` migrates is the careful order after an upgrade:
    the backup takes the columns the database has, and a restore fills the newer ones."""
    from events.migrate import upgrade
    from tests.integration.old_accounts import add_account

    old = engine_at(database_factory(), engines)
    upgrade(old, "0006")  # before accounts had a session generation (0007)
    add_account(old, "ana")
    add_account(old, "ivan", failed_logins=4)  # one more wrong password locks him
    path = tmp_path / "before-init.backup"

    written = write_backup(SqlRecorder(old), path)

    assert written.manifest.tables["accounts"] == 2
    target = engine_at(database_factory(), engines)
    restore_backup(target, path, instance=ensure_instance(tmp_path / "instance"))
    with target.connect() as conn:
        ana, ivan = conn.execute(select(accounts).order_by(accounts.c.id)).mappings().all()
    assert (ana["username"], ana["session_generation"]) == ("ana", 0)
    # His run of failures goes on (dated by the restore, as migration 0008 dates runs).
    with pytest.raises(AccountError) as wrong:
        Accounts(target, password_method=FAST).authenticate("ivan", "not his password")
    assert wrong.value.code == "bad_credentials"
    assert Accounts(target).by_username("ivan").locked_until is not None
