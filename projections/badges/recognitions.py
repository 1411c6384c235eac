"""Facilitator recognitions of one member: badges a community defined, awarded and revoked.

`recognitions(member_id, records)` folds, in position order:
- BadgeDefined: the badge texts (name, description, criteria, image). Badge texts are
  community data, not content: no correction or retraction applies to them; an id is
  defined once (a later definition with the same id is ignored);
- RecognitionAwarded naming the member: a recognition, with its evidence positions;
- RecognitionRevoked of one of those awards: the recognition no longer stands; it is kept
  in `revoked_recognitions` with the reason, who revoked it and when (the facilitator's
  view, and the revocation list of the Open Badges credentials); a revocation happens
  once (a second one is ignored);
- EntryRetracted of an evidence position: the recognition keeps standing without that
  evidence (DESIGN: "a recognition keeps standing without that evidence");
- ReflectionRecorded / ReflectionVisibilityChanged (optional): a reflection that is
  private by the end of the records is dropped from the evidence shown, since a private
  reflection never leaves the author's own views.

Records passed in: the BadgeDefined of the badges involved, the awards and revocations
concerning the member, and the retractions of evidence; any superset gives the same answer.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded


@dataclass(frozen=True, slots=True)
class Recognition:
    """One recognition awarded to a member by a facilitator, with the badge's texts."""

    award_id: str
    badge_id: str
    community_id: str
    name: str | None           # None: the BadgeDefined was not among the records
    description: str | None
    criteria: str | None
    image: str | None
    awarded_by: str
    awarded_at: datetime
    evidence: tuple[int, ...]  # positions, retracted (and now private) ones removed
    note: str | None
    revoked: bool = False
    revoked_reason: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    position: int = 0          # the position of the RecognitionAwarded

    def to_dict(self) -> dict[str, Any]:
        return {"award_id": self.award_id, "badge_id": self.badge_id,
                "community_id": self.community_id, "name": self.name,
                "description": self.description, "criteria": self.criteria,
                "image": self.image, "awarded_by": self.awarded_by,
                "awarded_at": format_time(self.awarded_at), "evidence": list(self.evidence),
                "note": self.note, "revoked": self.revoked,
                "revoked_reason": self.revoked_reason,
                "revoked_at": format_time(self.revoked_at) if self.revoked_at else None,
                "revoked_by": self.revoked_by, "position": self.position}


@dataclass(frozen=True, slots=True)
class RecognitionFold:
    standing: tuple[Recognition, ...]
    revoked: tuple[Recognition, ...]


def fold_recognitions(member_id: str, records: Iterable[Recorded]) -> RecognitionFold:
    """Standing and revoked recognitions of `member_id`, each in award (position) order."""
    badges: dict[str, ev.BadgeDefined] = {}
    awards: dict[str, tuple[Recorded, ev.RecognitionAwarded]] = {}
    revocations: dict[str, tuple[Recorded, ev.RecognitionRevoked]] = {}
    retracted: set[int] = set()
    reflections: dict[int, str] = {}           # position -> reflection_id
    visibility: dict[str, str] = {}            # reflection_id -> current visibility
    for rec in sorted(records, key=lambda r: r.position):
        e = rec.event
        if isinstance(e, ev.BadgeDefined):
            badges.setdefault(e.badge_id, e)
        elif isinstance(e, ev.RecognitionAwarded):
            if e.member_id == member_id:
                awards.setdefault(e.award_id, (rec, e))
        elif isinstance(e, ev.RecognitionRevoked):
            if e.award_id in awards:               # once: a second revocation is ignored
                revocations.setdefault(e.award_id, (rec, e))
        elif isinstance(e, ev.EntryRetracted):
            retracted.add(e.position)
        elif isinstance(e, ev.ReflectionRecorded):
            reflections[rec.position] = e.reflection_id
            visibility.setdefault(e.reflection_id, e.visibility)
        elif isinstance(e, ev.ReflectionVisibilityChanged):
            visibility[e.reflection_id] = e.visibility

    def shown(position: int) -> bool:
        if position in retracted:
            return False
        reflection = reflections.get(position)
        return reflection is None or visibility.get(reflection) != "private"

    standing: list[Recognition] = []
    revoked: list[Recognition] = []
    for award_id, (rec, e) in sorted(awards.items(), key=lambda kv: kv[1][0].position):
        badge = badges.get(e.badge_id)
        item = Recognition(
            award_id=award_id, badge_id=e.badge_id, community_id=e.community_id,
            name=badge.name if badge else None,
            description=badge.description if badge else None,
            criteria=badge.criteria if badge else None,
            image=badge.image if badge else None,
            awarded_by=e.awarded_by, awarded_at=rec.occurred_at,
            evidence=tuple(p for p in dict.fromkeys(e.evidence or ()) if shown(p)),
            note=e.note, position=rec.position)
        revocation = revocations.get(award_id)
        if revocation is not None:
            rrec, r = revocation
            revoked.append(replace(item, revoked=True, revoked_reason=r.reason,
                                   revoked_at=rrec.occurred_at, revoked_by=r.revoked_by))
        else:
            standing.append(item)
    return RecognitionFold(tuple(standing), tuple(revoked))


def recognitions(member_id: str, records: Iterable[Recorded],
                 include_revoked: bool = False) -> list[Recognition]:
    """The recognitions of `member_id` that stand (with `include_revoked`: all of them)."""
    fold = fold_recognitions(member_id, records)
    if not include_revoked:
        return list(fold.standing)
    return sorted(fold.standing + fold.revoked, key=lambda r: r.position)


def revoked_recognitions(member_id: str, records: Iterable[Recorded]) -> list[Recognition]:
    """The recognitions of `member_id` that were revoked, with reason, revoker and time."""
    return list(fold_recognitions(member_id, records).revoked)
