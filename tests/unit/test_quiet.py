"""quiet_fold: the collector paused and a short switch interval, only where no other
thread runs, and both put back as they were."""
from __future__ import annotations

import gc
import sys
import threading

import pytest

from events.quiet import SWITCH_INTERVAL, quiet_fold


@pytest.fixture(autouse=True)
def interpreter_as_it_was():
    interval = sys.getswitchinterval()
    yield
    gc.enable()
    sys.setswitchinterval(interval)


@pytest.fixture
def alone(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_a_lone_thread_folds_quietly_then_gets_both_back(alone):
    sys.setswitchinterval(0.005)
    with quiet_fold() as quiet:
        assert quiet and not gc.isenabled()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(0.005)


def test_both_come_back_after_an_error(alone):
    sys.setswitchinterval(0.005)
    with pytest.raises(ZeroDivisionError), quiet_fold():
        1 / 0
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(0.005)


def test_a_shorter_interval_set_by_someone_else_is_kept(alone):
    sys.setswitchinterval(0.0001)
    shorter = sys.getswitchinterval()  # as the interpreter keeps it (whole microseconds)
    with quiet_fold():
        assert sys.getswitchinterval() == shorter
    assert sys.getswitchinterval() == shorter


def test_another_thread_leaves_the_interpreter_alone():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    interval = sys.getswitchinterval()
    try:
        with quiet_fold() as quiet:
            assert not quiet and gc.isenabled() and sys.getswitchinterval() == interval
    finally:
        release.set()
        other.join()


def test_a_collector_already_off_is_left_off(alone):
    gc.disable()
    interval = sys.getswitchinterval()
    with quiet_fold() as quiet:
        assert not quiet and sys.getswitchinterval() == interval
    assert not gc.isenabled()
