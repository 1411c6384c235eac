"""Writes the leadership facts (projections/leadership/metrics.py) as rows."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Sequence

from sqlalchemy import Connection, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from journey.records import Recorded
from projections.bulk import insert_rows
from projections.leadership.metrics import MEMBERSHIP, Fact, fact_rows
from projections.tables import leadership_changes, leadership_facts

_COLUMNS = tuple(f.name for f in fields(Fact))  # the order of fact_rows' tuples


@dataclass
class _Facts:
    """A batch folded into fact rows, the retractions to stamp, and the communities moved."""

    rows: list[tuple] = field(default_factory=list)
    retractions: list[dict[str, int]] = field(default_factory=list)
    changed: dict[str, int] = field(default_factory=dict)
    reshaped: dict[str, int] = field(default_factory=dict)


#: The leadership_changes row of changes that may touch every community (see tables.py).
EVERYWHERE = "*"


class LeadershipProjection:
    """Position-stamped facts per community; a retraction stamps the facts it retracts.

    Beside the facts it keeps, per community, the position of the last change to them and
    of the last change that was not a plain addition (a membership fact, a retraction), so
    a report can tell in one small query whether a cached result still holds, or can be
    brought forward by counting only the facts added since.
    """

    name = "leadership"
    version = 3  # 2: leadership_changes; 3: reshaped_at
    tables = (leadership_facts, leadership_changes)
    clear_text = False  # ids, roles and times only

    def prepare(self, records: Sequence[Recorded]) -> _Facts:
        done = _Facts()
        rows, changed, reshaped = done.rows, done.changed, done.reshaped
        for rec in records:
            if rec.event.type == "EntryRetracted":
                done.retractions.append({"target": rec.event.position, "by": rec.position})
            for row in fact_rows(rec):
                rows.append(row)
                position, _, community_id, kind = row[:4]
                changed[community_id] = position
                if kind in MEMBERSHIP:  # who is enrolled, and roles at every moment
                    reshaped[community_id] = position
        return done

    def write(self, conn: Connection, done: _Facts) -> None:
        changed, reshaped = done.changed, done.reshaped
        insert_rows(conn, leadership_facts, _COLUMNS, done.rows)
        for r in done.retractions:
            # Facts of the target may have been inserted in this very batch: run after.
            touched = conn.execute(
                update(leadership_facts)
                .where(leadership_facts.c.position == r["target"])
                .values(retracted_at=r["by"])
                .returning(leadership_facts.c.community_id, leadership_facts.c.kind)).all()
            for community_id, kind in touched:
                # max: a later fact of this batch may have moved the stamps past it already
                for stamps in (changed, reshaped):
                    stamps[community_id] = max(stamps.get(community_id, 0), r["by"])
                    if kind == "shared":  # an owner of reused resources may change anywhere
                        stamps[EVERYWHERE] = max(stamps.get(EVERYWHERE, 0), r["by"])
        if changed:
            _stamp(conn, changed, reshaped)


def _stamp(conn: Connection, changed: dict[str, int], reshaped: dict[str, int]) -> None:
    """Move each community's changed_at (and reshaped_at) forward: at most two statements
    a batch, whatever the number of communities (one each cost 1 ms a community-batch on
    PostgreSQL, 0.6 s of a rebuild of 100,000 events)."""
    table = leadership_changes
    upsert = _UPSERTS[conn.dialect.name]
    for moved, columns in (([c for c in changed if c in reshaped], ("changed_at", "reshaped_at")),
                           ([c for c in changed if c not in reshaped], ("changed_at",))):
        if not moved:
            continue
        statement = upsert(table).values([
            {"community_id": c, "changed_at": changed[c], "reshaped_at": reshaped.get(c, 0)}
            for c in sorted(moved)])  # sorted: concurrent writers lock rows in one order
        conn.execute(statement.on_conflict_do_update(
            index_elements=[table.c.community_id],
            set_={c: statement.excluded[c] for c in columns}))


#: INSERT ... ON CONFLICT DO UPDATE, in the dialects Journey runs on.
_UPSERTS = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
