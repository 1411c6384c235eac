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
_MEMBERSHIP = frozenset({"MemberJoined", "RoleChanged", "MemberLeft"})
_PERSON_FACTS = frozenset({"MemberRegistered", "MemberErased"})


def member_key(member_id: str) -> str:
    """The key of everything a person did or was named in."""
    return f"member:{member_id}"


def key(kind: str, ident: str) -> str:
    """`kind:ident`, e.g. key("community", "vrsac-1")."""
    return f"{kind}:{ident}"


def target_of(rec: Recorded) -> tuple[str, int | str] | None:
    """What a targeting event points at: ("position", p) or ("key", first-event key)."""
    e = rec.event
    if e.type in ("EntryRetracted", "EntryCorrected"):
        return ("position", e.position)  # type: ignore[attr-defined]
    if e.type == "ReflectionVisibilityChanged":
        return ("key", key("reflection", e.reflection_id))  # type: ignore[attr-defined]
    if e.type == "RecognitionRevoked":
        return ("key", key("award", e.award_id))  # type: ignore[attr-defined]
    return None


def people_named(event: Event) -> set[str]:
    """Every person id in an event's data (step owners included)."""
    found: set[str] = set()
    for name in _PERSON:
        value = getattr(event, name, None)
        if value:
            found.add(value)
    for name in _PEOPLE:
        found.update(getattr(event, name, None) or ())
    for name in ("steps", "steps_added"):
        for step in getattr(event, name, None) or ():
            if isinstance(step, Step):
                found.update(step.owners)
    return found


def keys_of(rec: Recorded) -> set[str]:
    """The keys of a non-targeting event (a targeting one takes its target's keys)."""
    e = rec.event
    keys = {member_key(m) for m in people_named(e)}
    if rec.actor and e.type not in _PERSON_FACTS:
        # An admin registering or erasing someone is not that admin's action.
        keys.add(member_key(rec.actor))
    for name, kind in _THINGS.items():
        value = getattr(e, name, None)
        if value:
            keys.add(key(kind, value))
    if e.type in _MEMBERSHIP:
        keys.add(key("membership", e.member_id))  # type: ignore[attr-defined]
        correlation = (rec.meta or {}).get("correlation_id")
        if e.type == "RoleChanged" and correlation:
            keys.add(key("correlation", str(correlation)))
    elif e.type in _PERSON_FACTS:
        keys.add(key("person", e.member_id))  # type: ignore[attr-defined]
        if e.type == "MemberErased":
            keys.add(ERASURES)
    elif e.type == "CommunityFounded":
        keys.add(COMMUNITIES)
    elif e.type == "FeedbackGiven" and e.about_kind == "resource":  # type: ignore[attr-defined]
        keys.add(key("resource", e.about_id))  # type: ignore[attr-defined]
    return keys


def index(records: list[Recorded]) -> dict[int, set[str]]:
    """The keys of every event of a whole log (targets resolved): the reference fold."""
    filed: dict[int, set[str]] = {}
    first: dict[str, int] = {}
    for rec in records:
        target = target_of(rec)
        if target is None:
            keys = keys_of(rec)
        else:
            at = target[1] if target[0] == "position" else first.get(target[1], -1)
            # A target the log does not hold cannot happen (the domain refuses it); filing
            # the event under its own keys still keeps it findable if it ever did.
            keys = set(filed.get(at, ())) or keys_of(rec)  # type: ignore[arg-type]
        for k in keys:
            first.setdefault(k, rec.position)
        filed[rec.position] = keys
    return filed
