"""PostgreSQL production mode: 2 web processes (gunicorn) and 1 `journey worker`.

Appends go through one web process, reads with `min_position` through the other (the API's
read-your-writes across processes); the worker is killed with SIGKILL, more is appended,
another worker starts: the projections then equal a rebuild, nothing lost or duplicated.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

pytestmark = pytest.mark.postgres

JOURNEY = str(Path(sys.executable).with_name("journey"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def journey(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([JOURNEY, *args], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def call(url: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url, data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as answer:
        return json.loads(answer.read())


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    # Plain sockets, each closed at once, until the port listens: a failed urlopen leaves
    # its half-made socket to the garbage collector (a ResourceWarning in a later test).
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert process.poll() is None, "the web process exited"
            assert time.monotonic() < deadline, "the web process never listened"
            time.sleep(0.1)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30):
        return


def projection_rows(url: str) -> dict[str, list[tuple]]:
    from projections.app import all_projections

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
                    for p in all_projections() for t in p.tables}
    finally:
        engine.dispose()


def checkpoints(env: dict[str, str]) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads(journey(env, "projections", "status", "--json"))}


def test_two_web_processes_and_a_worker_that_is_killed(fresh_postgres_url, tmp_path) -> None:
    # A home of their own: gunicorn would put its control socket there (~/.gunicorn) when
    # there is no XDG_RUNTIME_DIR, the same one for both servers.
    home = tmp_path / "home"
    home.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"},
           "HOME": str(home), "JOURNEY_DATABASE_URL": fresh_postgres_url,
           "JOURNEY_INSTANCE_DIR": str(tmp_path / "instance"), "JOURNEY_PROJECTIONS": "worker"}
    journey(env, "init")
    setup = [("MemberRegistered", {"member_id": "ana", "display_name": "Ana"}),
             ("CommunityFounded", {"community_id": "c-1", "name": "CoP", "domain": "SEL"}),
             ("MemberJoined", {"community_id": "c-1", "member_id": "ana",
                               "role": "facilitator"})]
    for type_name, data in setup:
        journey(env, "record", type_name, "--actor", "ana", "--data", json.dumps(data))
    journey(env, "user", "add", "ana", "--no-password")
    token = json.loads(journey(env, "user", "token", "ana", "--name", "test", "--json"))["token"]

    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        with (tmp_path / f"{len(processes)}.log").open("wb") as log:
            process = subprocess.Popen([JOURNEY, *args], env=env, stdout=subprocess.DEVNULL,
                                       stderr=log, start_new_session=True)
        processes.append(process)
        return process

    def share(n: int) -> int:
        answer = call(f"http://127.0.0.1:{ports[0]}/api/events/ResourceShared", token,
                      {"data": {"community_id": "c-1", "resource_id": f"r-{n}",
                                "member_id": "ana", "title": f"Plan {n}",
                                "kind": "lesson_plan"}})
        return answer["position"]

    try:
        webs = [start("serve", "--port", str(port), "--workers", "1") for port in ports]
        worker = start("worker", "--poll", "5")  # a long poll: NOTIFY must wake it
        for port, web in zip(ports, webs):
            wait_until_up(port, web)
        # Each master said what it did before it listened.
        said = (tmp_path / "0.log").read_text()
        assert "folded the log's decision state (3 events)" in said
        assert "derived the Open Badges catalogue in" in said
        # Neither server listens on gunicorn's control socket, which they would share.
        for n in range(len(ports)):
            assert "Control socket" not in (tmp_path / f"{n}.log").read_text()
        assert not (home / ".gunicorn").exists()

        for n in range(5):
            position = share(n)
            started = time.monotonic()
            portfolio = call(f"http://127.0.0.1:{ports[1]}/api/members/ana/portfolio"
                             f"?min_position={position}", token)
            assert f"r-{n}" in json.dumps(portfolio), "the read did not see the write"
            assert time.monotonic() - started < 4, "woken by the poll, not by NOTIFY"

        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        last = max(share(n) for n in range(5, 25))
        # Nobody folds now: a read with min_position answers 503 not_caught_up (bounded wait).
        with pytest.raises(urllib.error.HTTPError) as refused:
            call(f"http://127.0.0.1:{ports[1]}/api/members/ana/portfolio"
                 f"?min_position={last}", token)
        with refused.value:  # its response holds the connection: close it, not the collector
            assert refused.value.code == 503

        start("worker", "--poll", "5")
        portfolio = call(f"http://127.0.0.1:{ports[1]}/api/members/ana/portfolio"
                         f"?min_position={last}", token)
        text = json.dumps(portfolio)
        assert all(f'"r-{n}"' in text for n in range(25))
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    status = checkpoints(env)
    assert all(s["checkpoint"] == last and s["lag"] == 0 for s in status.values()), status
    folded = projection_rows(fresh_postgres_url)
    journey(env, "projections", "rebuild")
    assert projection_rows(fresh_postgres_url) == folded


def _folded_positions(url: str) -> list[int]:
    from projections.tables import checkpoints as table

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(table.c.position)).scalars())
    finally:
        engine.dispose()


def _when(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.mark.slow
def test_workers_killed_or_stopped_in_the_middle_of_a_long_fold_lose_and_repeat_nothing(
        fresh_postgres_url, tmp_path) -> None:
    """A worker SIGKILLed while it folds a long backlog, another stopped by SIGTERM while it
    goes on from there: the third ends where a rebuild ends, row for row."""
    from cli.benchmark import write_file

    env = {**os.environ, "JOURNEY_DATABASE_URL": fresh_postgres_url,
           "JOURNEY_INSTANCE_DIR": str(tmp_path / "instance"), "JOURNEY_PROJECTIONS": "worker"}
    journey(env, "init")
    events = write_file(tmp_path / "events.jsonl", 60_000)
    journey(env, "import", str(events))
    last = 60_000
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        workers.append(subprocess.Popen([JOURNEY, "worker"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))
        return workers[-1]

    def folded() -> list[int]:
        return _folded_positions(fresh_postgres_url)

    try:
        first = start()
        _when(lambda: any(folded()), 60, "the first worker folded nothing")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        killed_at = folded()
        assert min(killed_at) < last, "killed after it had folded everything: too late"

        second = start()
        _when(lambda: min(folded()) > min(killed_at), 60, "the second worker did not go on")
        os.killpg(second.pid, signal.SIGTERM)  # it ends after the batch in hand (test_runner)
        second.wait(15)
        assert second.returncode == 0

        start()
        _when(lambda: folded() and min(folded()) == last, 120, "the third never caught up")
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)

    rows = projection_rows(fresh_postgres_url)
    journey(env, "projections", "rebuild")
    assert projection_rows(fresh_postgres_url) == rows
