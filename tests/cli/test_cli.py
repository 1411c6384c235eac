"""The `journey` command, driven through click's CliRunner on a SQLite file in tmp_path."""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from events.verify import check_signed_head
from journey.config import VARIABLES, Config

JOURNEY = str(Path(sys.executable).with_name("journey"))
SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "sample.jsonl"
ANA = json.dumps({"member_id": "ana", "display_name": "Ana Petrović",
                  "email": "ana.petrovic@example.org"})


class Journey:
    """Runs `journey …` with JOURNEY_* pointing into a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "journey.db"
        self.env = {"JOURNEY_DATABASE_URL": f"sqlite:///{self.db}",
                    "JOURNEY_INSTANCE_DIR": str(folder / "instance")}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0) -> Result:
        result = self.runner.invoke(main, list(args), env=self.env)
        if code is not None:
            assert result.exit_code == code, (result.output, result.exception)
        assert "Traceback" not in result.output
        return result


@pytest.fixture
def journey(tmp_path) -> Journey:
    return Journey(tmp_path)


@pytest.fixture
def ready(journey: Journey) -> Journey:
    journey("init")
    return journey


def test_every_command_has_help_with_an_example(journey: Journey) -> None:
    for name in main.commands:
        assert "Example" in journey(name, "--help").output, name
    assert "private reflections" in journey("export", "--help").output


def test_help_names_every_variable_of_the_configuration_table(journey: Journey) -> None:
    """`journey --help` lists what README's Configuration table lists: what Config reads."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(JOURNEY_[A-Z_]+)` \|", table, flags=re.M)
    helped = " ".join(journey("--help").output.split())

    assert sorted(documented) == sorted(VARIABLES)
    for name in VARIABLES:
        assert name in helped, name
    # And Config reads exactly these: each one changes what it builds.
    plain = Config.from_env({})
    changed = {"JOURNEY_DATABASE_URL": "sqlite:///other.db", "JOURNEY_INSTANCE_DIR": "/x",
               "JOURNEY_BASE_URL": "https://journey.example.org",
               "JOURNEY_PROJECTIONS": "worker"}
    assert sorted(changed) == sorted(VARIABLES)
    for name, value in changed.items():
        assert Config.from_env({name: value}) != plain, name


def test_before_init_every_command_says_to_run_it(journey: Journey) -> None:
    for args in (["verify"], ["export"], ["record", "MemberRegistered", "--actor", "ana",
                                           "--data", ANA]):
        result = journey(*args, code=1)
        assert result.stderr.startswith("error: not_initialised: run journey init first\n")
    assert not journey.db.exists()  # nothing created on the way


def test_init_creates_the_instance_and_tables_once(journey: Journey) -> None:
    first = journey("init").output
    second = journey("init").output

    assert "created master.key, seal.key, signing.key" in first
    assert "created the event log's tables" in first
    assert "nothing created" in second and "already initialised" in second
    assert (journey.folder / "instance" / "seal.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("name, value, message", [
    ("JOURNEY_DATABASE_URL", "mysql://x/y",
     "error: config: JOURNEY_DATABASE_URL names a database Journey does not support "
     "(mysql://): use sqlite:///path/to/journey.db or postgresql+psycopg://"),
    ("JOURNEY_DATABASE_URL", "postgresql://root:secret@db/journey",
     "error: config: JOURNEY_DATABASE_URL names a database Journey does not support "
     "(postgresql://)"),
    ("JOURNEY_DATABASE_URL", "journey.db", "error: config: JOURNEY_DATABASE_URL is not a "),
    ("JOURNEY_DATABASE_URL", "sqlite:///:memory:",
     "error: config: JOURNEY_DATABASE_URL is an in-memory SQLite database"),
    ("JOURNEY_DATABASE_URL", "sqlite://",
     "error: config: JOURNEY_DATABASE_URL is an in-memory SQLite database"),
    ("JOURNEY_DATABASE_URL", "sqlite:///file:j?mode=memory&uri=true",
     "error: config: JOURNEY_DATABASE_URL is an in-memory SQLite database"),
    # A host or port SQLAlchemy cannot parse (it raised a bare ValueError: "internal").
    ("JOURNEY_DATABASE_URL", "postgresql+psycopg://root:secret@[::1/journey",
     "error: config: JOURNEY_DATABASE_URL is not a database URL"),
    ("JOURNEY_DATABASE_URL", "postgresql+psycopg://root:secret@db:port/journey",
     "error: config: JOURNEY_DATABASE_URL is not a database URL"),
    ("JOURNEY_DATABASE_URL", "postgresql+psycopg://root:secret@db:99999/journey",
     "error: config: JOURNEY_DATABASE_URL is not a database URL"),
    ("JOURNEY_BASE_URL", "notaurl",
     "error: config: JOURNEY_BASE_URL must be an absolute http(s) URL"),
    ("JOURNEY_BASE_URL", "ftp://journey.example.org",
     "error: config: JOURNEY_BASE_URL must be an absolute http(s) URL"),
    ("JOURNEY_BASE_URL", "https://journey.example.org:port",
     "error: config: JOURNEY_BASE_URL must be an absolute http(s) URL"),
    ("JOURNEY_BASE_URL", "https://journey.example.org/our programme",
     "error: config: JOURNEY_BASE_URL must be an absolute http(s) URL"),
    ("JOURNEY_BASE_URL", "https://journey.example.org/\tx",
     "error: config: JOURNEY_BASE_URL must be an absolute http(s) URL"),
])
def test_a_configuration_journey_cannot_use_is_refused_before_anything(
        journey: Journey, name, value, message) -> None:
    journey.env[name] = value

    for command in ("init", "verify"):
        result = journey(command, code=1)
        assert result.stderr.startswith(message), result.stderr
        assert "secret" not in result.stderr  # a URL's password is never printed
        # Help needs no configuration: it is how one finds out what to set.
        assert "Example" in journey(command, "--help").output
    assert not (journey.folder / "instance").exists() and not journey.db.exists()


def test_a_good_base_url_is_taken(journey: Journey) -> None:
    journey.env["JOURNEY_BASE_URL"] = "https://journey.example.org/"
    journey("init")


def test_the_drivers_own_errors_are_database_errors(tmp_path) -> None:
    # The store writes through the driver's cursor: its errors come unwrapped.
    import psycopg

    from cli.main import _describe

    path = tmp_path / "read-only.db"
    sqlite3.connect(path).close()
    with pytest.raises(sqlite3.OperationalError) as read_only:
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("CREATE TABLE t (x)")

    assert _describe(read_only.value) == ("database", "attempt to write a readonly database")
    assert _describe(psycopg.OperationalError("connection refused\nmore")) == (
        "database", "connection refused")


def test_record_appends_and_prints_the_position(ready: Journey) -> None:
    assert ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA,
                 "--occurred-at", "2024-03-05T14:00:00Z").output == "appended at position 1\n"
    network = json.dumps({"network_id": "sel-serbia", "name": "SEL Serbia"})
    result = ready("record", "NetworkCreated", "--actor", "ana", "--data", network,
                   "--idempotency-key", "k-1", "--json")
    again = ready("record", "NetworkCreated", "--actor", "ana", "--data", network,
                  "--idempotency-key", "k-1", "--json")

    assert json.loads(result.output) == {"positions": [2], "replayed": False}
    assert json.loads(again.output) == {"positions": [2], "replayed": True}


def test_record_reads_data_from_a_file(ready: Journey) -> None:
    data = ready.folder / "ana.json"
    data.write_text(ANA, encoding="utf-8")

    assert "position 1" in ready("record", "MemberRegistered", "--actor", "ana",
                                 "--data", f"@{data}").output


def test_record_reads_a_data_file_that_starts_with_a_bom(ready: Journey) -> None:
    data = ready.folder / "ana.json"
    data.write_text("\ufeff" + ANA, encoding="utf-8")  # as import accepts a first line's

    assert "position 1" in ready("record", "MemberRegistered", "--actor", "ana",
                                 "--data", f"@{data}").output


@pytest.mark.parametrize("args, message", [
    (["MemberRegistered", "--data", ANA], "error: duplicate_id: a member with id ana already"),
    (["MemberRegistered", "--data", '{"member_id": "ana",'], "error: json: --data is not JSON"),
    (["MemberRegistered", "--data", "[" * 5000], "error: json: --data is nested too deeply"),
    (["EntryRetracted", "--data", '{"position": ' + "9" * 5000 + ', "retracted_by": "ana", '
      '"reason": "x"}'], "error: json: --data cannot be read: a number has more than 4300 digits"),
    (["MemberRegistered", "--data", '{"member_id": "bo b", "display_name": "Bob"}'],
     "error: member_id: must not contain spaces"),
    (["MemberRegistered", "--data", '{"member_id": "bob"}'], "error: display_name: "),
    (["Promoted", "--data", "{}"], "error: type: unknown event type Promoted"),
    (["ReflectionRecorded", "--data", '{"reflection_id": "rf-1", "member_id": "ana", '
      '"text": "a\\u0000b", "visibility": "private"}'],
     "error: text: contains characters that cannot be stored"),
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N", "starts_on": "2024-09-01",'
      ' "ends_on": "2024-06-30"}'], "error: ends_on: must not be before starts_on"),
    # The keys `journey import` refuses: an export of what record took must import again.
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N"}', "--idempotency-key", ""],
     "error: idempotency_key: must be a non-empty text of at most 200 characters"),
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N"}',
      "--idempotency-key", "   "],
     "error: idempotency_key: must be a non-empty text of at most 200 characters"),
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N"}',
      "--idempotency-key", "k" * 500],
     "error: idempotency_key: must be a non-empty text of at most 200 characters"),
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N"}',
      "--occurred-at", "yesterday"], "error: occurred_at: "),
    (["NetworkCreated", "--data", '{"network_id": "n", "name": "N"}',
      "--occurred-at", "2999-01-01"], "error: future_occurred_at: "),
])
def test_record_refusals_are_one_line_and_exit_1(ready: Journey, args, message) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)

    result = ready("record", *args[:1], "--actor", "ana", *args[1:], code=1)

    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert ready("export").stdout.count("\n") == 1  # ana's registration only


@pytest.mark.parametrize("args, message", [
    (["import", "/nonexistent.jsonl"],
     "error: usage: Invalid value for 'FILE': File '/nonexistent.jsonl' does not exist."),
    (["import"], "error: usage: Missing argument 'FILE'."),
    (["promote"], "error: usage: No such command 'promote'."),
    (["--verbose", "verify"], "error: usage: No such option '--verbose'."),
    (["projections", "rebuild", "--jobs", "0"], "error: usage: Invalid value for '--jobs'"),
])
def test_usage_mistakes_are_errors_with_exit_1_and_the_usage(ready: Journey, args,
                                                             message) -> None:
    before = ready.db.read_bytes()

    result = ready(*args, code=1)

    first, *rest = result.stderr.splitlines()
    assert first.startswith(message)
    assert rest[0].startswith("Usage: ") and rest[1].endswith("--help' for help.")
    assert ready.db.read_bytes() == before


def test_journey_alone_shows_its_help(journey: Journey) -> None:
    assert "Commands:" in journey(code=None).output


def test_the_sample_imports_exports_and_verifies(ready: Journey) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    out = ready.folder / "dump.jsonl"

    imported = ready("import", str(SAMPLE), "--keep-recorded-at").output
    ready("export", "--out", str(out))
    verified = ready("verify").output
    report = json.loads(ready("verify", "--json").output)

    assert f"{len(lines)} appended" in imported and "0 skipped" in imported
    dumped = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["type"] for d in dumped] == [json.loads(line)["type"] for line in lines]
    assert [d["recorded_at"] for d in dumped] == [json.loads(line)["recorded_at"]
                                                 for line in lines]
    assert out.stat().st_mode & 0o077 == 0  # the full dump is private
    head = json.loads(Path(f"{out}.head.json").read_text(encoding="utf-8"))
    assert Path(f"{out}.head.json").stat().st_mode & 0o777 == 0o600
    assert head["position"] == len(lines)
    assert verified == f"OK {len(lines)} events, head {head['hash']}\n"
    assert (report["ok"], report["events"], report["head"]) == (True, len(lines), head["hash"])
    assert (report["first_broken"], report["problem"]) == (None, None)


def test_export_to_a_stream_asks_where_its_head_goes(ready: Journey) -> None:
    # `--out /dev/stdout` (or a FIFO) has no folder to put OUT.head.json in: refused before
    # anything is opened, and --head names the file instead.
    fifo = ready.folder / "dump.fifo"
    os.mkfifo(fifo)
    before = sorted(p.name for p in ready.folder.iterdir())
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a writer would not wait for one
    try:
        refused = ready("export", "--out", str(fifo), code=1)
        assert os.read(reader, 1) == b""  # nothing was written to it
    finally:
        os.close(reader)

    assert refused.stderr == (f"error: head_needs_a_file: {fifo} is no regular file, so the "
                              "signed head cannot go beside it: name a file for it with "
                              "--head FILE\n")
    assert sorted(p.name for p in ready.folder.iterdir()) == before


def test_export_to_stdout_writes_its_head_where_named(ready: Journey) -> None:
    ready("import", str(SAMPLE), "--keep-recorded-at")
    env = os.environ | ready.env
    head_file = ready.folder / "head.json"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([JOURNEY, "export", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    alone = run("--out", "/dev/stdout")
    named = run("--out", "/dev/stdout", "--head", str(head_file))
    into_the_dump = run("--head", "/dev/stdout")  # stdout is a pipe: the head would be in it

    assert (alone.returncode, alone.stdout) == (1, "")
    assert alone.stderr.startswith("error: head_needs_a_file: /dev/stdout is no regular file")
    assert (into_the_dump.returncode, into_the_dump.stdout) == (1, "")
    assert into_the_dump.stderr.startswith("error: head_needs_a_file: --head /dev/stdout ")
    assert named.returncode == 0, named.stderr
    assert named.stdout == ready("export").stdout
    head = json.loads(head_file.read_text(encoding="utf-8"))
    assert head_file.stat().st_mode & 0o777 == 0o600  # as private as the dump
    assert check_signed_head(head)
    report = json.loads(ready("verify", "--json").output)
    assert (head["position"], head["hash"]) == (report["events"], report["head"])


def test_import_reads_standard_input(ready: Journey) -> None:
    # `journey export | ssh … journey import -`: a stream can be read only once.
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
    before = sorted(p.name for p in (ready.folder / "instance").iterdir())

    piped = ready.runner.invoke(main, ["import", "-", "--json"], env=ready.env,
                                input="".join(lines))
    again = ready("import", "-", "--json")  # an empty stdin: nothing to do
    ready.folder.joinpath("five.jsonl").write_text("".join(lines), encoding="utf-8")
    same = ready("import", str(ready.folder / "five.jsonl"), "--json")

    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["appended"] == 5
    assert json.loads(again.stdout)["appended"] == 0
    # The same bytes from a file: the same digest, so the same idempotency keys.
    assert json.loads(same.stdout)["replayed"] == 5
    assert sorted(p.name for p in (ready.folder / "instance").iterdir()) == before


def test_import_reads_a_fifo(ready: Journey) -> None:
    # `journey import <(head -5 x)`, as a shell runs it: a process reading a FIFO, which
    # gives its lines once (opening it again would wait for ever for another writer).
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
    fifo = ready.folder / "lines.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write("".join(lines))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    done = subprocess.run([JOURNEY, "import", str(fifo), "--json"], env=os.environ | ready.env,
                          capture_output=True, text=True, timeout=60)
    writer.join(timeout=10)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["appended"] == 5
    assert ready("export").stdout.count("\n") == 5


def test_export_out_is_private_even_over_a_readable_file(ready: Journey) -> None:
    # `touch pub.jsonl; chmod 644 pub.jsonl; journey export --out pub.jsonl`: O_CREAT's
    # mode applies only to a file it creates.
    ready("import", str(SAMPLE), "--keep-recorded-at")
    out = ready.folder / "pub.jsonl"
    out.write_text("", encoding="utf-8")
    out.chmod(0o644)

    ready("export", "--out", str(out))

    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8") == ready("export").stdout
    assert [p.name for p in ready.folder.iterdir() if p.name.startswith(".")] == []


def test_import_stops_at_a_refused_line_unless_told_to_skip(ready: Journey) -> None:
    path = ready.folder / "two.jsonl"
    path.write_text(
        json.dumps({"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z",
                    "actor": "ana", "data": json.loads(ANA)}) + "\n"
        + json.dumps({"type": "CommunityFounded", "occurred_at": "2024-01-11T09:00:00Z",
                      "actor": "ana", "data": {"community_id": "c", "name": "C",
                                               "domain": "SEL", "network_id": "n"}}) + "\n",
        encoding="utf-8")

    stopped = ready("import", str(path), code=1)
    skipped = ready("import", str(path), "--skip-invalid", "--json")

    assert stopped.stderr.startswith("error: line 2: unknown_network: ")
    assert "1 appended" in stopped.stdout
    body = json.loads(skipped.stdout)
    assert (body["appended"], body["replayed"]) == (0, 1)
    assert [s["line"] for s in body["skipped"]] == [2]


def test_a_stopped_import_goes_on_with_the_fixed_file_under_its_first_source(
        ready: Journey) -> None:
    path = ready.folder / "two.jsonl"
    ana = {"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z", "actor": "ana",
           "data": json.loads(ANA)}
    community = {"type": "CommunityFounded", "occurred_at": "2024-01-11T09:00:00Z",
                 "actor": "ana", "data": {"community_id": "c", "name": "C", "domain": "SEL",
                                          "network_id": "n"}}
    path.write_text(json.dumps(ana) + "\n" + json.dumps(community) + "\n", encoding="utf-8")
    first = hashlib.sha256(path.read_bytes()).hexdigest()

    stopped = ready("import", str(path), code=1)
    del community["data"]["network_id"]  # the fix: a community of no network
    path.write_text(json.dumps(ana) + "\n" + json.dumps(community) + "\n", encoding="utf-8")
    as_a_new_file = ready("import", str(path), "--resume", code=1)
    bad = ready("import", str(path), "--resume", "--source", first[:-1], code=1)
    resumed = json.loads(ready("import", str(path), "--resume", "--source", first.upper(),
                               "--json").stdout)

    assert stopped.stderr.splitlines() == [
        "error: line 2: unknown_network: there is no network n",
        f"  once the line is fixed, go on with: journey import {path} --resume --source {first}"]
    # Its own digest gives the fixed file new keys: line 1 again, refused as a taken id.
    assert as_a_new_file.stderr.splitlines()[0] == \
        "error: line 1: duplicate_id: a member with id ana already exists"
    assert as_a_new_file.stderr.splitlines()[-1] == (
        "  (no line of this file was in the log: if it is a fixed copy of a file imported "
        "before, give the --source that import printed)")
    assert bad.stderr.startswith("error: bad_source: ")
    assert (resumed["appended"], resumed["replayed"], resumed["source"]) == (1, 1, first)
    assert ready("export").stdout.count("\n") == 2


def test_an_import_that_skipped_lines_says_how_to_add_them_once_fixed(ready: Journey) -> None:
    path = ready.folder / "one.jsonl"
    path.write_text(json.dumps({"type": "CommunityFounded", "occurred_at": "2024-01-11T09:00:00Z",
                                "actor": "ana", "data": {"community_id": "c", "name": "C",
                                                         "domain": "SEL", "network_id": "n"}})
                    + "\n",
                    encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    skipped = ready("import", str(path), "--skip-invalid")

    assert skipped.stderr.splitlines()[-1] == (
        f"once the skipped lines are fixed, add them with: journey import {path} "
        f"--source {digest}")


def test_import_refuses_text_that_cannot_be_stored_as_a_line_error(ready: Journey) -> None:
    path = ready.folder / "surrogate.jsonl"
    bob = {"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z", "actor": "bob",
           "data": {"member_id": "bob", "display_name": "Bob"}}
    # json.dumps writes the lone surrogates as the \\ud800 escapes a file would carry.
    path.write_text(
        json.dumps({"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z",
                    "actor": "ana", "data": json.loads(ANA)}) + "\n"
        + json.dumps({**bob, "meta": {"correlation_id": "a\ud800b"}}) + "\n"
        + json.dumps({**bob, "colour\ud800": "red"}) + "\n", encoding="utf-8")

    stopped = ready("import", str(path), code=1)
    skipped = ready("import", str(path), "--skip-invalid", "--json")

    assert stopped.stderr.startswith(
        "error: line 2: meta.correlation_id: contains characters that cannot be stored")
    assert "1 appended" in stopped.stdout
    assert [(s["line"], s["code"]) for s in json.loads(skipped.stdout)["skipped"]] == [
        (2, "meta.correlation_id"), (3, "colour\ud800")]


def test_verify_exits_1_on_a_tampered_log(ready: Journey) -> None:
    ready("import", str(SAMPLE), "--keep-recorded-at")
    with sqlite3.connect(ready.db) as conn:
        conn.execute("UPDATE events SET data = replace(data, 'monthly', 'weekly') "
                     "WHERE position = 5")

    result = ready("verify", code=1)

    assert result.output == "BROKEN at position 5: hash does not match its row\n"


def test_init_refuses_new_keys_beside_an_existing_log(ready: Journey, tmp_path) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    wrong = Journey(tmp_path)
    wrong.env = {**ready.env, "JOURNEY_INSTANCE_DIR": str(tmp_path / "other-instance")}

    result = wrong("init", code=1)

    assert result.stderr.startswith("error: instance_mismatch: the database already holds a "
                                    "log of 1 events, sealed with other keys than ")
    assert not (tmp_path / "other-instance").exists()  # no keys made beside it
    assert ready("init").output  # its own instance still opens and upgrades it
    assert ready("verify").output.startswith("OK 1 events")


def test_nothing_is_appended_over_a_head_sealed_with_other_keys(ready: Journey,
                                                                tmp_path) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    (tmp_path / "other").mkdir()
    other = Journey(tmp_path / "other")
    other("init")  # another installation: its own instance directory
    wrong = Journey(tmp_path)
    wrong.env = {**ready.env, "JOURNEY_INSTANCE_DIR": other.env["JOURNEY_INSTANCE_DIR"]}

    result = wrong("record", "MemberRegistered", "--actor", "ivan",
                   "--data", '{"member_id": "ivan", "display_name": "Ivan"}', code=1)

    assert result.stderr.startswith("error: instance_mismatch: the log's head does not vouch "
                                    "for its last row (position 1) with this instance's keys")
    assert ready("verify").output.startswith("OK 1 events")  # neither appended nor re-sealed



def test_import_refuses_a_number_too_long_to_read_as_a_line_error(ready: Journey) -> None:
    # Python reads at most 4300 digits of an integer: json.loads raises a ValueError that
    # is no JSONDecodeError.
    path = ready.folder / "digits.jsonl"
    path.write_text(
        json.dumps({"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z",
                    "actor": "ana", "data": json.loads(ANA)}) + "\n"
        + '{"type": "EntryRetracted", "occurred_at": "2024-01-11T09:00:00Z", "actor": "ana",'
        + ' "data": {"position": ' + "9" * 5000 + ', "retracted_by": "ana", "reason": "x"}}\n',
        encoding="utf-8")

    stopped = ready("import", str(path), code=1)
    skipped = ready("import", str(path), "--skip-invalid", "--json")

    assert stopped.stderr.startswith("error: line 2: json: a number has more than 4300 digits")
    assert "1 appended" in stopped.stdout
    assert [(s["line"], s["code"]) for s in json.loads(skipped.stdout)["skipped"]] == [
        (2, "json")]
    assert ready("export").stdout.count("\n") == 1

def test_erase_needs_yes(ready: Journey) -> None:
    result = ready("erase", "m-zoran", "--requested-by", "m-zoran", code=1)

    assert result.stderr.startswith("error: not_confirmed: ")


def test_erase_of_an_unknown_member_is_refused(ready: Journey) -> None:
    result = ready("erase", "m-nobody", "--requested-by", "m-nobody", "--yes", code=1)

    assert result.stderr.startswith("error: unknown_member: ")


def test_erase_refuses_an_empty_requested_by_as_the_api_does(ready: Journey) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)

    result = ready("erase", "ana", "--requested-by", "", "--yes", code=1)

    assert result.stderr == "error: requested_by: must not be empty\n"
    assert "Ana Petrović" in ready("export").stdout  # her key is still there
    assert not (ready.folder / "instance" / "erasures").exists() or \
        "ana" not in (ready.folder / "instance" / "erasures").read_text()


def test_an_erasure_that_could_not_be_recorded_beside_the_log_appends_nothing(
        ready: Journey) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    erasures = ready.folder / "instance" / "erasures"
    erasures.unlink()
    erasures.mkdir()  # as unwritable as a wrong owner or mode of the instance makes it

    result = ready("erase", "ana", "--requested-by", "ana", "--yes", code=1)

    assert result.stderr.startswith("error: file: ")
    assert ready("verify").output.startswith("OK 1 events")
    assert "Ana Petrović" in ready("export").stdout  # her key is still there


def test_erasing_again_finishes_what_an_interrupted_erasure_left(ready: Journey) -> None:
    # As if the process died between the log's commit and the instance's erasures file:
    # MemberErased recorded, the account and the erasures file untouched.
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    added = ready.runner.invoke(main, ["user", "add", "ana", "--password-stdin"],
                                env=ready.env, input="a long enough password\n")
    assert added.exit_code == 0, added.output
    from events.erasure import erase_member
    with patch("events.erasure._beside_the_log"), _opened(ready) as (log, accounts):
        erase_member(log, accounts, "ana", "ana", actor="admin")
    assert "ana" in ready("user", "list").output

    result = ready("erase", "ana", "--requested-by", "ana", "--yes", code=1)

    assert result.stderr.startswith("error: member_erased: ")
    assert "ana" in (ready.folder / "instance" / "erasures").read_text(encoding="utf-8")
    assert "ana" not in ready("user", "list").output
    assert ready("verify").output.startswith("OK 2 events")


@contextmanager
def _opened(journey: Journey):
    """The installation `journey` points at, opened in this process (its log, accounts)."""
    from events.accounts import Accounts
    from events.log import open_log
    from journey.config import Config
    log = open_log(Config.from_env(journey.env))
    try:
        yield log, Accounts(log.recorder.engine)
    finally:
        log.close()


def test_erase_leaves_no_trace_in_the_export(ready: Journey) -> None:
    ready("import", str(SAMPLE), "--keep-recorded-at")

    erased = ready("erase", "m-zoran", "--requested-by", "m-zoran", "--yes").output
    dump = ready("export").stdout

    assert "erased m-zoran" in erased
    assert "Zoran Ilić" not in dump and "zoran.ilic@example.org" not in dump
    assert "nervous" not in dump.lower()  # his private reflection
    assert "m-zoran" in (ready.folder / "instance" / "erasures").read_text(encoding="utf-8")
    assert ready("verify").output.startswith("OK ")


def test_an_export_made_after_an_erasure_imports_into_a_fresh_log(ready: Journey,
                                                                   tmp_path) -> None:
    # The exchange format's contract: export, then import into an empty log, erasures too.
    ready("import", str(SAMPLE), "--keep-recorded-at")
    ready("erase", "m-zoran", "--requested-by", "m-zoran", "--yes")
    dump = tmp_path / "all.jsonl"
    ready("export", "--out", str(dump))
    fresh = Journey(tmp_path / "fresh")
    fresh("init")

    imported = fresh("import", str(dump), "--keep-recorded-at").output

    events = len(dump.read_text(encoding="utf-8").splitlines())
    assert f"{events} appended" in imported and "0 skipped" in imported
    assert fresh("verify").output.startswith(f"OK {events} events, head ")
    assert fresh("report", "portfolio", "m-zoran").output.startswith(
        "Portfolio of erased member (m-zoran)")
    again = fresh("export").stdout
    assert "Zoran Ilić" not in again and "zoran.ilic@example.org" not in again
    assert fresh("erase", "m-zoran", "--requested-by", "admin", "--yes",
                 code=1).stderr.startswith("error: member_erased: ")
    # Erased beside the log too, as `journey erase` does: a restore of an older backup of
    # this log erases him again.
    assert "m-zoran" in (fresh.folder / "instance" / "erasures").read_text(encoding="utf-8")


def test_a_recorded_member_erased_erases_beside_the_log_too(ready: Journey) -> None:
    ready("record", "MemberRegistered", "--actor", "ana", "--data", ANA)
    added = ready.runner.invoke(main, ["user", "add", "ana", "--password-stdin"],
                                env=ready.env, input="a long enough password\n")
    assert added.exit_code == 0, added.output

    ready("record", "MemberErased", "--actor", "admin",
          "--data", '{"member_id": "ana", "requested_by": "ana"}')

    assert "ana" in (ready.folder / "instance" / "erasures").read_text(encoding="utf-8")
    assert "ana" not in ready("user", "list").output


def test_export_refuses_a_head_that_is_the_dump_under_another_name(ready: Journey,
                                                                   monkeypatch) -> None:
    # A new file named once absolutely and once relatively: the head would overwrite the
    # dump (the operator's only copy) and the command would say it exported.
    monkeypatch.chdir(ready.folder)
    dump = ready.folder / "dump.jsonl"

    refused = ready("export", "--out", str(dump), "--head", "dump.jsonl", code=1)

    assert refused.stderr.startswith("error: head_needs_a_file: --head dump.jsonl names where "
                                     "the dump goes")
    assert not dump.exists()


def test_export_refuses_a_head_in_a_missing_folder_before_writing_the_dump(
        ready: Journey) -> None:
    dump = ready.folder / "dump.jsonl"
    head = ready.folder / "missing" / "head.json"

    refused = ready("export", "--out", str(dump), "--head", str(head), code=1)

    assert refused.stderr == (f"error: file: cannot write the signed head to {head}: "
                              f"{head.parent} is no directory\n")
    assert not dump.exists()


def test_restore_refuses_a_fifo_rather_than_waiting_for_a_writer(ready: Journey) -> None:
    fifo = ready.folder / "backup.fifo"
    os.mkfifo(fifo)

    refused = ready("restore", str(fifo), code=1)

    assert refused.stderr.startswith(f"error: backup: {fifo} is no regular file")


def test_backup_refuses_a_path_that_is_no_regular_file(ready: Journey) -> None:
    # `journey backup /dev/stdout`, or a FIFO: the backup is written beside it and renamed
    # over it, which would put a regular file in place of the device or the pipe.
    fifo = ready.folder / "backup.fifo"
    os.mkfifo(fifo)

    refused = ready("backup", str(fifo), code=1)

    assert refused.stderr.startswith(f"error: backup: {fifo} is no regular file")
    assert fifo.is_fifo()
    assert [p.name for p in ready.folder.iterdir() if p.name.startswith(".")] == []
