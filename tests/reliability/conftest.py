"""Reliability and security checks (issue 9): short variants by default, full counts with
JOURNEY_STRESS=1 (`make stress`).

`scale(short, full)` picks the count for the current mode. Helpers here check the log's
invariants the same way everywhere: positions and stream versions gapless, the hash chain
and sealed head verified.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

STRESS = os.environ.get("JOURNEY_STRESS", "") == "1"
JOURNEY = str(Path(sys.executable).with_name("journey"))


def scale(short: int, full: int) -> int:
    """`full` under JOURNEY_STRESS=1, else `short`."""
    return full if STRESS else short


def report(line: str) -> None:
    """A figure for the stress run's closing note (shown with -s, and always under stress)."""
    if STRESS:
        sys.__stdout__.write(f"\n[stress] {line}\n")
        sys.__stdout__.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def journey_env(database_url: str, instance_dir: Path) -> dict[str, str]:
    return {**os.environ, "JOURNEY_DATABASE_URL": database_url,
            "JOURNEY_INSTANCE_DIR": str(instance_dir)}


def run_journey(env: dict[str, str], *args: str, check: bool = True,
                timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([JOURNEY, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def assert_gapless(rows) -> dict[str, int]:
    """Positions 1..n and every stream's versions 1..k, in order; returns stream -> k."""
    versions: dict[str, int] = defaultdict(int)
    for expected, row in enumerate(rows, start=1):
        assert row.position == expected, f"position gap: {row.position} where {expected}"
        versions[row.stream] += 1
        assert row.version == versions[row.stream], (
            f"stream {row.stream}: version {row.version} where {versions[row.stream]}")
    return dict(versions)


# The web tests' seeded story and its accounts, on both engines and on SQLite only.
from tests.web.conftest import site, sqlite_site  # noqa: E402,F401


import pytest  # noqa: E402

# The slowest checks run on SQLite in the short variant and on both engines under stress
# (the others run on both engines always).
_ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if STRESS else [
    "sqlite"]


@pytest.fixture(params=_ENGINES)
def stress_database_url(request: pytest.FixtureRequest) -> str:
    """An empty database: SQLite, and PostgreSQL as well under JOURNEY_STRESS=1."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("fresh_postgres_url")
