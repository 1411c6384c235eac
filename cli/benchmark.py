"""`journey bench`: Journey against the physical floor of its database engine, in one run.

The floor writes equivalent rows with the engine's own driver and nothing else: stdlib
`sqlite3` with Journey's PRAGMAs, or raw psycopg taking Journey's append advisory lock —
the events' rows into the log's own table (its keys and unique constraints), one row per
transaction, batches of 1,000 (executemany), and reading everything back with JSON
decoding. The same rows into a bare table (a primary key, nothing else) are printed beside
it for reference. Journey then runs over the same events: acknowledged single appends through
the full command path (and, separately, the projection lag p95), `journey import`, a full
rebuild of every projection, a live and an as-of leadership report, a portfolio and a
coordinator's network dashboard through the WSGI app (p50/p95 of 200 requests), and
requests per second of 8 loopback clients against `journey serve --workers 4`.

Every phase runs on a new database (a SQLite file in a temporary folder, or a new
PostgreSQL database on the server of `--database`), dropped afterwards.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

START = datetime(2022, 1, 10, 8, 0, tzinfo=timezone.utc)
NETWORK = "net-1"
COORDINATOR = "m-coord"


# -- the events ------------------------------------------------------------------------------

def generate(lines: int, communities: int = 10, members: int = 200,
             seed: int = 1) -> Iterator[dict[str, Any]]:
    """Exchange-format objects all accepted by the domain rules: one network, communities
    with a facilitator, members and a coordinator, then ResourceShared, SessionLed and
    ResourceReused lines until `lines` in all."""
    rng = random.Random(seed)
    clock = START

    def at(step_minutes: int = 1) -> str:
        nonlocal clock
        clock += timedelta(minutes=step_minutes)
        return clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    people = [f"m-{i:05d}" for i in range(members)]
    founders = people[:communities]
    for person in [*people, COORDINATOR]:
        yield {"type": "MemberRegistered", "occurred_at": at(), "actor": person,
               "data": {"member_id": person, "display_name": f"Educator {person[2:]}",
                        "email": f"{person}@example.org"}}
    yield {"type": "NetworkCreated", "occurred_at": at(), "actor": founders[0],
           "data": {"network_id": NETWORK, "name": "Generated network"}}
    rosters: dict[str, list[str]] = {}
    for index, founder in enumerate(founders):
        community = f"c-{index:03d}"
        yield {"type": "CommunityFounded", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "name": f"Community {index}",
                        "domain": "Social-emotional learning", "network_id": NETWORK}}
        yield {"type": "MemberJoined", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "member_id": founder, "role": "facilitator"}}
        rosters[community] = [founder]
    yield {"type": "MemberJoined", "occurred_at": at(), "actor": founders[0],
           "data": {"community_id": "c-000", "member_id": COORDINATOR, "role": "coordinator"}}
    for index, person in enumerate(people[communities:]):
        community = f"c-{index % communities:03d}"
        founder = rosters[community][0]
        yield {"type": "MemberJoined", "occurred_at": at(), "actor": founder,
               "data": {"community_id": community, "member_id": person, "role": "member",
                        "invited_by": founder}}
        rosters[community].append(person)
    written = members + 2 + 2 * communities + 1 + (members - communities)
    shared: dict[str, list[str]] = {c: [] for c in rosters}
    for n in range(max(0, lines - written)):
        community = rng.choice(list(rosters))
        roster = rosters[community]
        person = rng.choice(roster)
        kind = n % 3
        if kind == 0:
            resource = f"r-{n}"
            shared[community].append(resource)
            yield {"type": "ResourceShared", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community, "resource_id": resource,
                            "member_id": person, "title": f"Lesson plan {n}",
                            "kind": "lesson_plan", "tags": ["sel"]}}
        elif kind == 1 or not shared[community]:
            attendees = sorted(set(rng.sample(roster, min(3, len(roster)))) - {person})
            yield {"type": "SessionLed", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community, "session_id": f"s-{n}",
                            "leaders": [person], "title": f"Session {n}", "format": "meeting",
                            "attendees": attendees}}
        else:
            yield {"type": "ResourceReused", "occurred_at": at(), "actor": person,
                   "data": {"community_id": community,
                            "resource_id": rng.choice(shared[community][-50:]),
                            "member_id": person, "note": "Used it with my class."}}


def write_file(path: Path, lines: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for obj in generate(lines):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


# -- databases -------------------------------------------------------------------------------

def check_server(url: str) -> None:
    """`--database` checked before any work: a PostgreSQL server URL through psycopg that
    answers. ValueError with a sentence when it is not one; the driver's error (an
    SQLAlchemyError) when the server does not answer."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"{url!r} is not a database URL such as "
                         "postgresql+psycopg://user@host/postgres") from None
    if parsed.get_backend_name() == "sqlite":
        raise ValueError("the bench makes SQLite files of its own: leave --database out for "
                         "SQLite, or give a PostgreSQL server URL")
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("Journey runs on SQLite or PostgreSQL: give a PostgreSQL server URL "
                         "such as postgresql+psycopg://user@host/postgres")
    if parsed.get_driver_name() != "psycopg":
        raise ValueError("Journey speaks to PostgreSQL through psycopg 3: write the URL as "
                         "postgresql+psycopg://…")
    engine = create_engine(parsed, connect_args={"connect_timeout": 10})
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


class Databases:
    """New empty databases for each phase: SQLite files, or PostgreSQL databases."""

    def __init__(self, url: str | None, folder: Path) -> None:
        self.server = url
        self.folder = folder
        self.made: list[str] = []
        self.is_sqlite = url is None or url.startswith("sqlite")

    def new(self) -> str:
        if self.is_sqlite:
            self.made.append(f"bench-{len(self.made)}.db")
            return f"sqlite:///{self.folder / self.made[-1]}"
        from sqlalchemy import create_engine, make_url

        name = f"journey_bench_{uuid.uuid4().hex[:10]}"
        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        self.made.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.is_sqlite or not self.made:
            return
        from sqlalchemy import create_engine

        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


# -- the floor -------------------------------------------------------------------------------

# The log's own table, as Journey creates it on each engine (events/tables.py): the position
# primary key, the unique event id, the unique (stream, version) that optimistic concurrency
# rests on, and the partial idempotency index. A row of the log is a row of that table; the
# bare table below (no constraint but the primary key) is printed beside it for reference.
_BARE_TABLE = """CREATE TABLE bare (position {position} PRIMARY KEY, event_id TEXT NOT NULL,
    stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
    schema_version SMALLINT NOT NULL, data TEXT NOT NULL, meta TEXT NOT NULL,
    occurred_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, idempotency_scope TEXT,
    hash TEXT NOT NULL)"""


def _log_ddl(dialect) -> list[str]:
    from sqlalchemy.schema import CreateIndex, CreateTable

    from events.tables import events

    return [str(CreateTable(events).compile(dialect=dialect)),
            *(str(CreateIndex(index).compile(dialect=dialect)) for index in events.indexes)]


def _floor_rows(objs: list[dict[str, Any]]) -> list[tuple]:
    """The events' rows as Journey writes them: its id format, one stream per community (or
    per member), versions counted per stream."""
    from events.ids import new_correlation_id, new_event_id

    rows = []
    versions: dict[str, int] = {}
    for position, obj in enumerate(objs, start=1):
        data = json.dumps(obj["data"], separators=(",", ":"), sort_keys=True)
        meta = json.dumps({"actor": obj["actor"], "correlation_id": new_correlation_id()},
                          separators=(",", ":"), sort_keys=True)
        community = obj["data"].get("community_id")
        stream = f"community-{community}" if community else f"member-{obj['actor']}"
        versions[stream] = version = versions.get(stream, 0) + 1
        rows.append((position, new_event_id(), stream, version, obj["type"], 1, data, meta,
                     position * 1000, position * 1000, None, "0" * 64))
    return rows


def _sqlite_floor(path: Path, rows: list[tuple]) -> dict[str, float]:
    from sqlalchemy.dialects import sqlite

    from events.sql import WAL_AUTOCHECKPOINT

    def connect(name: str, ddl: list[str]) -> sqlite3.Connection:
        conn = sqlite3.connect(path.with_name(name), isolation_level=None, timeout=30)
        # Journey's own PRAGMAs (events/sql.py make_engine), checkpoint interval included.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON",
                       "busy_timeout=30000", "foreign_keys=ON",
                       f"wal_autocheckpoint={WAL_AUTOCHECKPOINT}"):
            conn.execute(f"PRAGMA {pragma}")
        for statement in ddl:
            conn.execute(statement)
        return conn

    figures: dict[str, float] = {}
    for prefix, table, ddl in (("", "events", _log_ddl(sqlite.dialect())),
                               ("bare_", "bare", [_BARE_TABLE.format(position="INTEGER")])):
        insert = f"INSERT INTO {table} VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        conn = connect(f"{prefix}floor-single.db", ddl)
        started = time.perf_counter()
        for row in rows:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(insert, row)
            conn.execute("COMMIT")
        figures[f"{prefix}single"] = time.perf_counter() - started
        conn.close()
        conn = connect(f"{prefix}floor-batch.db", ddl)
        started = time.perf_counter()
        for start in range(0, len(rows), 1000):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, rows[start:start + 1000])
            conn.execute("COMMIT")
        figures[f"{prefix}batch"] = time.perf_counter() - started
        if not prefix:
            started = time.perf_counter()
            for r in conn.execute(f"SELECT * FROM {table} ORDER BY position"):
                json.loads(r[6]), json.loads(r[7])
            figures["read"] = time.perf_counter() - started
        conn.close()
    return figures


def _postgres_floor(url: str, rows: list[tuple]) -> dict[str, float]:
    import psycopg
    from sqlalchemy import make_url
    from sqlalchemy.dialects import postgresql

    from events.sql import APPEND_LOCK_KEY

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    figures: dict[str, float] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for prefix, table, ddl in (("", "events", _log_ddl(postgresql.dialect())),
                                   ("bare_", "bare", [_BARE_TABLE.format(position="BIGINT")])):
            insert = f"INSERT INTO {table} VALUES ({','.join(['%s'] * 12)})"
            for statement in ddl:
                conn.execute(statement)
            started = time.perf_counter()
            for row in rows:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK_KEY,))
                    conn.execute(insert, row)
            figures[f"{prefix}single"] = time.perf_counter() - started
            conn.execute(f"TRUNCATE {table}")
            started = time.perf_counter()
            with conn.cursor() as cur:
                for start in range(0, len(rows), 1000):
                    with conn.transaction():
                        cur.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK_KEY,))
                        cur.executemany(insert, rows[start:start + 1000])
            figures[f"{prefix}batch"] = time.perf_counter() - started
            if not prefix:
                started = time.perf_counter()
                with conn.cursor() as cur:
                    cur.execute(f"SELECT * FROM {table} ORDER BY position")
                    for r in cur:
                        json.loads(r[6]), json.loads(r[7])
                figures["read"] = time.perf_counter() - started
            conn.execute(f"DROP TABLE {table}")
    return figures


# -- Journey ---------------------------------------------------------------------------------

def _config(url: str, folder: Path):
    from journey.config import Config

    return Config(database_url=url, instance_dir=folder / "instance",
                  base_url="http://127.0.0.1:5000")


def _open(url: str, folder: Path):
    from projections.app import init_journey, open_journey

    config = _config(url, folder)
    init_journey(config)
    return config, open_journey(config)


def _command(obj: dict[str, Any]):
    from events.schemas import load_event
    from journey.clock import parse_time
    from journey.records import RecordEvent

    return RecordEvent(load_event(obj["type"], obj["data"]), obj["actor"],
                       parse_time(obj["occurred_at"]))


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def _timed(fn: Callable[[], Any], times: int, budget: float = 60.0) -> dict[str, float]:
    """p50/p95 of `times` calls, or of as many as `budget` seconds allow (at least 5)."""
    samples: list[float] = []
    stop = time.perf_counter() + budget
    while len(samples) < times and (len(samples) < 5 or time.perf_counter() < stop):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return {**_percentiles(samples), "count": len(samples)}


def _single_appends(url: str, folder: Path, objs: list[dict[str, Any]],
                    lag_samples: int) -> dict[str, float]:
    from events.store import Options

    config, journey = _open(url, folder)
    try:
        store = journey.store
        commands = [_command(o) for o in objs]
        started = time.perf_counter()
        for command in commands:
            store.submit(command, Options())
        seconds = time.perf_counter() - started
        # Projection lag, separately: the background runner folds after each ack.
        journey.runner.catch_up()
        journey.runner.start()
        lags = []
        extra = list(generate(len(objs) + lag_samples, seed=2))[len(objs):]
        for n, obj in enumerate(extra):
            obj = {**obj, "data": {**obj["data"]}}
            for key in ("resource_id", "session_id"):
                if key in obj["data"]:
                    obj["data"][key] = f"lag-{n}"
            if obj["type"] == "ResourceReused":
                continue
            position = store.submit(_command(obj), Options()).positions[-1]
            acked = time.perf_counter()
            journey.runner.wait_for(position, timeout=10)
            lags.append(time.perf_counter() - acked)
    finally:
        journey.close()
    lag = _percentiles(lags) if lags else {"p50_ms": 0.0, "p95_ms": 0.0}
    return {"seconds": seconds, "lag_p50_ms": lag["p50_ms"], "lag_p95_ms": lag["p95_ms"]}


def _load(url: str, folder: Path, file: Path):
    """Import FILE (timed) into a new database, open for the read phases."""
    from events.exchange import import_lines

    config, journey = _open(url, folder)
    with file.open("rb") as lines:
        started = time.perf_counter()
        report = import_lines(journey.store, lines, source_id="bench")
        seconds = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"bench import refused a line: {report.to_json()}")
    return config, journey, seconds


def _reports(journey, as_of: datetime, times: int) -> dict[str, Any]:
    """The network's leadership report: live (p50/p95), and once as of `as_of`.

    Live reports are served from the report cache while the network's facts stand still
    (projections/leadership/report.py); "cold" times the computation itself, with the
    cache emptied (a new process); "after a membership change" the first report after a
    member joined one community (which no report can count forward over: that
    community's tallies are counted again); "after an append" the report after a session
    was added, counted forward from the cached one.
    """
    from projections.leadership.report import Window

    reports = journey.leadership

    def cold_report() -> None:
        reports.cache.clear()
        reports.network(NETWORK, Window())

    uncached = _timed(cold_report, min(times, 5))
    live = _timed(lambda: reports.network(NETWORK, Window()), times)
    appended = itertools.count()

    def after(objs: Callable[[int], list[dict[str, Any]]], count: int) -> dict[str, float]:
        """p50/p95 of `count` reports, each after `objs(n)` was appended and folded
        (untimed)."""
        timings: list[float] = []
        for _ in range(count):
            for obj in objs(next(appended)):
                journey.store.submit(_command(obj))
            journey.runner.catch_up()
            started = time.perf_counter()
            reports.network(NETWORK, Window())
            timings.append(time.perf_counter() - started)
        return _percentiles(timings)

    def a_session(n: int) -> list[dict[str, Any]]:
        return [{"type": "SessionLed", "occurred_at": "2022-06-01T10:00:00Z",
                 "actor": "m-00011",
                 "data": {"community_id": "c-001", "session_id": f"after-{n}",
                          "leaders": ["m-00011"], "title": f"Session {n}", "format": "meeting",
                          "attendees": ["m-00021"]}}]

    def a_member_joining(n: int) -> list[dict[str, Any]]:
        member = f"m-joined-{n}"
        return [{"type": "MemberRegistered", "occurred_at": "2022-06-01T10:00:00Z",
                 "actor": member, "data": {"member_id": member, "display_name": "Newcomer",
                                           "email": f"{member}@example.org"}},
                {"type": "MemberJoined", "occurred_at": "2022-06-01T10:00:00Z",
                 "actor": "m-00001", "data": {"community_id": "c-001", "member_id": member,
                                              "role": "member", "invited_by": "m-00001"}}]

    after_append = after(a_session, min(times, 50))
    reports.network(NETWORK, Window())  # the network's report as it stands, cached
    after_join = after(a_member_joining, min(times, 10))
    reports.cache.clear()
    started = time.perf_counter()
    reports.network(NETWORK, Window(as_of=as_of))
    as_of_seconds = time.perf_counter() - started
    return {"live": live, "uncached": uncached, "after_append": after_append,
            "after_join": after_join, "as_of_seconds": as_of_seconds}


PASSWORD = "bench password 1"


def _tokens(config, journey) -> dict[str, str]:
    from events.accounts import Accounts

    accounts = Accounts(journey.log.recorder.engine, password_method="scrypt:1024:8:1")
    tokens = {}
    for username, member in (("teacher", "m-00011"), ("coordinator", COORDINATOR)):
        account = accounts.add(username, PASSWORD, member_id=member)
        tokens[username] = accounts.create_token(account.id, "bench")[1]
    return tokens


def _signed_in(app, username: str):
    """A test client signed in as `username` through the sign-in form, as a browser is."""
    client = app.test_client()
    form = client.get("/auth/login").text
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    answer = client.post("/auth/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": found.group(1) if found else ""})
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {username}: {answer.status_code}")
    return client


def _wsgi(config, tokens: dict[str, str], requests: int) -> dict[str, Any]:
    """The portfolio and the coordinator's dashboard through the WSGI app: the pages people
    open (HTML, signed in) and the JSON API's answers."""
    from web.app import close_app, create_app

    app = create_app({"JOURNEY_CONFIG": config, "PASSWORD_METHOD": "scrypt:1024:8:1"})
    try:
        app.extensions["journey"].runner.catch_up()
        api = app.test_client()
        teacher, coordinator = _signed_in(app, "teacher"), _signed_in(app, "coordinator")

        def get(client, path: str, token: str | None = None) -> Callable[[], None]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}

            def run() -> None:
                answer = client.get(path, headers=headers)
                if answer.status_code != 200:
                    raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:200]}")
            return run

        timed = {
            "portfolio_page": get(teacher, "/portfolio"),
            "dashboard_page": get(coordinator, f"/coordinate/networks/{NETWORK}"),
            "portfolio": get(api, "/api/members/m-00011/portfolio", tokens["teacher"]),
            "dashboard": get(api, f"/api/networks/{NETWORK}/leadership",
                             tokens["coordinator"])}
        for request in timed.values():
            request()  # warm
        figures = {name: _timed(request, requests) for name, request in timed.items()}
        # The first request after the member's own portfolio changed (a resource of theirs
        # appended and folded, untimed) folds it afresh: no cached view answers it. The page
        # and the API share that fold, so each is timed after appends of its own.
        journey = app.extensions["journey"]
        appended = itertools.count()
        for name in ("portfolio_page", "portfolio"):
            after: list[float] = []
            for _ in range(min(requests, 20)):
                n = next(appended)
                journey.store.submit(_command({
                    "type": "ResourceShared", "occurred_at": "2022-06-01T10:00:00Z",
                    "actor": "m-00011", "data": {"community_id": "c-001",
                                                 "resource_id": f"after-{n}",
                                                 "member_id": "m-00011",
                                                 "title": f"Plan {n}", "kind": "lesson_plan"}}))
                journey.runner.catch_up()
                started = time.perf_counter()
                timed[name]()
                after.append(time.perf_counter() - started)
            figures[f"{name}_after_append"] = _percentiles(after)
        return figures
    finally:
        close_app(app)


# Seconds a served worker may take to answer while it folds the decision state.
WARM_SECONDS = 900


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _served(config, token: str, clients: int, seconds: float,
            workers: int) -> tuple[float, float]:
    """Requests/s of `clients` loopback threads on the portfolio, against `journey serve`,
    and the seconds its first answer took after start (`seconds` 0: only that)."""
    port = _free_port()
    env = {**os.environ, "JOURNEY_DATABASE_URL": config.database_url,
           "JOURNEY_INSTANCE_DIR": str(config.instance_dir), "JOURNEY_BASE_URL": config.base_url}
    journey_cli = str(Path(sys.executable).with_name("journey"))
    launched = time.perf_counter()
    server = subprocess.Popen([journey_cli, "serve", "--port", str(port),
                               "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/members/m-00011/portfolio"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        # Wait for the port with plain sockets, each closed at once: a failed urlopen
        # leaves its half-made socket to the garbage collector (a ResourceWarning later).
        # The master folds the log's decision state before it listens (about a minute per
        # million events), then its workers start from that fold.
        deadline = time.monotonic() + WARM_SECONDS
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("journey serve did not start") from None
                time.sleep(0.2)
        # The first answer, timed from the start of the command.
        with urllib.request.urlopen(request, timeout=WARM_SECONDS) as answer:
            answer.read()
        first_answer = time.perf_counter() - launched
        if not seconds:
            return 0.0, first_answer
        # Warm every worker process: rounds of `clients` concurrent requests until a round
        # is quick.
        warm_until = time.monotonic() + WARM_SECONDS
        while time.monotonic() < warm_until:
            slowest = [0.0] * clients

            def warm(i: int) -> None:
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=WARM_SECONDS) as answer:
                        answer.read()
                except OSError:
                    pass
                slowest[i] = time.perf_counter() - started

            round_ = [threading.Thread(target=warm, args=(i,)) for i in range(clients)]
            for t in round_:
                t.start()
            for t in round_:
                t.join()
            if max(slowest) < 1.0:
                break
        counts = [0] * clients
        errors = [0] * clients
        stop = time.monotonic() + seconds

        def client(i: int) -> None:
            while time.monotonic() < stop:
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        answer.read()
                    counts[i] += 1
                except OSError:
                    errors[i] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        if sum(errors) and not sum(counts):
            raise RuntimeError("every request to journey serve failed")
        return sum(counts) / elapsed, first_answer
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux: VmHWM of /proc/self/status, the peak of this
    program's own memory; ru_maxrss would carry over the parent's RSS at the fork that
    started a spawned process (Linux keeps the high-water mark across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rebuild(url: str, folder: str, answer) -> None:
    """In a process of its own: rebuild every projection; send (seconds, peak RSS MB)."""
    config = _config(url, Path(folder))
    from projections.app import open_journey

    journey = open_journey(config)
    try:
        started = time.perf_counter()
        journey.runner.rebuild()
        answer.send((time.perf_counter() - started, _peak_rss_mb()))
    finally:
        journey.close()
        answer.close()


def _rebuild_elsewhere(url: str, folder: Path) -> tuple[float, float]:
    """The rebuild timed in a fresh process, so its peak RSS is the rebuild's own (this
    process also holds the generated events)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_rebuild, args=(url, str(folder), send))
    child.start()
    send.close()
    try:
        seconds, rss = receive.recv()
    except EOFError:
        raise RuntimeError("the rebuild process ended without an answer") from None
    finally:
        child.join()
        receive.close()
    if child.exitcode != 0:
        raise RuntimeError(f"the rebuild process exited with {child.exitcode}")
    return seconds, rss


def run_once(n: int, databases: Databases, folder: Path, *, requests: int = 200,
             clients: int = 8, serve_seconds: float | None = None, serve_workers: int = 4,
             single_events: int | None = None,
             say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every measurement at N events; returns the figures (seconds, rates, ratios)."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"n{n}-", dir=folder))
    say(f"generating {n:,} events")
    file = write_file(run_dir / "events.jsonl", n)
    objs = [json.loads(line) for line in file.open(encoding="utf-8")]
    rows = _floor_rows(objs)
    singles = objs if single_events is None else objs[:single_events]

    say("floor")
    if databases.is_sqlite:
        floor = _sqlite_floor(run_dir / "floor.db", rows)
    else:
        floor = _postgres_floor(databases.new(), rows)
    del rows

    say(f"single appends ({len(singles):,})")
    appends = _single_appends(databases.new(), run_dir / "singles", singles,
                              lag_samples=min(200, max(20, n // 100)))
    count, single_count = len(objs), len(singles)
    # The read phases run in a process that no longer holds the generated events: a web
    # process never does, and a heap of a million dicts makes every GC pass slower.
    del objs, singles
    say("import")
    url = databases.new()
    config, journey, import_seconds = _load(url, run_dir / "import", file)
    try:
        say("rebuild (in its own process)")
        journey.runner.stop()
        rebuild_seconds, rebuild_rss = _rebuild_elsewhere(url, run_dir / "import")
        journey.runner.catch_up()
        say("reports")
        # As of the middle of the import (recorded_at is when each line was imported).
        middle = journey.log.recorder.row_at(max(1, count // 2))
        as_of = datetime.fromtimestamp(middle.recorded_at / 1e6, tz=timezone.utc)
        reports = _reports(journey, as_of, times=min(requests, 50))
        tokens = _tokens(config, journey)
    finally:
        journey.close()
    say("WSGI")
    wsgi = _wsgi(config, tokens, requests)
    say(f"journey serve --workers {serve_workers}, {clients} clients")
    serve_error = None
    try:
        # First without a decision-state snapshot (the WSGI phase's fold left one): the
        # master folds the whole log. Then a restart, which starts from the snapshot the
        # first start wrote (logs of SNAPSHOT_AFTER events or more).
        from events.snapshot import FOLDER as SNAPSHOTS

        shutil.rmtree(config.instance_dir / SNAPSHOTS, ignore_errors=True)
        rps, first_answer = _served(config, tokens["teacher"], clients,
                                    serve_seconds or (2.0 if n < 20_000 else 10.0),
                                    serve_workers)
        _, restart_answer = _served(config, tokens["teacher"], clients, 0, serve_workers)
    except (OSError, RuntimeError) as exc:  # keep every other figure of a long run
        rps, first_answer, restart_answer = 0.0, 0.0, 0.0
        serve_error = f"{type(exc).__name__}: {exc}"

    floor_rates = {"single_per_s": count / floor["single"],
                   "batch_per_s": count / floor["batch"], "read_per_s": count / floor["read"],
                   "bare_single_per_s": count / floor["bare_single"],
                   "bare_batch_per_s": count / floor["bare_batch"]}
    single_rate = single_count / appends["seconds"]
    import_rate = count / import_seconds
    rebuild_rate = count / rebuild_seconds
    return {
        "events": count,
        "engine": "sqlite" if databases.is_sqlite else "postgresql",
        "serve_error": serve_error,  # the serve phase's failure, if any (its figures are 0)
        # single/batch: into the log's own table; bare_*: into a table with a primary key
        # and no other constraint, for reference.
        "floor": {"single_seconds": floor["single"], "batch_seconds": floor["batch"],
                  "read_seconds": floor["read"], "bare_single_seconds": floor["bare_single"],
                  "bare_batch_seconds": floor["bare_batch"], **floor_rates},
        "journey": {
            "single_appends": single_count, "single_seconds": appends["seconds"],
            "single_per_s": single_rate,
            "projection_lag_p50_ms": appends["lag_p50_ms"],
            "projection_lag_p95_ms": appends["lag_p95_ms"],
            "import_seconds": import_seconds, "import_per_s": import_rate,
            "rebuild_seconds": rebuild_seconds, "rebuild_per_s": rebuild_rate,
            "rebuild_peak_rss_mb": rebuild_rss,
            "leadership_live_p50_ms": reports["live"]["p50_ms"],
            "leadership_live_p95_ms": reports["live"]["p95_ms"],
            "leadership_uncached_p50_ms": reports["uncached"]["p50_ms"],
            "leadership_after_append_p50_ms": reports["after_append"]["p50_ms"],
            "leadership_after_append_p95_ms": reports["after_append"]["p95_ms"],
            "leadership_after_join_p50_ms": reports["after_join"]["p50_ms"],
            "leadership_after_join_p95_ms": reports["after_join"]["p95_ms"],
            "leadership_as_of_seconds": reports["as_of_seconds"],
            "portfolio_page_p50_ms": wsgi["portfolio_page"]["p50_ms"],
            "portfolio_page_p95_ms": wsgi["portfolio_page"]["p95_ms"],
            "portfolio_page_after_append_p50_ms": wsgi["portfolio_page_after_append"]["p50_ms"],
            "portfolio_page_after_append_p95_ms": wsgi["portfolio_page_after_append"]["p95_ms"],
            "dashboard_page_p50_ms": wsgi["dashboard_page"]["p50_ms"],
            "dashboard_page_p95_ms": wsgi["dashboard_page"]["p95_ms"],
            "portfolio_p50_ms": wsgi["portfolio"]["p50_ms"],
            "portfolio_p95_ms": wsgi["portfolio"]["p95_ms"],
            "portfolio_requests": wsgi["portfolio"]["count"],
            "portfolio_after_append_p50_ms": wsgi["portfolio_after_append"]["p50_ms"],
            "portfolio_after_append_p95_ms": wsgi["portfolio_after_append"]["p95_ms"],
            "dashboard_p50_ms": wsgi["dashboard"]["p50_ms"],
            "dashboard_p95_ms": wsgi["dashboard"]["p95_ms"],
            "dashboard_requests": wsgi["dashboard"]["count"],
            "serve_requests_per_s": rps, "serve_first_answer_seconds": first_answer,
            "serve_restart_first_answer_seconds": restart_answer,
            "serve_clients": clients,
            "serve_workers": serve_workers,
        },
        "ratios": {
            "single_vs_floor_single": single_rate / floor_rates["single_per_s"],
            "import_vs_floor_batch": import_rate / floor_rates["batch_per_s"],
            "rebuild_vs_floor_read": rebuild_rate / floor_rates["read_per_s"],
            "single_vs_bare_floor_single": single_rate / floor_rates["bare_single_per_s"],
            "import_vs_bare_floor_batch": import_rate / floor_rates["bare_batch_per_s"],
        },
    }


_SCALED = (("floor", "single_seconds"), ("floor", "batch_seconds"), ("floor", "read_seconds"),
           ("floor", "bare_single_seconds"), ("floor", "bare_batch_seconds"),
           ("journey", "single_seconds"), ("journey", "import_seconds"),
           ("journey", "rebuild_seconds"), ("journey", "leadership_as_of_seconds"))


def run(n: int, database: str | None, *, scaling: bool = False,
        say: Callable[[str], None] = lambda _: None, **options: Any) -> dict[str, Any]:
    """The whole bench: at N, and with `scaling` at 2N too, with T(2N)/T(N)."""
    folder = Path(tempfile.mkdtemp(prefix="journey-bench-"))
    databases = Databases(database, folder)
    try:
        result: dict[str, Any] = {"n": run_once(n, databases, folder, say=say, **options)}
        if scaling:
            result["2n"] = run_once(2 * n, databases, folder, say=say, **options)
            result["scaling"] = {
                f"{part}.{key}": result["2n"][part][key] / result["n"][part][key]
                for part, key in _SCALED if result["n"][part][key] > 0}
        return result
    finally:
        databases.drop_all()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def table(result: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    from events.snapshot import SNAPSHOT_AFTER

    lines = []
    for label in ("n", "2n"):
        if label not in result:
            continue
        r = result[label]
        f, j, q = r["floor"], r["journey"], r["ratios"]
        # A first fold of SNAPSHOT_AFTER events or more leaves a decision-state snapshot.
        restart = " (snapshot)" if r["events"] >= SNAPSHOT_AFTER else " (no snapshot)"
        lines += [
            f"{r['engine']}, {r['events']:,} events",
            f"  {'measure':<44}{'value':>14}  {'vs floor':>9}",
            f"  {'floor: one row per transaction':<44}{f['single_per_s']:>12,.0f}/s",
            f"  {'floor: batches of 1,000 (executemany)':<44}{f['batch_per_s']:>12,.0f}/s",
            f"  {'floor: read all + JSON decode':<44}{f['read_per_s']:>12,.0f}/s",
            f"  {'  bare table: one row per transaction':<44}{f['bare_single_per_s']:>12,.0f}/s",
            f"  {'  bare table: batches of 1,000':<44}{f['bare_batch_per_s']:>12,.0f}/s",
            f"  {'single appends (full command path)':<44}{j['single_per_s']:>12,.0f}/s"
            f"  {q['single_vs_floor_single']:>8.1%}"
            f"  ({q['single_vs_bare_floor_single']:.1%} of bare)",
            f"  {'  projection lag p50 / p95':<44}{j['projection_lag_p50_ms']:>9.1f} ms"
            f"  {j['projection_lag_p95_ms']:.1f} ms",
            f"  {'journey import':<44}{j['import_per_s']:>12,.0f}/s"
            f"  {q['import_vs_floor_batch']:>8.1%}"
            f"  ({q['import_vs_bare_floor_batch']:.1%} of bare)",
            f"  {'rebuild of every projection':<44}{j['rebuild_per_s']:>12,.0f}/s"
            f"  {q['rebuild_vs_floor_read']:>8.1%}",
            f"  {'  peak RSS (the rebuilding process)':<44}{j['rebuild_peak_rss_mb']:>11,.0f} MB",
            f"  {'leadership report, live p50 / p95':<44}{j['leadership_live_p50_ms']:>9.1f} ms"
            f"  {j['leadership_live_p95_ms']:.1f} ms",
            f"  {'leadership report, cold (cache emptied)':<44}"
            f"{j['leadership_uncached_p50_ms']:>9.1f} ms",
            f"  {'leadership report, after a join p50/p95':<44}"
            f"{j['leadership_after_join_p50_ms']:>9.1f} ms"
            f"  {j['leadership_after_join_p95_ms']:.1f} ms",
            f"  {'leadership report, after an append p50/p95':<44}"
            f"{j['leadership_after_append_p50_ms']:>9.1f} ms"
            f"  {j['leadership_after_append_p95_ms']:.1f} ms",
            f"  {'leadership report, as of (one)':<44}{j['leadership_as_of_seconds'] * 1000:>9.1f} ms",
            f"  {'portfolio page p50 / p95, %d requests' % j['portfolio_requests']:<44}"
            f"{j['portfolio_page_p50_ms']:>9.1f} ms  {j['portfolio_page_p95_ms']:.1f} ms",
            f"  {'  after an append p50/p95':<44}"
            f"{j['portfolio_page_after_append_p50_ms']:>9.1f} ms"
            f"  {j['portfolio_page_after_append_p95_ms']:.1f} ms",
            f"  {'  its API answer p50 / p95':<44}{j['portfolio_p50_ms']:>9.1f} ms"
            f"  {j['portfolio_p95_ms']:.1f} ms",
            f"  {'  its API answer, after an append p50/p95':<44}"
            f"{j['portfolio_after_append_p50_ms']:>9.1f} ms"
            f"  {j['portfolio_after_append_p95_ms']:.1f} ms",
            f"  {'coordinator dashboard page p50 / p95':<44}"
            f"{j['dashboard_page_p50_ms']:>9.1f} ms  {j['dashboard_page_p95_ms']:.1f} ms",
            f"  {'  its API answer p50 / p95':<44}{j['dashboard_p50_ms']:>9.1f} ms"
            f"  {j['dashboard_p95_ms']:.1f} ms",
            f"  {'serve --workers %d, %d clients' % (j['serve_workers'], j['serve_clients']):<44}"
            f"{j['serve_requests_per_s']:>12,.0f}/s",
            f"  {'  first answer after start, no snapshot':<44}"
            f"{j['serve_first_answer_seconds']:>10.1f} s",
            f"  {'  first answer after a restart' + restart:<44}"
            f"{j.get('serve_restart_first_answer_seconds', 0.0):>10.1f} s",
        ]
        if r.get("serve_error"):
            lines.append(f"  serve failed: {r['serve_error']}")
    if "scaling" in result:
        lines.append("T(2N)/T(N)")
        lines += [f"  {key:<44}{value:>14.2f}" for key, value in result["scaling"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    # The bench's events as an exchange file, e.g. for timing `journey import` at 1,000,000:
    #   .venv/bin/python -m cli.benchmark 1000000 > /tmp/big.jsonl
    for _obj in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000):
        sys.stdout.write(json.dumps(_obj, ensure_ascii=False) + "\n")
