"""Share links: a member hands a mentor or school leader a read-only view of their portfolio.

A link is a 256-bit random token shown once, at creation; only its sha256 is stored (as
for personal access tokens, events/accounts.py), so a database reader cannot open anyone's
portfolio. A link expires (LIFETIMES), can be revoked by its member at any time, and may be
frozen to show the record as it stood at the end of a given day. Links are not events:
they are mutable and deleted with the member on erasure (`erase_member`).
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from events.accounts import digest
from events.tables import share_links
from journey.clock import from_micros, to_micros, utcnow

#: The lifetimes a member may choose, by name.
LIFETIMES: dict[str, timedelta] = {"1d": timedelta(days=1), "7d": timedelta(days=7),
                                   "30d": timedelta(days=30)}
MAX_LABEL = 200
TOKEN_PREFIX = "js_"
ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


class ShareLinkError(Exception):
    """A refused operation on share links: `code` for machines, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ShareLink:
    """One link's record (never the token itself)."""

    id: int
    member_id: str
    label: str
    created_at: datetime
    expires_at: datetime
    frozen_as_of: date | None
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        """active, expired or revoked (revoked wins: the member said so)."""
        if self.revoked_at is not None:
            return REVOKED
        return EXPIRED if now >= self.expires_at else ACTIVE


def _link(row) -> ShareLink:
    return ShareLink(row.id, row.member_id, row.label, from_micros(row.created_at),
                     from_micros(row.expires_at),
                     date.fromisoformat(row.frozen_as_of) if row.frozen_as_of else None,
                     from_micros(row.revoked_at) if row.revoked_at is not None else None)


class ShareLinks:
    """The share links beside the log (same database as the accounts)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    def create(self, member_id: str, label: str, lifetime: str,
               frozen_as_of: date | None = None) -> tuple[ShareLink, str]:
        """A new link: (its record, the token, shown this once only)."""
        label = (label or "").strip()
        if not label or len(label) > MAX_LABEL:
            raise ShareLinkError("bad_label", f"a link needs a label of 1 to {MAX_LABEL} "
                                 "characters")
        if lifetime not in LIFETIMES:
            raise ShareLinkError("bad_lifetime", f"choose one of {sorted(LIFETIMES)}")
        now = self.clock()
        if frozen_as_of is not None and frozen_as_of > now.date():
            raise ShareLinkError("bad_as_of", "a frozen date cannot be in the future")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._writing() as conn:
            new_id = conn.execute(insert(share_links).values(
                token_hash=digest(secret), member_id=member_id, label=label,
                created_at=to_micros(now), expires_at=to_micros(now + LIFETIMES[lifetime]),
                frozen_as_of=frozen_as_of.isoformat() if frozen_as_of else None,
            )).inserted_primary_key[0]
            row = conn.execute(select(share_links).where(share_links.c.id == new_id)).first()
        return _link(row), secret

    def of_member(self, member_id: str) -> list[ShareLink]:
        """The member's links, newest first."""
        s = share_links.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(share_links).where(s.member_id == member_id)
                                .order_by(s.id.desc()))
            return [_link(r) for r in rows]

    def revoke(self, member_id: str, link_id: int) -> ShareLink:
        """Revoke one of the member's links (revoking twice keeps the first time)."""
        s = share_links.c
        if not 0 < link_id < 2 ** 63:  # past any database's integer key: no such link
            raise ShareLinkError("unknown_link", f"there is no link {link_id}")
        with self._writing() as conn:
            row = conn.execute(select(share_links).where(
                s.id == link_id, s.member_id == member_id)).first()
            if row is None:
                raise ShareLinkError("unknown_link", f"there is no link {link_id}")
            if row.revoked_at is None:
                conn.execute(update(share_links).where(s.id == link_id)
                             .values(revoked_at=to_micros(self.clock())))
            row = conn.execute(select(share_links).where(s.id == link_id)).first()
        return _link(row)

    def find(self, secret: str) -> ShareLink | None:
        """The link a token opens (whatever its status), or None for an unknown token."""
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX) \
                or len(secret) > 100:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(share_links).where(
                share_links.c.token_hash == digest(secret))).first()
        return _link(row) if row is not None else None

    def erase_member(self, member_id: str) -> int:
        """Delete every link of an erased member; how many there were."""
        with self._writing() as conn:
            done = conn.execute(delete(share_links).where(share_links.c.member_id == member_id))
        return done.rowcount or 0
