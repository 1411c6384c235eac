"""Recognitions and rule badges of a member, with their evidence as the viewer may see it.

Which badges a member holds is projections/badges' answer; this module only shows them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from events.crypto import is_ciphertext
from journey.clock import format_time
from journey.records import Recorded
from projections.badges.engine import earned_badges
from projections.badges.recognitions import recognitions as recognitions_of
from projections.folds.personal import People

#: A settled event as the viewer may see it (a timeline entry), or None when hidden.
Show = Callable[[Recorded], "dict[str, Any] | None"]


def evidence(positions: Sequence[int], live: dict[int, Recorded], show: Show
             ) -> list[dict[str, Any]]:
    """The evidence events still standing and visible to the viewer, as timeline entries."""
    out = []
    for position in positions:
        rec = live.get(position)
        shown = show(rec) if rec is not None else None
        if shown is not None:
            out.append(shown)
    return out


def recognitions(member_id: str, records: Sequence[Recorded], live: dict[int, Recorded],
                 people: People, show: Show
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(standing, revoked) facilitator recognitions of the member."""
    standing, revoked = [], []
    for item in recognitions_of(member_id, records, include_revoked=True):
        shown_item = {
            "award_id": item.award_id, "badge_id": item.badge_id,
            "community_id": item.community_id, "name": item.name,
            "description": item.description, "criteria": item.criteria, "image": item.image,
            "awarded_by": people.ref(item.awarded_by),
            "awarded_at": format_time(item.awarded_at), "note": _note(item, people),
            "evidence": evidence(item.evidence, live, show),
            "position": item.position}
        if item.revoked:
            shown_item.update({
                "revoked_reason": item.revoked_reason,
                "revoked_at": format_time(item.revoked_at) if item.revoked_at else None,
                "revoked_by": people.ref(item.revoked_by) if item.revoked_by else None})
            revoked.append(shown_item)
        else:
            standing.append(shown_item)
    return standing, revoked


def _note(item: Any, people: People) -> str | None:
    # The note is the awarder's words: unreadable once their key is gone.
    if item.note is None or is_ciphertext(item.note) or people.is_erased(item.awarded_by):
        return None
    return item.note


def rule_badges(member_id: str, records: Sequence[Recorded], live: dict[int, Recorded],
                show: Show) -> list[dict[str, Any]]:
    """The rule badges the member holds, each with the events that earned it."""
    return [{"rule_id": a.rule_id, "award_id": a.award_id, "name": a.name,
             "description": a.description, "image": a.image,
             "earned_at": format_time(a.earned_at),
             "evidence": evidence(a.positions, live, show)}
            for a in earned_badges(member_id, records)]
