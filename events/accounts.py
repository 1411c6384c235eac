"""Accounts: who may sign in, as which member, and how (passwords, tokens, one-time links).

Accounts are not events: a password or a time zone changes, and erasure deletes the
account. They live beside the log (SQLAlchemy Core, tables in events/tables.py, migration
0002) and keep as little about a person as possible: the username may be the member id,
and the e-mail stays encrypted in the log. Roles are not here: they come from the log
(MemberJoined, RoleChanged); only `is_admin` is an account flag.

Secrets are stored hashed: passwords with scrypt (werkzeug.security), personal access
tokens and one-time links with sha256 (they are 256-bit random, so a fast hash is enough
and a lookup by hash is possible). A link expires after 72 hours and works once.
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from events import sign_in_throttle as throttle
from events.sign_in_throttle import LOCK_TIME, MAX_FAILURES, MAX_LOCK
from events.tables import accounts as accounts_table
from events.tables import one_time_links, tokens
from journey.clock import format_time, from_micros, to_micros, utcnow

INVITE, RESET = "invite", "reset"
LINK_LIFETIME = timedelta(hours=72)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_USERNAME = 160
TOKEN_PREFIX = "jt_"
DEFAULT_PASSWORD_METHOD = "scrypt"  # werkzeug's default parameters: n=2**15, r=8, p=1


class AccountError(Exception):
    """A refused account operation: `code` for machines, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Account:
    """One account; `member_id` links it to a member of the log (None: an admin only)."""

    id: int
    member_id: str | None
    username: str
    password_hash: str | None
    is_admin: bool
    time_zone: str
    #: The language the person chose for their pages; None: they never chose, and pages
    #: follow the browser (its picker, then its Accept-Language), as for a visitor.
    language: str | None
    created_at: int
    failed_logins: int
    locked_until: int | None
    #: Raised by sign-out and by a new password: sessions signed before it no longer load.
    session_generation: int = 0

    @property
    def actor(self) -> str:
        """Who this account acts as in the log: its member, or its username (admins)."""
        return self.member_id or self.username

    def session_fingerprint(self) -> str:
        """Changes when the password or the session generation does: a session cookie is
        signed, not stored, so changing this is how the server ends the account's sessions."""
        material = f"{self.session_generation}:{self.password_hash or ''}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """What an admin's list shows (never the password hash)."""
        return {"id": self.id, "username": self.username, "member_id": self.member_id,
                "is_admin": self.is_admin, "time_zone": self.time_zone,
                "language": self.language, "has_password": self.password_hash is not None,
                "created_at": format_time(from_micros(self.created_at)),
                "locked_until": (format_time(from_micros(self.locked_until))
                                 if self.locked_until else None)}


@dataclass(frozen=True)
class Token:
    """A personal access token's record (the token itself is shown once, at creation)."""

    id: int
    account_id: int
    name: str
    created_at: int
    revoked_at: int | None
    last_used_at: int | None

    def to_json(self) -> dict[str, Any]:
        def time(value: int | None) -> str | None:
            return format_time(from_micros(value)) if value is not None else None
        return {"id": self.id, "name": self.name, "created_at": time(self.created_at),
                "revoked_at": time(self.revoked_at), "last_used_at": time(self.last_used_at)}


@dataclass(frozen=True)
class Link:
    """A valid one-time link: an invitation for a member, or a reset for an account."""

    purpose: str
    account_id: int | None
    member_id: str | None
    expires_at: int


#: Where the web app serves each kind of one-time link (web/auth/routes.py).
LINK_PATHS = {INVITE: "/auth/invite/", RESET: "/auth/reset/"}


def link_url(base_url: str, purpose: str, secret: str) -> str:
    """The address a person opens to use a one-time link."""
    return base_url.rstrip("/") + LINK_PATHS[purpose] + secret


def digest(secret: str) -> str:
    """sha256 hex of a token or a link: what is stored in their place."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_username(username: Any) -> str:
    """A username: 1-160 characters, no spaces or control characters (like a member id)."""
    if not isinstance(username, str) or not username:
        raise AccountError("bad_username", "a username must not be empty")
    if len(username) > MAX_USERNAME:
        raise AccountError("bad_username", f"a username has at most {MAX_USERNAME} characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise AccountError("bad_username", "a username has no spaces or control characters")
    return username


def check_password(password: Any) -> str:
    """A password of 10 to 1024 characters, UTF-8 text."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError("weak_password",
                           f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError("weak_password",
                           f"a password has at most {MAX_PASSWORD} characters")
    if not password.isascii():
        try:
            password.encode("utf-8")  # refuses the surrogates undecodable bytes became
        except UnicodeEncodeError:
            raise AccountError("bad_password", "a password must be UTF-8 text") from None
    return password


def check_time_zone(name: Any) -> str:
    """An IANA time zone name such as Europe/Belgrade."""
    if not isinstance(name, str) or name not in available_time_zones():
        raise AccountError("bad_time_zone",
                           f"{name!r} is not a time zone name such as Europe/Belgrade")
    return name


def check_language(language: Any) -> str | None:
    """A language code (which ones are offered is the web app's business), or None."""
    if language is not None and (not isinstance(language, str) or not language
                                 or len(language) > 16):
        raise AccountError("bad_language", "choose a language from the list")
    return language


_ZONES: frozenset[str] | None = None


def available_time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows (read once)."""
    global _ZONES
    if _ZONES is None:
        # "localtime" (the system's own link) and "Factory" (tzdata's placeholder) are no
        # places, and the pages' dates, which go through pytz, do not know them (a 500).
        _ZONES = frozenset((zoneinfo.available_timezones() | {"UTC"})
                           - {"localtime", "Factory"})
    return _ZONES


#: The largest key of the accounts' and tokens' tables (INTEGER: 32 bits on PostgreSQL).
MAX_ROW_ID = 2 ** 31 - 1


def _a_key(number: int) -> bool:
    """Whether `number` may be a row's key: an id past the column's range (a made-up URL,
    a typo) is no row, not a query the database refuses."""
    return 0 < number <= MAX_ROW_ID


def _storable(name: Any) -> bool:
    try:
        check_username(name)
    except AccountError:
        return False
    return True


def _account(row: Any) -> Account:
    return Account(row.id, row.member_id, row.username, row.password_hash, bool(row.is_admin),
                   row.time_zone, row.language, row.created_at, row.failed_logins,
                   row.locked_until, row.session_generation)


def _token(row: Any) -> Token:
    return Token(row.id, row.account_id, row.name, row.created_at, row.revoked_at,
                 row.last_used_at)


class Accounts:
    """Accounts, tokens and one-time links on the log's database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow,
                 password_method: str = DEFAULT_PASSWORD_METHOD) -> None:
        self.engine = engine
        self.clock = clock
        self.password_method = password_method
        self._dummy_hash: str | None = None

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE),
        since a transaction that reads first cannot wait for another writer to finish."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    def _now(self) -> int:
        return to_micros(self.clock())

    def _hash(self, password: str) -> str:
        return generate_password_hash(check_password(password), method=self.password_method)

    # -- accounts ------------------------------------------------------------------------

    def add(self, username: str, password: str | None = None, *, member_id: str | None = None,
            is_admin: bool = False, time_zone: str = "UTC",
            language: str | None = None) -> Account:
        """Create an account (a None password: it is chosen later through a reset link)."""
        values = {"username": check_username(username), "member_id": member_id,
                  "password_hash": self._hash(password) if password is not None else None,
                  "is_admin": bool(is_admin), "time_zone": check_time_zone(time_zone),
                  "language": check_language(language), "created_at": self._now(),
                  "failed_logins": 0,
                  "locked_until": None}
        try:
            with self._writing() as conn:
                self._refuse_taken(conn, username, member_id)
                throttle.forget(conn, username)
                inserted = conn.execute(insert(accounts_table).values(**values))
                new_id = inserted.inserted_primary_key[0]
        except IntegrityError:
            # Another process took the name between the check and the insert.
            raise AccountError("username_taken", f"the username {username} is taken") from None
        return self.get(new_id)  # type: ignore[return-value]

    def _refuse_taken(self, conn, username: str, member_id: str | None) -> None:
        a = accounts_table.c
        if conn.execute(select(a.id).where(a.username == username)).first() is not None:
            raise AccountError("username_taken", f"the username {username} is taken")
        if member_id is not None and conn.execute(
                select(a.id).where(a.member_id == member_id)).first() is not None:
            raise AccountError("member_has_account", f"{member_id} already has an account")

    def _one(self, *where) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts_table).where(*where)).first()
        return _account(row) if row is not None else None

    def get(self, account_id: int) -> Account | None:
        if not _a_key(account_id):
            return None
        return self._one(accounts_table.c.id == account_id)

    def by_username(self, username: str) -> Account | None:
        if not _storable(username):
            return None  # no account has such a name (and PostgreSQL refuses NUL in text)
        return self._one(accounts_table.c.username == username)

    def by_member(self, member_id: str) -> Account | None:
        if not _storable(member_id):
            return None
        return self._one(accounts_table.c.member_id == member_id)

    def find(self, name: str) -> Account:
        """The account with this username (or, failing that, of this member)."""
        account = self.by_username(name) or self.by_member(name)
        if account is None:
            raise AccountError("unknown_account", f"there is no account {name}")
        return account

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(accounts_table).order_by(accounts_table.c.username))
            return [_account(r) for r in rows]

    def _update(self, account_id: int, **values: Any) -> Account:
        with self._writing() as conn:
            return self._updated(conn, account_id, **values)

    @staticmethod
    def _updated(conn: Connection, account_id: int, *where: Any, **values: Any) -> Account:
        """The account as this update left it (RETURNING: read by the same statement).

        Read back afterwards, it could carry a sign-out or a new password committed in
        between, and the session the caller signs in again would take that generation:
        a sign-out everywhere would leave it signed in. `where`: more conditions, the
        account left unchanged (unknown_account) when they do not hold."""
        row = conn.execute(update(accounts_table)
                           .where(accounts_table.c.id == account_id, *where)
                           .values(**values).returning(*accounts_table.c)).first()
        if row is None:
            raise AccountError("unknown_account", f"there is no account {account_id}")
        return _account(row)

    def end_sessions(self, account_id: int) -> Account:
        """End every session of the account (sign-out): each carries the old generation."""
        generation = accounts_table.c.session_generation
        # Incremented in SQL: a sign-out or new password at the same time cannot undo it.
        return self._update(account_id, session_generation=generation + 1)

    def set_password(self, account_id: int, password: str) -> Account:
        """A new password; unlocks the account, invalidates its unused reset links and ends
        its sessions (the caller signs its own session in again, with the account returned:
        the generation this change gave it, so a sign-out after it ends that session too)."""
        return self._new_password(account_id, self._hash(password))

    def _new_password(self, account_id: int, password_hash: str, *where: Any) -> Account:
        with self._writing() as conn:
            account = self._updated(
                conn, account_id, *where, password_hash=password_hash, failed_logins=0,
                locked_until=None, session_generation=accounts_table.c.session_generation + 1)
            conn.execute(delete(one_time_links).where(
                one_time_links.c.account_id == account_id, one_time_links.c.used_at.is_(None)))
        return account

    def change_password(self, account_id: int, current: str, new: str) -> Account:
        """Change a password, knowing the current one."""
        account = self.get(account_id)
        if account is None or not account.password_hash or not check_password_hash(
                account.password_hash, current or ""):
            raise AccountError("bad_credentials", "the current password is not right")
        try:
            # Only over the password `current` was checked against: a new one set in the
            # meantime (on another device, by a reset link) is not replaced by whoever
            # knew the old one.
            return self._new_password(account_id, self._hash(new),
                                      accounts_table.c.password_hash == account.password_hash)
        except AccountError as exc:
            if exc.code != "unknown_account" or self.get(account_id) is None:
                raise
            raise AccountError("bad_credentials", "the current password is not right") from None

    def set_time_zone(self, account_id: int, time_zone: str) -> Account:
        return self._update(account_id, time_zone=check_time_zone(time_zone))

    def set_language(self, account_id: int, language: str | None) -> Account:
        """The language the account's pages speak (a code the web app offers), or None:
        whatever the browser says."""
        return self._update(account_id, language=check_language(language))

    def set_admin(self, account_id: int, is_admin: bool) -> Account:
        return self._update(account_id, is_admin=bool(is_admin))

    def authenticate(self, username: str, password: str) -> Account:
        """The account if the password is right; throttled after repeated failures.

        After MAX_FAILURES failures in a row the name is locked for LOCK_TIME (doubling
        with every further run of failures, up to MAX_LOCK); while locked even the right
        password is refused, so guessing gains nothing. A name without an account (or an
        account without a password) is counted and locked alike, and answered in the same
        words, so failing and locking tell nobody whether the name exists
        (events/sign_in_throttle.py).
        """
        name = username if isinstance(username, str) else None
        now = self._now()
        account, locked_until = self._sign_in_state(name)
        if locked_until is not None and locked_until > now:
            raise AccountError("locked", "too many failed sign-ins: try again after "
                               f"{format_time(from_micros(locked_until))}")
        if account is not None and account.password_hash is not None:
            if check_password_hash(account.password_hash, password or ""):
                if account.failed_logins or account.locked_until:
                    account = self._update(account.id, failed_logins=0, locked_until=None)
                return account
        else:
            # Spend the time a real check takes, so response times do not tell who exists.
            check_password_hash(self._dummy(), password or "")
        if name is not None:
            self._failed(account, name, now)
        raise AccountError("bad_credentials", "the username or the password is not right")

    def _sign_in_state(self, name: str | None) -> tuple[Account | None, int | None]:
        """The account of the name, if any, and until when the name is locked. Both are
        read whether or not the account exists: the same queries either way."""
        if name is None:
            return None, None
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts_table).where(
                accounts_table.c.username == name)).first() if _storable(name) else None
            unknown_until = throttle.unknown_lock(conn, name)
        if row is None:
            return None, unknown_until
        account = _account(row)
        return account, account.locked_until

    def _failed(self, account: Account | None, name: str, now: int) -> None:
        with self._writing() as conn:
            throttle.prune(conn, now)
            if account is not None:
                throttle.count_failure(conn, accounts_table,
                                       accounts_table.c.id == account.id, now)
            else:
                throttle.count_unknown_failure(conn, name, now)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = generate_password_hash(secrets.token_hex(16),
                                                      method=self.password_method)
        return self._dummy_hash

    def erase_member(self, member_id: str) -> bool:
        """Delete the member's account, its tokens and links (erasure); False if none."""
        with self._writing() as conn:
            row = conn.execute(select(accounts_table.c.id)
                               .where(accounts_table.c.member_id == member_id)).first()
            conn.execute(delete(one_time_links).where(one_time_links.c.member_id == member_id))
            if row is None:
                return False
            conn.execute(delete(tokens).where(tokens.c.account_id == row.id))
            conn.execute(delete(one_time_links).where(one_time_links.c.account_id == row.id))
            conn.execute(delete(accounts_table).where(accounts_table.c.id == row.id))
        return True

    # -- personal access tokens ----------------------------------------------------------

    def create_token(self, account_id: int, name: str) -> tuple[Token, str]:
        """A new token for scripts: (its record, the token, shown this once only)."""
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise AccountError("bad_token_name", "a token needs a name of 1 to 200 characters")
        # NUL cannot be stored in PostgreSQL, nor a lone surrogate (an undecodable byte of
        # a command-line argument) anywhere; the others would hide in the token list.
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
            raise AccountError("bad_token_name", "a token name has no control characters")
        if self.get(account_id) is None:
            raise AccountError("unknown_account", f"there is no account {account_id}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._writing() as conn:
            new_id = conn.execute(insert(tokens).values(
                account_id=account_id, name=name, token_hash=digest(secret),
                created_at=self._now())).inserted_primary_key[0]
            row = conn.execute(select(tokens).where(tokens.c.id == new_id)).first()
        return _token(row), secret

    def tokens_of(self, account_id: int) -> list[Token]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens).where(tokens.c.account_id == account_id)
                                .order_by(tokens.c.id))
            return [_token(r) for r in rows]

    def revoke_token(self, account_id: int, token_id: int) -> Token:
        """Revoke one of the account's tokens (revoking twice keeps the first time)."""
        t = tokens.c
        if not _a_key(token_id):
            raise AccountError("unknown_token", f"there is no token {token_id}")
        with self._writing() as conn:
            row = conn.execute(select(tokens).where(t.id == token_id,
                                                    t.account_id == account_id)).first()
            if row is None:
                raise AccountError("unknown_token", f"there is no token {token_id}")
            if row.revoked_at is None:
                conn.execute(update(tokens).where(t.id == token_id)
                             .values(revoked_at=self._now()))
            row = conn.execute(select(tokens).where(t.id == token_id)).first()
        return _token(row)

    def account_for_token(self, secret: str) -> Account | None:
        """The account a (non-revoked) token belongs to; marks the token used."""
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
            return None
        t = tokens.c
        with self.engine.connect() as conn:
            row = conn.execute(select(t.id, t.account_id, t.last_used_at).where(
                t.token_hash == digest(secret), t.revoked_at.is_(None))).first()
        if row is None:
            return None
        now = self._now()
        # At most a write a minute per token: a script's reads should not all be writes.
        if row.last_used_at is None or now - row.last_used_at > 60_000_000:
            with self._writing() as conn:
                conn.execute(update(tokens).where(t.id == row.id).values(last_used_at=now))
        return self.get(row.account_id)

    # -- one-time links ------------------------------------------------------------------

    def invite(self, member_id: str) -> str:
        """A one-time invitation for a member without an account: the link's token."""
        if not _storable(member_id):
            raise AccountError("bad_member_id", "a member id has 1 to 160 characters, "
                               "no spaces or control characters")
        if self.by_member(member_id) is not None:
            raise AccountError("member_has_account", f"{member_id} already has an account")
        return self._issue(INVITE, member_id=member_id)

    def reset_link(self, account_id: int) -> str:
        """A one-time password reset for an account: the link's token."""
        if self.get(account_id) is None:
            raise AccountError("unknown_account", f"there is no account {account_id}")
        return self._issue(RESET, account_id=account_id)

    def _issue(self, purpose: str, *, account_id: int | None = None,
               member_id: str | None = None) -> str:
        secret = secrets.token_urlsafe(32)
        expires = self._now() + int(LINK_LIFETIME.total_seconds() * 1_000_000)
        with self._writing() as conn:
            conn.execute(insert(one_time_links).values(
                token_hash=digest(secret), account_id=account_id, member_id=member_id,
                purpose=purpose, expires_at=expires, used_at=None))
        return secret

    def link(self, secret: str, purpose: str) -> Link:
        """The link a token stands for, if it is of this purpose, unused and unexpired."""
        with self.engine.connect() as conn:
            row = conn.execute(select(one_time_links).where(
                *self._valid(secret, purpose))).first()
        if row is None:
            raise AccountError("invalid_link", "this link is unknown, used or expired: "
                               "ask an admin for a new one")
        return Link(row.purpose, row.account_id, row.member_id, row.expires_at)

    def _valid(self, secret: str, purpose: str) -> tuple:
        c = one_time_links.c
        return (c.token_hash == digest(secret if isinstance(secret, str) else ""),
                c.purpose == purpose, c.used_at.is_(None), c.expires_at > self._now())

    def _use(self, conn, secret: str, purpose: str) -> Any:
        """Mark the link used, in the caller's transaction; the row, or AccountError."""
        c = one_time_links.c
        row = conn.execute(select(one_time_links).where(*self._valid(secret, purpose))).first()
        # The used_at IS NULL guard makes the second of two simultaneous uses update nothing.
        if row is None or conn.execute(update(one_time_links).where(
                c.token_hash == row.token_hash, c.used_at.is_(None))
                .values(used_at=self._now())).rowcount != 1:
            raise AccountError("invalid_link", "this link is unknown, used or expired: "
                               "ask an admin for a new one")
        return row

    def accept_invite(self, secret: str, password: str, *, time_zone: str = "UTC",
                      username: str | None = None, language: str | None = None) -> Account:
        """Use an invitation: the member's account, with the password they chose."""
        password_hash = self._hash(password)
        check_time_zone(time_zone)
        check_language(language)
        try:
            with self._writing() as conn:
                row = self._use(conn, secret, INVITE)
                name = check_username(username or row.member_id)
                self._refuse_taken(conn, name, row.member_id)
                throttle.forget(conn, name)
                new_id = conn.execute(insert(accounts_table).values(
                    username=name, member_id=row.member_id, password_hash=password_hash,
                    is_admin=False, time_zone=time_zone, language=language,
                    created_at=self._now(), failed_logins=0,
                    locked_until=None)).inserted_primary_key[0]
        except IntegrityError:
            raise AccountError("username_taken", "that username is taken") from None
        return self.get(new_id)  # type: ignore[return-value]

    def reset_password(self, secret: str, password: str) -> Account:
        """Use a reset link: the account's new password (and the account unlocked)."""
        password_hash = self._hash(password)
        with self._writing() as conn:
            row = self._use(conn, secret, RESET)
            # As this update left it: the session signed in with it is ended by a sign-out
            # committed after it (see _updated).
            account = self._updated(
                conn, row.account_id, password_hash=password_hash, failed_logins=0,
                locked_until=None, session_generation=accounts_table.c.session_generation + 1)
            # The other reset links of the account go with the password they would reset,
            # as set_password takes them too.
            conn.execute(delete(one_time_links).where(
                one_time_links.c.account_id == row.account_id,
                one_time_links.c.purpose == RESET, one_time_links.c.used_at.is_(None)))
        return account

    def pending_invites(self) -> list[Link]:
        """Unused, unexpired invitations (for the admin's page)."""
        c = one_time_links.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(one_time_links).where(
                c.purpose == INVITE, c.used_at.is_(None), c.expires_at > self._now())
                .order_by(c.expires_at))
            return [Link(r.purpose, r.account_id, r.member_id, r.expires_at) for r in rows]


__all__ = ["Account", "Accounts", "AccountError", "Link", "Token", "INVITE", "RESET",
           "LINK_LIFETIME", "LOCK_TIME", "MAX_FAILURES", "MAX_LOCK", "available_time_zones",
           "check_password", "check_time_zone", "check_username", "digest", "link_url"]
