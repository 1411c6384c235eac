"""What the accounts tests share: a migrated database, a clock they move, fast hashing.

Import the fixtures by name into a test module (`from tests.integration.accounts_setup
import accounts, clock, engine`); they run on each backend `database_url` names.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine

from events.accounts import Accounts
from events.migrate import upgrade
from events.sql import make_engine
from journey.clock import UTC

PASSWORD = "a long enough password"
FAST = "scrypt:1024:8:1"  # a tenth of the default work: tests hash hundreds of passwords


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(engine: Engine, clock: Clock) -> Accounts:
    return Accounts(engine, clock=clock, password_method=FAST)
