"""Fixtures of the badge tests: a fresh Log of Recorded (positions 1..n)."""
from __future__ import annotations

import pytest

from tests.unit.badges.log import Log


@pytest.fixture
def log() -> Log:
    return Log()
