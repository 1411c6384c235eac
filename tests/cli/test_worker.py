"""`journey worker` and JOURNEY_PROJECTIONS on a SQLite file (PostgreSQL with its NOTIFY:
tests/e2e/test_production_mode.py)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from cli.main import main
from cli.worker import run_worker
from journey import events as ev
from journey.config import Config
from journey.records import RecordEvent
from projections.app import init_journey, open_journey

AT = datetime(2024, 1, 8, 9, 0, tzinfo=timezone.utc)


def test_projections_mode_is_read_from_the_environment() -> None:
    assert Config.from_env({}).projections == "inline"
    assert Config.from_env({"JOURNEY_PROJECTIONS": " Worker "}).projections == "worker"
    with pytest.raises(ValueError, match="JOURNEY_PROJECTIONS"):
        Config.from_env({"JOURNEY_PROJECTIONS": "threads"})


def _config(tmp_path, mode: str) -> Config:
    return Config(database_url=f"sqlite:///{tmp_path / 'journey.db'}",
                  instance_dir=tmp_path / "instance", base_url="http://127.0.0.1:5000",
                  projections=mode)


def test_a_web_process_in_worker_mode_waits_for_the_worker(tmp_path) -> None:
    init_journey(_config(tmp_path, "worker"))
    web = open_journey(_config(tmp_path, "worker"), background=True)
    worker = open_journey(_config(tmp_path, "inline"))
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker, 0.05, stop))
    try:
        position = web.store.submit(RecordEvent(
            ev.MemberRegistered(member_id="ana", display_name="Ana"), "ana", AT)).position
        # Without a worker, the web process does not fold on its own: the wait times out.
        assert web.runner._thread is None
        assert not web.runner.wait_for(position, timeout=0.2)
        thread.start()
        assert web.runner.wait_for(position, timeout=5)  # the worker folded it
        for n in range(3):
            position = web.store.submit(RecordEvent(ev.NetworkCreated(
                network_id=f"n-{n}", name=f"N {n}"), "ana", AT + timedelta(minutes=n))).position
        assert web.runner.wait_for(position, timeout=5)
        assert all(s.lag == 0 and s.state == "ok" for s in web.runner.status())
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(5)
        web.close()
        worker.close()
    assert not thread.is_alive()


def test_worker_and_serve_workers_have_help() -> None:
    runner = CliRunner()
    assert "--poll" in runner.invoke(main, ["worker", "--help"]).output
    assert "--workers" in runner.invoke(main, ["serve", "--help"]).output


@pytest.mark.parametrize("poll", ["nan", "inf", "1e12", "0", "-1", "abc"])
def test_a_poll_that_is_not_a_sane_number_of_seconds_is_refused(poll: str) -> None:
    # NaN passes a range check (every comparison with it is false): a worker would spin.
    done = CliRunner().invoke(main, ["worker", "--poll", poll])
    assert done.exit_code != 0 and "--poll" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


@pytest.mark.parametrize(("option", "value"), [
    ("--port", "99999"), ("--port", "65536"), ("--port", "0"), ("--port", "-1"),
    ("--workers", "0"), ("--workers", "100000"),
    ("--timeout", "9"), ("--timeout", "10000000000000")])
def test_serve_refuses_a_number_out_of_range_before_starting(option: str, value: str) -> None:
    # A port beyond 65535 reached bind() (`error: internal: OverflowError`); a timeout that
    # big overflows every gunicorn worker's select() as it starts; 100,000 workers fork-bomb.
    done = CliRunner().invoke(main, ["serve", option, value])
    assert done.exit_code == 1
    assert done.stderr.startswith(f"error: usage: Invalid value for '{option}': {value} is "
                                  "not in the range"), done.stderr
    assert "internal" not in done.stderr


def test_serve_on_an_address_not_of_this_machine_says_so() -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    done = CliRunner().invoke(main, ["serve", "--host", "192.0.2.1", "--port", "5000"])
    assert done.exit_code == 1
    assert done.stderr.startswith("error: serve: cannot listen on 192.0.2.1:5000 (")
    assert "give --host an address of this machine" in done.stderr
