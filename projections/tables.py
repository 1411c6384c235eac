"""The read models' tables. Every projection can drop its rows and rebuild them from the log."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
)

metadata = MetaData()

# One row per projection: how far it has folded the log, and whether it is healthy.
checkpoints = Table(
    "projection_checkpoints", metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # ok, failed, rebuilding
    Column("error", Text, nullable=True),
    Column("failed_position", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

# Leadership facts: position-stamped, so a report as of any position is a filter, not a
# replay (projections/leadership/metrics.py defines them).
leadership_facts = Table(
    "leadership_facts", metadata,
    Column("position", BigInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("community_id", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("member_id", String(200), nullable=True),
    Column("at", BigInteger, nullable=False),
    Column("role", String(16), nullable=True),
    Column("ref", String(200), nullable=True),
    Column("retracted_at", BigInteger, nullable=True),
    # Covers the reports' queries (projections/leadership/queries.py): one kind, some
    # communities, a window of `at`, the cut, read from the index alone.
    Index("ix_leadership_facts_kind", "kind", "community_id", "at", "position",
          "retracted_at", "member_id"),
    Index("ix_leadership_facts_position", "position"),
    Index("ix_leadership_facts_ref", "kind", "ref"),
)

# When the leadership facts of each community last changed (a fact added, or stamped as
# retracted), as a log position; the row '*' moves when a shared resource is retracted,
# which can change who owns a reused resource in any community. A report is a pure function
# of its communities' facts, so it stays exact while these positions stand still: the
# reports cache on them (projections/leadership/report.py).
leadership_changes = Table(
    "leadership_changes", metadata,
    Column("community_id", String(200), primary_key=True),
    Column("changed_at", BigInteger, nullable=False),
    # The last change that was not a plain addition of facts (a membership fact, a
    # retraction): until it moves, a cached report is brought forward by counting only
    # the facts added since.
    Column("reshaped_at", BigInteger, nullable=False, server_default="0"),
)

# The index: the log positions each key (member:<id>, community:<id>, ...) concerns, so a
# view, live or as of any position, reads only its own events (projections/index/keys.py).
# On SQLite the table is its primary key (WITHOUT ROWID, migration p0005): one b-tree fewer
# per row written, and a key's positions read from one run.
event_keys = Table(
    "event_keys", metadata,
    Column("key", String(220), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Index("ix_event_keys_position", "position"),
    sqlite_with_rowid=False,
)

# Each Open Badges award's index in its issuer's Bitstring Status List, allocated once when
# the award first appears in the present catalogue (projections/openbadges/status_index.py).
# Not a read model: a credential already issued names its index, so the rows are never
# renumbered nor deleted (no projection owns the table, a rebuild leaves it alone), and an
# award that leaves the catalogue (its rule changed) keeps its row and its bit is set.
ob_status_index = Table(
    "ob_status_index", metadata,
    Column("issuer", String(220), primary_key=True),    # "installation", "network-<id>"
    Column("award_id", String(200), primary_key=True),
    Column("idx", Integer, nullable=False),
    UniqueConstraint("issuer", "idx", name="uq_ob_status_index_issuer_idx"),
)

#: The tables of this schema that no fold can make again: a backup carries their rows
#: (events/backup.py), where every read model is rebuilt from the restored log.
KEPT = (ob_status_index,)
