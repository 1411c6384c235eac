"""16 `journey import` processes of distinct files into one database at once (issue 9,
"Concurrent writers"), on SQLite and PostgreSQL.

Every file's lines go to the one community stream (resources, sessions) and to a member
stream each. All 16 exit 0 (no "database is locked" reaches the operator), every line is
in the log exactly once, positions and versions are gapless, each file's lines keep their
file order, and `journey verify` passes.
"""
from __future__ import annotations

import subprocess
import time

from journey.config import Config
from projections.app import init_journey, open_journey
from tests.reliability.conftest import (JOURNEY, assert_gapless, journey_env, report,
                                        run_journey, scale)
from tests.reliability.files import COMMUNITY, setup_file, writer_file

IMPORTERS = 16  # processes at once, in both variants


def test_sixteen_imports_at_once(database_url, tmp_path) -> None:
    config = Config(database_url=database_url, instance_dir=tmp_path / "instance",
                    base_url="http://127.0.0.1:5000")
    init_journey(config)
    env = journey_env(database_url, tmp_path / "instance")
    run_journey(env, "import", str(setup_file(tmp_path / "setup.jsonl")))
    per_file = scale(40, 1000)
    files = [writer_file(tmp_path / f"w{w}.jsonl", w, per_file, sessions=True)
             for w in range(IMPORTERS)]

    began = time.perf_counter()
    processes = [subprocess.Popen([JOURNEY, "import", str(f)], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for f in files]
    outcomes = [(p.wait(600), *p.communicate()) for p in processes]
    seconds = time.perf_counter() - began
    for code, out, err in outcomes:
        assert code == 0, err
        assert "locked" not in (out + err).lower()

    journey = open_journey(config)
    try:
        rows = list(journey.store.read_rows())
        versions = assert_gapless(rows)
        assert len(rows) == 3 + IMPORTERS * (per_file + 2)
        for w in range(IMPORTERS):
            mine = [r for r in rows[3:] if r.meta.get("actor") == f"m-{w}"
                    or r.data.get("member_id") == f"m-{w}"]
            ids = [r.data.get("resource_id") or r.data.get("session_id") for r in mine
                   if r.type in ("ResourceShared", "SessionLed")]
            expected = [f"{'s' if n % 10 == 9 else 'r'}-{w}-{n}" for n in range(per_file)]
            assert ids == expected, f"file {w}: lines missing, doubled or out of order"
        assert versions[f"community-{COMMUNITY}"] == 2 + IMPORTERS * (per_file + 1)
    finally:
        journey.close()
    assert run_journey(env, "verify").returncode == 0
    report(f"16 imports ({database_url.split(':')[0]}): {IMPORTERS * (per_file + 2)} events "
           f"in {seconds:.1f} s, all exit 0, exactly once, gapless, verify OK")
