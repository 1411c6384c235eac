"""What a view asks of the installation: the opened Journey and the accounts, per app."""
from __future__ import annotations

from flask import current_app

from events.accounts import Accounts
from projections.app import Journey

JOURNEY = "journey"
ACCOUNTS = "journey_accounts"


def journey() -> Journey:
    """The installation this app opened (log, projections, reports, views)."""
    return current_app.extensions[JOURNEY]


def accounts() -> Accounts:
    """The accounts beside the log."""
    return current_app.extensions[ACCOUNTS]
