"""Writes the leadership facts (projections/leadership/metrics.py) as rows."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, insert, select, update

from journey.records import Recorded
from projections.leadership.metrics import facts_of
from projections.tables import leadership_changes, leadership_facts

#: The leadership_changes row of changes that may touch every community (see tables.py).
EVERYWHERE = "*"


class LeadershipProjection:
    """Position-stamped facts per community; a retraction stamps the facts it retracts.

    Beside the facts it keeps, per community, the position of the last change to them, so
    a report can tell in one small query whether a cached result still holds.
    """

    name = "leadership"
    version = 2  # 2: leadership_changes
    tables = (leadership_facts, leadership_changes)
    clear_text = False  # ids, roles and times only

    def apply(self, conn: Connection, records: Sequence[Recorded]) -> None:
        rows = []
        retractions = []
        changed: dict[str, int] = {}
        for rec in records:
            if rec.event.type == "EntryRetracted":
                retractions.append({"target": rec.event.position, "by": rec.position})
            for fact in facts_of(rec):
                rows.append({"position": fact.position, "seq": fact.seq,
                             "community_id": fact.community_id, "kind": fact.kind,
                             "member_id": fact.member_id, "at": fact.at, "role": fact.role,
                             "ref": fact.ref, "retracted_at": fact.retracted_at})
                changed[fact.community_id] = fact.position
        if rows:
            conn.execute(insert(leadership_facts), rows)
        for r in retractions:
            # Facts of the target may have been inserted in this very batch: run after.
            touched = conn.execute(
                update(leadership_facts)
                .where(leadership_facts.c.position == r["target"])
                .values(retracted_at=r["by"])
                .returning(leadership_facts.c.community_id, leadership_facts.c.kind)).all()
            for community_id, kind in touched:
                changed[community_id] = r["by"]
                if kind == "shared":  # an owner of reused resources may change anywhere
                    changed[EVERYWHERE] = r["by"]
        if changed:
            _stamp(conn, changed)


def _stamp(conn: Connection, changed: dict[str, int]) -> None:
    """Move each community's changed_at forward (rows are few: one per community)."""
    table = leadership_changes
    known = set(conn.execute(select(table.c.community_id)
                             .where(table.c.community_id.in_(sorted(changed)))).scalars())
    fresh = [{"community_id": c, "changed_at": p} for c, p in changed.items() if c not in known]
    if fresh:
        conn.execute(insert(table), fresh)
    for community_id in known:
        conn.execute(update(table).where(table.c.community_id == community_id)
                     .values(changed_at=changed[community_id]))
