"""The log's tables (SQLAlchemy Core). Alembic migrations create them; this is the reference."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Index, Integer, LargeBinary, MetaData, SmallInteger,
                        String, Table, Text, UniqueConstraint)

metadata = MetaData()

# One row per event; never updated, never deleted. Times are microseconds since the
# epoch (UTC): exact, compact and cheap to compare for `recorded_at <= as_of`.
events = Table(
    "events", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    Column("data", Text, nullable=False),
    Column("meta", Text, nullable=False),
    Column("occurred_at", BigInteger, nullable=False),
    Column("recorded_at", BigInteger, nullable=False),
    # actor + "\x1f" + key on the first event of a command sent with an idempotency key.
    Column("idempotency_scope", String(400), nullable=True),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    Index("ix_events_recorded_at", "recorded_at"),
    Index("ux_events_idempotency_scope", "idempotency_scope", unique=True),
)

# The sealed head: last position and hash, HMAC'd with seal.key, updated with every append.
log_head = Table(
    "log_head", metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("seal", String(64), nullable=False),
)

# Per-member data keys, wrapped by master.key. Deleting a row is erasure.
member_keys = Table(
    "member_keys", metadata,
    Column("member_id", String(200), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
)
