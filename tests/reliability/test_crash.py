"""kill -9 in the middle of `journey import`, `projections rebuild` and `backup` (issue 9,
"Crash safety"), on SQLite and PostgreSQL.

After each: the log is a prefix of the file's lines (whole commands), `journey verify`
passes, projections resume from their checkpoints and equal a rebuild, `import --resume`
continues where the log stopped and ends with the log an uninterrupted import makes, and
an interrupted backup leaves no file under the name asked for. The import runs on both
engines; rebuild and backup on SQLite, and on PostgreSQL too under JOURNEY_STRESS=1.
"""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from sqlalchemy import create_engine, select, text

from journey.config import Config
from projections.app import init_journey, open_journey
from tests.reliability.conftest import (JOURNEY, assert_gapless, journey_env, report,
                                        run_journey, scale)
from tests.reliability.files import setup_file, writer_file

LINES = scale(5_000, 100_000)


def _poll(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def kill_when(argv: list[str], env, ready) -> bool:
    """Start `journey argv`, SIGKILL it once `ready()` holds; True if it was still running."""
    process = subprocess.Popen([JOURNEY, *argv], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if ready():
                    break
            except Exception:  # noqa: BLE001 - the table may not be readable yet
                pass
            time.sleep(0.01)
        alive = process.poll() is None
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    return alive


def comparable(store) -> list[tuple]:
    """The log as the domain sees it (personal fields decrypted), without what is random
    per run (event ids, correlation ids, ciphertexts) or per moment (recorded_at)."""
    return [(r.position, r.stream, r.version, r.type, r.event, r.actor, r.occurred_at,
             {k: v for k, v in r.meta.items() if k not in ("correlation_id", "causation_id")})
            for r in store.read()]


def projection_rows(journey) -> dict[str, list[tuple]]:
    found = {}
    with journey.runner.engine.connect() as conn:
        for name, projection in journey.runner.projections.items():
            for table in projection.tables:
                found[f"{name}.{table.name}"] = sorted(
                    tuple(map(repr, row)) for row in conn.execute(select(table)))
    return found


@pytest.fixture
def install(database_url, tmp_path):
    return _install(database_url, tmp_path)


def _install(database_url, tmp_path):
    """An initialised installation and the setup lines; returns (env, Config)."""
    config = Config(database_url=database_url, instance_dir=tmp_path / "instance",
                    base_url="http://127.0.0.1:5000")
    init_journey(config)
    env = journey_env(database_url, tmp_path / "instance")
    run_journey(env, "import", str(setup_file(tmp_path / "setup.jsonl")))
    return env, config


def test_kill_during_import_then_resume(install, tmp_path, database_url) -> None:
    env, config = install
    big = writer_file(tmp_path / "big.jsonl", 1, LINES, sessions=True)
    total = LINES + 2
    engine = create_engine(database_url)
    try:
        alive = kill_when(["import", str(big)], env,
                          lambda: (_poll(engine, "SELECT max(position) FROM events") or 0)
                          > 3 + total // 4)
    finally:
        engine.dispose()
    assert alive, "the import finished before it could be killed: make the file larger"

    journey = open_journey(config)
    try:
        rows = list(journey.store.read_rows())
        assert_gapless(rows)
        kept = len(rows) - 3
        assert 0 < kept < total
        file_lines = big.read_text().splitlines()
        for row, line in zip(rows[3:], file_lines):  # a prefix of the file, line for line
            expected = json.loads(line)
            assert (row.type, row.data.get("resource_id"), row.data.get("session_id")) == (
                expected["type"], expected["data"].get("resource_id"),
                expected["data"].get("session_id"))
    finally:
        journey.close()
    assert run_journey(env, "verify").stdout.startswith(f"OK {len(rows)} events")

    resumed = json.loads(run_journey(env, "import", str(big), "--resume", "--json").stdout)
    assert resumed["appended"] == total - kept, resumed
    assert resumed["first_position"] == len(rows) + 1
    assert run_journey(env, "verify").stdout.startswith(f"OK {3 + total} events")

    # The same file imported without interruption (into a SQLite file: the comparison is
    # of what was stored, whatever the engine) gives the same log.
    other_url = f"sqlite:///{tmp_path / 'uninterrupted.db'}"
    other = Config(database_url=other_url, instance_dir=tmp_path / "instance",
                   base_url="http://127.0.0.1:5000")
    init_journey(other)
    other_env = journey_env(other_url, tmp_path / "instance")
    run_journey(other_env, "import", str(tmp_path / "setup.jsonl"))
    run_journey(other_env, "import", str(big))
    a, b = open_journey(config), open_journey(other)
    try:
        assert comparable(a.store) == comparable(b.store)
    finally:
        a.close()
        b.close()
    report(f"kill -9 import ({database_url.split(':')[0]}): killed after {kept} of {total} "
           f"lines; resume appended {resumed['appended']}; verify OK")


def test_kill_during_rebuild_then_resume(stress_database_url, tmp_path) -> None:
    database_url = stress_database_url
    env, config = _install(database_url, tmp_path)
    run_journey(env, "import", str(writer_file(tmp_path / "w.jsonl", 1, LINES, sessions=True)))
    run_journey(env, "projections", "rebuild")
    last = 3 + LINES + 2
    engine = create_engine(database_url)
    try:
        alive = kill_when(
            ["projections", "rebuild"], env,
            lambda: 0 < _poll(engine, "SELECT position FROM projection_checkpoints "
                                      "WHERE name = 'leadership'") < last)
    finally:
        engine.dispose()
    assert alive, "the rebuild finished before it could be killed"
    status = json.loads(run_journey(env, "projections", "status", "--json").stdout)
    checkpoints = {s["name"]: s["checkpoint"] for s in status}
    assert min(checkpoints.values()) < last

    journey = open_journey(config)
    try:
        journey.runner.catch_up()  # resumes from the checkpoints the kill left
        assert all(s.checkpoint == last for s in journey.runner.status())
        resumed = projection_rows(journey)
        journey.runner.rebuild()
        assert projection_rows(journey) == resumed
    finally:
        journey.close()
    assert run_journey(env, "verify").returncode == 0
    report(f"kill -9 rebuild ({database_url.split(':')[0]}): checkpoints at kill "
           f"{checkpoints} of {last}; resumed == rebuild")


def test_kill_during_backup_leaves_no_half_file(stress_database_url, tmp_path) -> None:
    database_url = stress_database_url
    env, _ = _install(database_url, tmp_path)
    run_journey(env, "import", str(writer_file(tmp_path / "w.jsonl", 1, LINES)))
    target = tmp_path / "backups" / "journey.zip"
    target.parent.mkdir()
    alive = kill_when(["backup", str(target)], env,
                      lambda: any(p.stat().st_size > 64 * 1024 for p in target.parent.iterdir()))
    assert alive, "the backup finished before it could be killed"
    assert not target.exists(), "a killed backup left a file under the name asked for"
    # What it may leave is its hidden temporary file; the next backup is whole.
    assert all(p.name.startswith(".journey.zip.") and p.name.endswith(".tmp")
               for p in target.parent.iterdir())
    run_journey(env, "backup", str(target))
    from events.backup import read_backup_manifest
    manifest = read_backup_manifest(target)
    assert manifest.events == 3 + LINES + 2
    report(f"kill -9 backup ({database_url.split(':')[0]}): no file at the target; "
           f"next backup whole ({manifest.events} events)")
