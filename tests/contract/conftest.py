"""The store contract's fixtures: one `backend` per engine, and the `store` it opens.

Every test of tests/contract/test_store_contract.py runs on each backend: in memory, a
SQLite file and PostgreSQL (marked `postgres`, on a fresh database per test). A backend
opens as many stores as a test wants on the same log — separate engines and writer
connections on SQL, one shared recorder in memory — all with the same master and seal
keys, as processes of one installation would.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Callable

import pytest

from events.memory import MemoryRecorder
from events.migrate import upgrade
from events.sql import make_engine
from events.store import EventStore
from tests.contract.scenario import FakeClock, Seal, close_store, open_sql_store


class Backend:
    """One log on one engine, and a way to open stores on it."""

    def __init__(self, name: str, url: str | None) -> None:
        self.name = name
        self.url = url
        self.master_key = os.urandom(32)
        self.seal = Seal(os.urandom(32))
        self.clock = FakeClock()
        self._memory = MemoryRecorder() if url is None else None
        self._stores: list[EventStore] = []
        if url is not None:
            engine = make_engine(url)
            try:
                upgrade(engine)
            finally:
                engine.dispose()

    @property
    def is_sql(self) -> bool:
        return self.url is not None

    def open(self, clock: Callable[[], datetime] | None = None,
             seal: Seal | None = None) -> EventStore:
        """A new store on this backend's log (the backend's fake clock and seal key unless
        given others: another instance's)."""
        clock = clock or self.clock
        seal = seal or self.seal
        if self.url is None:
            store = EventStore(self._memory, master_key=self.master_key, seal=seal,
                               clock=clock)
        else:
            store = open_sql_store(self.url, self.master_key, seal.key, clock)
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            close_store(store)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """An empty log on each backend in turn."""
    if request.param == "memory":
        url = None
    elif request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    opened = Backend(request.param, url)
    yield opened
    opened.close()


@pytest.fixture
def store(backend: Backend) -> EventStore:
    """A store on the backend's empty log, reading the backend's fake clock."""
    return backend.open()


@pytest.fixture
def clock(backend: Backend) -> FakeClock:
    """The fake clock of the `store` fixture (one second per reading unless set)."""
    return backend.clock
