"""The keys an event concerns: the index's one rule, pure (ids only, no text needed).

A view loads the positions of a few keys instead of replaying the log, so every event
must be filed under every key a view may ask about:

    member:<id>      every person the event names (and its actor)
    membership:<id>  MemberJoined / RoleChanged / MemberLeft of that person (visibility)
    person:<id>      MemberRegistered / MemberErased (names, and who is erased)
    community:<id>   network:<id>   resource:<id>   plan:<id>   reflection:<id>
    award:<id>       badge:<id>
    correlation:<id> every RoleChanged, by the command that appended it: a hand-over is two
                     RoleChanged of two people, and the rule badge for taking over
                     facilitation reads the other one
    communities      every CommunityFounded (which network each community is in)
    erasures         every MemberErased

An event that targets another (a retraction, a correction, a visibility change, a
revocation) is filed under exactly the keys of its target, so whoever reads the target
also reads what changed it.
"""
from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import cache

from journey import events as ev
from journey.events import Event, Step
from journey.records import Recorded

COMMUNITIES = "communities"
ERASURES = "erasures"

# Data fields that hold one person's id, or a tuple of them.
_PERSON = ("member_id", "invited_by", "from_member_id", "to_member_id", "awarded_by",
           "revoked_by", "corrected_by", "retracted_by")
_PEOPLE = ("leaders", "attendees", "planned_leaders", "agreed_by", "member_ids")
# Data fields that hold the id of something a view is keyed by.
_THINGS = {"community_id": "community", "network_id": "network", "resource_id": "resource",
           "plan_id": "plan", "reflection_id": "reflection", "award_id": "award",
           "badge_id": "badge"}


def member_key(member_id: str) -> str:
    """The key of everything a person did or was named in."""
    return f"member:{member_id}"


def key(kind: str, ident: str) -> str:
    """`kind:ident`, e.g. key("community", "vrsac-1")."""
    return f"{kind}:{ident}"


def target_of(rec: Recorded) -> int | str | None:
    """What a targeting event points at: a position, or the key whose first event it is."""
    e = rec.event
    if isinstance(e, (ev.EntryRetracted, ev.EntryCorrected)):
        return e.position
    if isinstance(e, ev.ReflectionVisibilityChanged):
        return key("reflection", e.reflection_id)
    if isinstance(e, ev.RecognitionRevoked):
        return key("award", e.award_id)
    return None


def filed_keys(rec: Recorded, keys_at: Callable[[int], set[str]],
               first_of: Callable[[str], int | None]) -> set[str]:
    """The keys `rec` is filed under, looking earlier events up through the two callables."""
    target = target_of(rec)
    if target is None:
        return keys_of(rec)
    at = target if isinstance(target, int) else first_of(target)
    found = keys_at(at) if at is not None else set()
    # The domain never lets a target be missing; if one ever were, the event's own keys
    # still keep it findable.
    return set(found) or keys_of(rec)


@dataclass(frozen=True)
class _Fields:
    """Which of the fields above an event type has: looked up once per type."""

    person: tuple[str, ...]
    people: tuple[str, ...]
    steps: tuple[str, ...]
    things: tuple[tuple[str, str], ...]


@cache
def _fields_of(event_type: type) -> _Fields:
    names = {f.name for f in fields(event_type)}
    return _Fields(tuple(n for n in _PERSON if n in names),
                   tuple(n for n in _PEOPLE if n in names),
                   tuple(n for n in ("steps", "steps_added") if n in names),
                   tuple((n, kind) for n, kind in _THINGS.items() if n in names))


def people_named(event: Event) -> set[str]:
    """Every person id in an event's data (step owners included)."""
    found: set[str] = set()
    have = _fields_of(type(event))
    for name in have.person:
        value = getattr(event, name)
        if value:
            found.add(value)
    for name in have.people:
        found.update(getattr(event, name) or ())
    for name in have.steps:
        for step in getattr(event, name) or ():
            if isinstance(step, Step):
                found.update(step.owners)
    return found


def people_of(rec: Recorded) -> set[str]:
    """Whose `member:` keys a non-targeting event is filed under: everyone it names, and
    its actor (an admin registering or erasing someone is not that admin's action)."""
    found = people_named(rec.event)
    if rec.actor and not isinstance(rec.event, (ev.MemberRegistered, ev.MemberErased)):
        found.add(rec.actor)
    return found


def keys_of(rec: Recorded) -> set[str]:
    """The keys of a non-targeting event (a targeting one takes its target's keys)."""
    e = rec.event
    keys = {member_key(m) for m in people_of(rec)}
    for name, kind in _fields_of(type(e)).things:
        value = getattr(e, name)
        if value:
            keys.add(key(kind, value))
    if isinstance(e, (ev.MemberJoined, ev.RoleChanged, ev.MemberLeft)):
        keys.add(key("membership", e.member_id))
        correlation = (rec.meta or {}).get("correlation_id")
        if isinstance(e, ev.RoleChanged) and correlation:
            keys.add(key("correlation", str(correlation)))
    elif isinstance(e, (ev.MemberRegistered, ev.MemberErased)):
        keys.add(key("person", e.member_id))
        if isinstance(e, ev.MemberErased):
            keys.add(ERASURES)
    elif isinstance(e, ev.CommunityFounded):
        keys.add(COMMUNITIES)
    elif isinstance(e, ev.FeedbackGiven) and e.about_kind == "resource":
        keys.add(key("resource", e.about_id))
    return keys


class Filing:
    """The index of a log held in memory, grown as the log grows: each event's keys, and
    each key's positions in ascending order.

    An event's keys depend only on the events before it, so the filing of a log also files
    every prefix of it: a reader of the log as of position P keeps the positions ≤ P.
    """

    def __init__(self) -> None:
        #: Each event's keys: a tuple of strings shared with `positions` (a web process
        #: keeps the filing of the whole log; a set and strings of its own per event cost
        #: three times the memory).
        self.filed: dict[int, tuple[str, ...]] = {}
        self.first: dict[str, int] = {}
        self.positions: dict[str, list[int]] = {}
        self.last = 0

    def add(self, records: Iterable[Recorded]) -> "Filing":
        """File `records`, in position order, each after the last position filed."""
        empty: tuple[str, ...] = ()
        for rec in records:
            if rec.position <= self.last:
                raise ValueError(f"position {rec.position} is not after {self.last}, "
                                 "the last one filed")
            keys = filed_keys(rec, lambda at: set(self.filed.get(at, empty)), self.first.get)
            shared = tuple(map(sys.intern, keys))
            for k in shared:
                filed = self.positions.get(k)
                if filed is None:
                    self.first[k] = rec.position
                    self.positions[k] = filed = []
                filed.append(rec.position)
            self.filed[rec.position] = shared
            self.last = rec.position
        return self

    def positions_of(self, keys: Iterable[str], upto: int) -> list[int]:
        """The positions ≤ `upto` filed under any of `keys`, ascending, each once."""
        found: set[int] = set()
        for k in keys:
            filed = self.positions.get(k)
            if filed:
                found.update(filed if filed[-1] <= upto else filed[:bisect_right(filed, upto)])
        return sorted(found)


def index(records: Iterable[Recorded]) -> dict[int, set[str]]:
    """The keys of every event of a whole log, in position order: the reference fold."""
    return {p: set(keys) for p, keys in Filing().add(records).filed.items()}
