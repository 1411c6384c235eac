"""The log's tables (SQLAlchemy Core). Alembic migrations create them; this is the reference."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, ForeignKey, Index, Integer, LargeBinary,
                        MetaData, SmallInteger, String, Table, Text, UniqueConstraint, text)

metadata = MetaData()

# One row per event; never updated, never deleted. Times are microseconds since the
# epoch (UTC): exact, compact and cheap to compare for `recorded_at <= as_of`.
events = Table(
    "events", metadata,
    # INTEGER on SQLite, so the position is the rowid itself (a BIGINT primary key is a
    # separate unique index, one more b-tree written per append); BIGINT elsewhere.
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
           autoincrement=False),
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
    # No index on recorded_at: it never decreases along the log, so the as-of cut is a
    # binary search on position (events/sql.py position_at; migration 0005 dropped it).
    # Partial: the scope is NULL on almost every row, and those need no index entry. The
    # lookups (`= :scope`, `IN (...)`) imply the predicate, so both engines still use it.
    Index("ux_events_idempotency_scope", "idempotency_scope", unique=True,
          sqlite_where=text("idempotency_scope IS NOT NULL"),
          postgresql_where=text("idempotency_scope IS NOT NULL")),
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

# -- accounts (not events: mutable and erasable; migration 0002) ---------------------------
# Personal fields are kept minimal: the username may be the member id, and the e-mail lives
# encrypted in the log. Erasing a member deletes their account row, tokens and links.

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(200), nullable=True, unique=True),
    Column("username", String(200), nullable=False, unique=True),
    # None until the person chooses one (a pending invitation), or after a reset is asked.
    Column("password_hash", String(500), nullable=True),
    Column("is_admin", Boolean, nullable=False),
    Column("time_zone", String(64), nullable=False),
    # NULL until the person chooses one: their pages follow the browser (migration 0006).
    Column("language", String(16), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", BigInteger, nullable=True),
    # Part of every session's fingerprint: raising it ends the account's sessions (sign-out,
    # a new password), since a session cookie is signed, not stored (migration 0007).
    Column("session_generation", Integer, nullable=False, server_default=text("0")),
    # When the latest failed sign-in was: a run of failures is forgotten MAX_LOCK after it,
    # as an unknown name's is (sign_in_failures below; migration 0008).
    Column("last_failed_at", BigInteger, nullable=True),
)

# Failed sign-ins as names that have no account (migration 0008), so that an unknown name
# is throttled exactly as an account is and five wrong guesses do not tell who exists.
# Keyed by the sha256 of the submitted name, never the name: people type their password
# into the username box. Transient: rows whose last failure is older than MAX_LOCK (their
# lock, if any, ran out) are pruned on every failed sign-in (events/sign_in_throttle.py).
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("name_hash", String(64), primary_key=True),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", BigInteger, nullable=True),
    Column("last_failed_at", BigInteger, nullable=False, index=True),
)

# Personal access tokens for scripts: only the sha256 of a token is kept.
tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("last_used_at", BigInteger, nullable=True),
)

# Invitations (for a member who has no account yet) and password resets (for an account):
# the sha256 of the link's token, valid until expires_at and only once.
one_time_links = Table(
    "one_time_links", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"),
           nullable=True),
    Column("member_id", String(200), nullable=True),
    Column("purpose", String(16), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
)

# -- Open Badges issuers (migration 0003): what an admin sets per network ----------------

ob_issuers = Table(
    "ob_issuers", metadata,
    Column("network_id", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("email", String(320), nullable=True),
    Column("image", String(2000), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

# -- portfolio share links (migration 0004): read-only, time-limited, revocable ------------
# Only the sha256 of a link's token is kept; `frozen_as_of` (a date) freezes the view.

share_links = Table(
    "share_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("member_id", String(200), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("frozen_as_of", String(10), nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)
