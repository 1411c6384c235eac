"""Fixtures of the domain tests: ledgers with the seed-like people of a Serbian school CoP."""
from __future__ import annotations

import pytest

from tests.unit.domain import make
from tests.unit.domain.ledger import FOUNDED, Ledger


@pytest.fixture
def fresh() -> Ledger:
    """An empty ledger (now = 2025-06-01)."""
    return Ledger()


@pytest.fixture
def ledger() -> Ledger:
    """vrsac-1 in serbia-sel, since 2024-01-10: ana facilitates, ivan and mila are members.

    zoran and jelena are registered (2023-09-01) but belong to no community.
    """
    book = Ledger()
    book.register("zoran", "jelena")
    book.community("vrsac-1", facilitator="ana", members=["ivan", "mila"], at=FOUNDED)
    return book


@pytest.fixture
def coordinated(ledger: Ledger) -> Ledger:
    """The `ledger` community with jelena joined as its coordinator on 2024-01-10."""
    ledger.record(make.joined("jelena", role="coordinator"), "ana", FOUNDED)
    return ledger
