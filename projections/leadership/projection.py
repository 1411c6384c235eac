"""Writes the leadership facts (projections/leadership/metrics.py) as rows."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, insert, update

from journey.records import Recorded
from projections.leadership.metrics import facts_of
from projections.tables import leadership_facts


class LeadershipProjection:
    """Position-stamped facts per community; a retraction stamps the facts it retracts."""

    name = "leadership"
    version = 1
    tables = (leadership_facts,)
    clear_text = False  # ids, roles and times only

    def apply(self, conn: Connection, records: Sequence[Recorded]) -> None:
        rows = []
        retractions = []
        for rec in records:
            if rec.event.type == "EntryRetracted":
                retractions.append({"target": rec.event.position, "by": rec.position})
            for fact in facts_of(rec):
                rows.append({"position": fact.position, "seq": fact.seq,
                             "community_id": fact.community_id, "kind": fact.kind,
                             "member_id": fact.member_id, "at": fact.at, "role": fact.role,
                             "ref": fact.ref, "retracted_at": fact.retracted_at})
        if rows:
            conn.execute(insert(leadership_facts), rows)
        for r in retractions:
            # Facts of the target may have been inserted in this very batch: run after.
            conn.execute(update(leadership_facts)
                         .where(leadership_facts.c.position == r["target"])
                         .values(retracted_at=r["by"]))
