"""collector_paused: the cyclic collector pauses only where no other thread runs."""
from __future__ import annotations

import gc
import threading

import pytest

from events.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_back_on():
    yield
    gc.enable()


def test_it_pauses_and_resumes_in_a_lone_thread(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with collector_paused() as paused:
        assert paused and not gc.isenabled()
    assert gc.isenabled()


def test_it_resumes_after_an_error(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0
    assert gc.isenabled()


def test_another_thread_keeps_it_running():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with collector_paused() as paused:
            assert not paused and gc.isenabled()
    finally:
        release.set()
        other.join()


def test_a_collector_already_off_stays_off(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    gc.disable()
    with collector_paused() as paused:
        assert not paused
    assert not gc.isenabled()
