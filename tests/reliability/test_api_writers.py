"""16 concurrent writers through the HTTP API (issue 9, "Concurrent writers").

Threads against the WSGI app, and processes against served ports (several `journey serve`
processes on one database), on SQLite and PostgreSQL, on one stream and on many. After
them: positions and versions gapless, every acknowledged event present exactly once (and
nothing unacknowledged), 409 only for writers that sent If-Match, no other failure, and
no "database is locked" in any answer; `verify` passes.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context

import pytest

from events.verify import verify_log
from tests.reliability.conftest import (JOURNEY, assert_gapless, free_port, journey_env,
                                        report, scale)
from tests.reliability.writers import http_writer, write
from tests.web.conftest import STORY, make_app, seed
from web.app import close_app

WRITERS = 16


def check_outcome(journey, results: list[dict], before: int, shape: str, seconds: float,
                  label: str) -> None:
    rows = list(journey.store.read_rows())
    assert_gapless(rows)
    acked = [a for r in results for a in r["acked"]]
    failures = [f for r in results for f in r["failures"]]
    assert failures == [], failures[:5]
    assert "locked" not in json.dumps(results).lower()
    assert all(r["conflicts"] == 0 for r in results if not r["if_match"])
    if shape == "many":  # If-Match "0" on a stream that is new is never stale
        assert all(r["conflicts"] == 0 for r in results)
    key = "resource_id" if shape == "one" else "member_id"
    appended = [row for row in rows[before:]]
    ids = [row.data[key] for row in appended]
    assert len(ids) == len(set(ids)), "an event appended twice"
    assert sorted(ids) == sorted(a["id"] for a in acked), "acknowledged != appended"
    by_position = {row.position: row for row in appended}
    for a in acked:
        row = by_position[a["position"]]
        assert (row.data[key], row.stream, row.version) == (a["id"], a["stream"], a["version"])
    if shape == "one":
        assert {row.stream for row in appended} == {"community-vrsac-1"}
    else:
        assert len({row.stream for row in appended}) == len(appended)
    verdict = verify_log(journey.log.recorder, journey.log.instance)
    assert verdict.ok, verdict
    conflicts = sum(r["conflicts"] for r in results)
    report(f"{label}: {WRITERS} writers, {len(acked)} events, {conflicts} conflicts "
           f"(If-Match), {seconds:.1f} s, gapless+exactly-once+verify OK")


@pytest.mark.parametrize("shape", ["one", "many"])
def test_threads_through_the_wsgi_app(database_url, tmp_path, shape) -> None:
    app = make_app(database_url, tmp_path / "instance")
    try:
        tokens = seed(app)
        journey = app.extensions["journey"]
        before = journey.store.last_position()
        count = scale(6, 1000)
        start = threading.Barrier(WRITERS)

        def one(writer: int) -> dict:
            client = app.test_client()

            def post(who, type_name, body, headers):
                answer = client.post(f"/api/events/{type_name}", json=body,
                                     headers={"Authorization": f"Bearer {tokens[who]}",
                                              **headers})
                return answer.status_code, answer.get_json()

            start.wait()
            return write(post, shape, writer, count, if_match=writer % 4 == 0)

        began = time.perf_counter()
        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(one, range(WRITERS)))
        check_outcome(journey, results, before, shape, time.perf_counter() - began,
                      f"threads/{database_url.split(':')[0]}/{shape}")
    finally:
        close_app(app)


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen([JOURNEY, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_up(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json",
                                        timeout=2):
                return
        except OSError as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()  # an answer, not up yet: its connection closed here
            assert server.poll() is None, "journey serve exited"
            assert time.monotonic() < deadline, "journey serve did not answer"
            time.sleep(0.1)


@pytest.mark.parametrize("shape", ["one", "many"])
def test_processes_against_served_ports(database_url, tmp_path, shape) -> None:
    instance = tmp_path / "instance"
    app = make_app(database_url, instance)
    try:
        tokens = seed(app)
    finally:
        close_app(app)
    env = journey_env(database_url, instance)
    ports = [free_port() for _ in range(scale(2, 4))]
    servers = [_serve(env, port) for port in ports]
    try:
        for server, port in zip(servers, ports):
            _wait_up(server, port)
        count = scale(4, 1000)
        jobs = [(f"http://127.0.0.1:{ports[w % len(ports)]}", tokens, shape, w, count,
                 w % 4 == 0) for w in range(WRITERS)]
        began = time.perf_counter()
        with ProcessPoolExecutor(WRITERS, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(http_writer, jobs))
        seconds = time.perf_counter() - began
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(20)
    app = make_app(database_url, instance)
    try:
        journey = app.extensions["journey"]
        before = len(STORY) + 1  # the story and its award
        check_outcome(journey, results, before, shape, seconds,
                      f"processes/{database_url.split(':')[0]}/{shape}")
    finally:
        close_app(app)
