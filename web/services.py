"""What a view asks of the installation: the opened Journey and the accounts, per app."""
from __future__ import annotations

from contextlib import ExitStack
from typing import Any, BinaryIO

from flask import current_app

from events.accounts import Accounts
from events.uploads import Staged, Uploads, uploads_of
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


def uploads() -> Uploads:
    """The uploaded files of this installation (its instance directory's store)."""
    return uploads_of(journey().config.instance_dir)


def stage_upload(files: ExitStack, stream: BinaryIO, *, filename: str | None,
                 media_type: str | None) -> Staged:
    """An upload written and hashed under this request's own name (Uploads.stage): it
    enters the store only if kept, and is deleted when `files` closes otherwise."""
    return files.enter_context(uploads().stage(stream, filename=filename,
                                               media_type=media_type))


def award_links(body: dict[str, Any], member_id: str) -> dict[str, Any]:
    """`body` (a portfolio or badges view of `member_id`) with the Open Badges links of each
    award that stands now (web/openbadges), when that part is installed; else `body`."""
    links = current_app.extensions.get(AWARD_LINKS)
    return links(body, member_id) if links is not None else body
