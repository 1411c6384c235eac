"""Commands, stores and checks shared by the store contract tests and their worker processes.

Importable by a process started with the "spawn" method (no pytest needed), so the
concurrency tests' writers and followers build their stores exactly as the fixtures do.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from events.codec import GENESIS_HASH, chain_hash, hashed_row
from events.recorder import StoredRow
from events.sql import SqlRecorder, make_engine
from events.store import EventStore
from journey.clock import UTC, format_time, from_micros, parse_time, utcnow
from journey.events import (CommunityFounded, EntryRetracted, FeedbackGiven, MemberJoined,
                            MemberRegistered, ReflectionRecorded, ResourceShared, SessionLed)
from journey.records import HandOverFacilitation, RecordEvent

#: When the people and communities of the tests came to be (occurred_at, in the past).
JOINED = parse_time("2024-01-10")
#: When they act.
ACTED = parse_time("2024-03-05T14:00:00Z")
#: The fake clock's first reading.
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


class Seal:
    """The head seal of DESIGN's tamper evidence: HMAC-SHA256 of `position:hash`."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def __call__(self, position: int, hash: str) -> str:
        return hmac.new(self.key, f"{position}:{hash}".encode("ascii"),
                        hashlib.sha256).hexdigest()


class FakeClock:
    """A clock the test moves: each reading advances it by `tick` (backwards when told)."""

    def __init__(self, start: datetime = NOW, tick: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.tick = tick

    def __call__(self) -> datetime:
        reading = self.now
        self.now = self.now + self.tick
        return reading

    def set(self, moment: datetime) -> None:
        self.now = moment


def open_sql_store(url: str, master_key: bytes, seal_key: bytes,
                   clock: Callable[[], datetime] = utcnow) -> EventStore:
    """A store on its own engine and writer connection (the database already migrated)."""
    return EventStore(SqlRecorder(make_engine(url)), master_key=master_key,
                      seal=Seal(seal_key), clock=clock)


def close_store(store: EventStore) -> None:
    """Close a store's recorder when it holds a database connection."""
    close = getattr(store.recorder, "close", None)
    if close is not None:
        close()


# -- commands ---------------------------------------------------------------------------------

def register(member: str, *, at: datetime = JOINED, email: str | None = None,
             actor: str | None = None) -> RecordEvent:
    """MemberRegistered, by the member themself unless an actor is given."""
    return RecordEvent(MemberRegistered(member_id=member, display_name=f"Name of {member}",
                                        email=email, school="OŠ Vuk Karadžić"),
                       actor or member, at)


def found(community: str, founder: str, *, at: datetime = JOINED) -> RecordEvent:
    """CommunityFounded of a school CoP."""
    return RecordEvent(CommunityFounded(community_id=community, name=f"CoP {community}",
                                        domain="Social-emotional learning"), founder, at)


def join(community: str, member: str, *, by: str, role: str = "member",
         at: datetime = JOINED) -> RecordEvent:
    """MemberJoined (the founder's own first join when member == by, as facilitator)."""
    return RecordEvent(MemberJoined(community_id=community, member_id=member, role=role),
                       by, at)


def share(community: str, member: str, resource: str, *, at: datetime = ACTED) -> RecordEvent:
    """ResourceShared of a rubric."""
    return RecordEvent(ResourceShared(community_id=community, resource_id=resource,
                                      member_id=member, title=f"Rubric {resource}",
                                      kind="rubric"), member, at)


def lead(community: str, session: str, leader: str, *, attendees: Iterable[str] = (),
         at: datetime = ACTED) -> RecordEvent:
    """SessionLed of a workshop."""
    return RecordEvent(SessionLed(community_id=community, session_id=session, leaders=(leader,),
                                  title="Student survey results", format="workshop",
                                  attendees=tuple(attendees) or None), leader, at)


def reflect(community: str, member: str, reflection: str, *, text: str = "My students opened up",
            at: datetime = ACTED) -> RecordEvent:
    """ReflectionRecorded, shared with the community."""
    return RecordEvent(ReflectionRecorded(reflection_id=reflection, member_id=member, text=text,
                                          community_id=community, visibility="community"),
                       member, at)


def give_feedback(community: str, giver: str, receiver: str, session: str, *,
                  text: str = "Clear and warm facilitation", at: datetime = ACTED) -> RecordEvent:
    """FeedbackGiven about a session."""
    return RecordEvent(FeedbackGiven(community_id=community, from_member_id=giver,
                                     to_member_id=receiver, about_kind="session",
                                     about_id=session, text=text), giver, at)


def retract(position: int, by: str, *, at: datetime = ACTED) -> RecordEvent:
    """EntryRetracted."""
    return RecordEvent(EntryRetracted(position=position, retracted_by=by,
                                      reason="Recorded by mistake"), by, at)


def hand_over(community: str, old: str, new: str, *, at: datetime = ACTED) -> HandOverFacilitation:
    """HandOverFacilitation from `old` (who acts) to `new`."""
    return HandOverFacilitation(community_id=community, from_member=old, to_member=new,
                                actor=old, occurred_at=at)


def community_with(store: EventStore, community: str, facilitator: str,
                   members: Iterable[str] = (), *, at: datetime = JOINED) -> int:
    """Register everyone, found `community` and join them; returns the last position."""
    members = list(members)
    for person in [facilitator, *members]:
        if person not in store.state.members:
            store.submit(register(person, at=at))
    store.submit(found(community, facilitator, at=at))
    store.submit(join(community, facilitator, by=facilitator, role="facilitator", at=at))
    result = None
    for person in members:
        result = store.submit(join(community, person, by=facilitator, at=at))
    return store.last_position() if result is None else result.position


# -- checks -----------------------------------------------------------------------------------

def expected_hash(prev_hash: str, row: StoredRow) -> str:
    """The hash DESIGN gives a stored row, recomputed from the row alone."""
    return chain_hash(prev_hash, hashed_row(
        position=row.position, event_id=row.event_id, stream=row.stream, version=row.version,
        type=row.type, schema_version=row.schema_version,
        occurred_at=format_time(from_micros(row.occurred_at)),
        recorded_at=format_time(from_micros(row.recorded_at)), meta=row.meta, data=row.data))


@dataclass(frozen=True)
class LogCheck:
    """What walking the whole log found: the rows, and the problems (none when sound)."""

    rows: list[StoredRow]
    problems: list[str]


def check_log(store: EventStore, seal: Callable[[int, str], str]) -> LogCheck:
    """Walk every row: gapless positions, gapless stream versions, monotonic recorded_at,
    the hash chain, and the sealed head naming the last row."""
    rows = list(store.read_rows())
    problems: list[str] = []
    prev_hash = GENESIS_HASH
    versions: dict[str, int] = {}
    last_recorded = 0
    for expected_position, row in enumerate(rows, start=1):
        if row.position != expected_position:
            problems.append(f"position {row.position} where {expected_position} was due")
        versions[row.stream] = versions.get(row.stream, 0) + 1
        if row.version != versions[row.stream]:
            problems.append(f"{row.stream} version {row.version} at position {row.position}, "
                            f"{versions[row.stream]} was due")
        if row.recorded_at < last_recorded:
            problems.append(f"recorded_at goes back at position {row.position}")
        last_recorded = row.recorded_at
        if row.hash != expected_hash(prev_hash, row):
            problems.append(f"hash chain broken at position {row.position}")
        prev_hash = row.hash
    ids = Counter(row.event_id for row in rows)
    problems += [f"event_id {i} appears {n} times" for i, n in ids.items() if n > 1]
    head = store.head()
    if rows:
        if head is None:
            problems.append("no sealed head")
        elif (head.position, head.hash) != (rows[-1].position, rows[-1].hash):
            problems.append(f"head says {head.position}, log ends at {rows[-1].position}")
        elif not hmac.compare_digest(head.seal, seal(head.position, head.hash)):
            problems.append("the head's seal does not match")
    elif head is not None:
        problems.append(f"empty log, head says {head.position}")
    return LogCheck(rows, problems)
