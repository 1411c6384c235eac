"""Erasure (DESIGN "Erasure"): one command for the CLI, the admin's page and the API.

MemberErased is appended with the member's key deleted in the same transaction (the
store), the database scrubbed, the id added to the instance's erasures file (so a restore
of an older backup erases them again), and the member's account and share links deleted.
A MemberErased that came in another way (`journey import`, `journey record`) gets the same
afterwards (`complete_erasures`).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from events.accounts import Accounts
from events.log import Log
from events.share_links import ShareLinks
from events.store import AppendResult, Options
from journey.errors import MemberIsErased


def erase_member(log: Log, accounts: Accounts, member_id: str, requested_by: str, *,
                 actor: str, occurred_at: datetime | None = None,
                 options: Options | None = None) -> AppendResult:
    """Erase a member as `actor` (an admin, or the operator); Refused when the log refuses.

    Asked again for a member the log already says was erased, it finishes what the first
    erasure could not do beside the log (a crash, a full disk), then refuses as the log does.
    """
    # Before appending: an erasure the log records but that cannot reach the erasures file
    # would be undone by the next restore of an older backup.
    log.instance.check_erasures_writable()
    try:
        result = log.store.erase(member_id, requested_by, actor=actor, occurred_at=occurred_at,
                                 options=options)
    except MemberIsErased:
        if member_id in erased_members(log):
            complete_erasures(log, accounts, [member_id])
        raise
    if result.replayed:
        # A retry with the first request's key: the store appended nothing and scrubbed
        # nothing, and the first attempt may have stopped before either.
        complete_erasures(log, accounts, [member_id])
    else:
        _beside_the_log(log, accounts, member_id)
    return result


def erased_members(log: Log) -> frozenset[str]:
    """Everyone the log says was erased (to compare before and after appending)."""
    return log.store.read_state(lambda state: frozenset(state.erased))


def complete_erasures(log: Log, accounts: Accounts, member_ids: Iterable[str]) -> None:
    """What an erasure does beside the log, for members whose MemberErased was appended
    otherwise than by erase_member: scrub, caches, erasures file, account, share links."""
    member_ids = sorted(member_ids)
    log.store.scrub_erased(member_ids)
    for member_id in member_ids:
        _beside_the_log(log, accounts, member_id)


def _beside_the_log(log: Log, accounts: Accounts, member_id: str) -> None:
    log.instance.add_erasure(member_id)
    accounts.erase_member(member_id)
    ShareLinks(accounts.engine).erase_member(member_id)  # their labels are their words
