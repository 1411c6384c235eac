"""What a view asks of the installation: the opened Journey and the accounts, per app."""
from __future__ import annotations

from typing import Any

from flask import current_app

from events.accounts import Accounts
from projections.app import Journey

JOURNEY = "journey"
ACCOUNTS = "journey_accounts"
#: The function web/openbadges registers to add an award's Open Badges links.
AWARD_LINKS = "journey.award_links"


def journey() -> Journey:
    """The installation this app opened (log, projections, reports, views)."""
    return current_app.extensions[JOURNEY]


def accounts() -> Accounts:
    """The accounts beside the log."""
    return current_app.extensions[ACCOUNTS]


def award_links(body: dict[str, Any], member_id: str) -> dict[str, Any]:
    """`body` (a portfolio or badges view of `member_id`) with the Open Badges links of each
    award that stands now (web/openbadges), when that part is installed; else `body`."""
    links = current_app.extensions.get(AWARD_LINKS)
    return links(body, member_id) if links is not None else body
