"""Each award's index in its issuer's Bitstring Status List: allocated once, kept forever.

A credential names its index (`credentialStatus.statusListIndex`) and is signed: the
index of an award can never change, nor be given to another award. So it is not derived
from the catalogue but allocated, in the table `ob_status_index` (projections/tables.py):
when an award first appears in the present catalogue it takes its issuer's next free
index (the new awards of a build in appearance order: `in_appearance_order`). Rows are never
renumbered nor deleted; an award that has left the catalogue (a rule of rules.json was
changed or removed) keeps its row, and its bit is set (documents.status_bits).

Several processes may build a catalogue at once (gunicorn workers). One allocates at a
time: in one transaction that holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL:
a table lock that readers pass) it reads what is stored and adds only what is missing; a
unique violation all the same starts again from what is stored. What is used is always
what the table holds after the commit.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from projections.openbadges.catalogue import Catalogue, in_appearance_order
from projections.openbadges.documents import issuer_id, network_of
from projections.tables import ob_status_index as table

#: Allocation attempts before giving up: each lost race means another process stored
#: the indexes it wanted, so the next attempt has fewer (usually none) to add.
ATTEMPTS = 10

Indexes = dict[str | None, dict[str, int]]


def stored(conn: Connection) -> Indexes:
    """Every allocated index, by issuer (a network id, None: the installation)."""
    out: Indexes = defaultdict(dict)
    for issuer, award_id, idx in conn.execute(select(table.c.issuer, table.c.award_id,
                                                     table.c.idx)):
        out[network_of(issuer)][award_id] = idx
    return dict(out)


def missing(cat: Catalogue, have: Indexes) -> list[dict]:
    """The rows that give each award of `cat` without an index the next one of its issuer."""
    rows = []
    for network, awards in cat.by_issuer().items():
        known = have.get(network, {})
        new = [award for award in awards if award.award_id not in known]
        free = max(known.values(), default=-1) + 1
        for offset, award in enumerate(in_appearance_order(new)):
            rows.append({"issuer": issuer_id(network), "award_id": award.award_id,
                         "idx": free + offset})
    return rows


def allocate(engine: Engine, cat: Catalogue) -> Indexes:
    """Give every award of `cat` (the present catalogue) an index; all indexes stored."""
    with engine.connect() as conn:
        have = stored(conn)
    if not missing(cat, have):
        return have             # the usual build: nothing new, nothing locked
    options = {"sqlite_immediate": True} if engine.dialect.name == "sqlite" else {}
    for _attempt in range(ATTEMPTS):
        try:
            with engine.connect().execution_options(**options) as conn, conn.begin():
                if engine.dialect.name == "postgresql":
                    # One allocator at a time (readers go on): two inserting the same
                    # indexes in another order would deadlock on the unique indexes.
                    conn.exec_driver_sql(
                        f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
                have = stored(conn)
                rows = missing(cat, have)
                if rows:
                    conn.execute(insert(table), rows)
        except IntegrityError:
            continue        # another allocated first (without the lock): read it again
        with engine.connect() as conn:
            return stored(conn)
    raise RuntimeError(f"could not allocate status list indexes in {ATTEMPTS} attempts")


def read(engine: Engine) -> Indexes:
    """The indexes allocated so far (for a past catalogue: nothing is allocated)."""
    with engine.connect() as conn:
        return stored(conn)
