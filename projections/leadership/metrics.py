"""DESIGN's leadership metrics, computed from position-stamped facts (pure; stdlib only).

Every event becomes a few facts stamped with its log position and its occurred_at, so a
report as of any position and over any window is a function of the facts alone: the
database layer stores exactly these facts as rows, and this module is the reference it
is judged by. Read "Leadership metrics (normative definitions)" in DESIGN beside it.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from journey import errors, events as ev
from journey.clock import UTC, from_micros, parse_time, to_micros
from journey.records import Recorded

ROTATION_SESSIONS = 6
# Fact kinds: who belongs (and in which role); what counts as an action for the tiers;
# which actions lead.
MEMBERSHIP = ("join", "role", "leave")
ACTIONS = ("led", "shared", "reused", "feedback", "reflected", "completed")
LEADING = ("led", "completed")


@dataclass(frozen=True, slots=True)
class Fact:
    """One row of the temporal table the leadership metrics are computed from."""

    position: int          # the event's position in the log
    seq: int               # 0.. within the event
    community_id: str
    kind: str
    member_id: str | None
    at: int                # occurred_at, microseconds since the epoch (UTC)
    role: str | None = None
    ref: str | None = None
    retracted_at: int | None = None  # position of the EntryRetracted of this event


def parse_day(text: str) -> int:
    """Microseconds of `YYYY-MM-DD` (00:00 UTC) or of a full RFC 3339 time."""
    return to_micros(parse_time(text))


# -- events to facts ------------------------------------------------------------------------

def facts_of(rec: Recorded) -> list[Fact]:
    """The leadership facts of one recorded event (none for most types)."""
    return [Fact(*row) for row in fact_rows(rec)]


def fact_rows(rec: Recorded) -> list[tuple]:
    """The facts of one recorded event as tuples in Fact's field order (what the
    projection inserts: building frozen Facts first would cost more than the insert)."""
    e = rec.event
    rows: list[tuple[str, str | None, str | None, str | None]] = []  # kind, member, role, ref
    if isinstance(e, ev.CommunityFounded):
        rows.append(("founded", None, None, e.network_id))
    elif isinstance(e, ev.MemberJoined):
        rows.append(("join", e.member_id, e.role, None))
    elif isinstance(e, ev.RoleChanged):
        rows.append(("role", e.member_id, e.to_role, e.from_role))
    elif isinstance(e, ev.MemberLeft):
        rows.append(("leave", e.member_id, None, None))
    elif isinstance(e, ev.SessionLed):
        rows.append(("session", None, None, e.session_id))
        rows += [("led", m, None, e.session_id) for m in dict.fromkeys(e.leaders)]
        rows += [("attended", m, None, e.session_id) for m in dict.fromkeys(e.attendees or ())]
    elif isinstance(e, ev.ResourceShared):
        rows.append(("shared", e.member_id, None, e.resource_id))
    elif isinstance(e, ev.ResourceReused):
        rows.append(("reused", e.member_id, None, e.resource_id))
    elif isinstance(e, ev.FeedbackGiven):
        rows.append(("feedback", e.from_member_id, None, e.to_member_id))
    elif isinstance(e, ev.ReflectionRecorded) and e.community_id is not None:
        rows.append(("reflected", e.member_id, None, None))
    elif isinstance(e, ev.ActionStepCompleted):
        rows += [("completed", m, None, None) for m in dict.fromkeys(e.member_ids)]
    if not rows:
        return []
    community = e.community_id  # type: ignore[attr-defined]
    at = to_micros(rec.occurred_at)
    return [(rec.position, seq, community, kind, member, at, role, ref, None)
            for seq, (kind, member, role, ref) in enumerate(rows)]


def retracted_position(rec: Recorded) -> int | None:
    """The position an EntryRetracted retracts, or None for any other event."""
    return rec.event.position if isinstance(rec.event, ev.EntryRetracted) else None


def fold(records: Iterable[Recorded]) -> list[Fact]:
    """The facts of a log read in position order: the reference the stored rows must equal.

    EntryCorrected is ignored on purpose: a correction only changes content fields, never
    ids, communities or times, and facts hold nothing else.
    """
    facts: list[Fact] = []
    where: dict[int, range] = {}
    for rec in records:
        target = retracted_position(rec)
        if target is not None:
            for i in where.get(target, ()):
                if facts[i].retracted_at is None:
                    facts[i] = replace(facts[i], retracted_at=rec.position)
            continue
        new = facts_of(rec)
        where[rec.position] = range(len(facts), len(facts) + len(new))
        facts.extend(new)
    return facts


def network_communities(facts: Iterable[Fact], network_id: str,
                        as_of_position: int | None = None) -> set[str]:
    """Communities founded in `network_id` by the cut."""
    return {f.community_id for f in facts if f.kind == "founded" and f.ref == network_id
            and (as_of_position is None or f.position <= as_of_position)}


# -- the cut, indexed -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Session:
    position: int
    at: int
    community_id: str
    leaders: tuple[str, ...]
    attendees: tuple[str, ...]


def _known(fact: Fact, as_of: int | None) -> bool:
    """In the cut and not retracted by it (a later retraction is not applied yet)."""
    if as_of is None:
        return fact.retracted_at is None
    return fact.position <= as_of and (fact.retracted_at is None or fact.retracted_at > as_of)


def _owners(facts: Iterable[Fact]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for f in sorted((f for f in facts if f.kind == "shared"), key=lambda f: f.position):
        owners.setdefault(f.ref or "", f.member_id or "")
    return owners


class Log:
    """The facts of some communities as of a position, indexed so any window is cheap."""

    def __init__(self, facts: Iterable[Fact], communities: Collection[str],
                 as_of_position: int | None, resource_owners: Mapping[str, str] | None) -> None:
        live = [f for f in facts if _known(f, as_of_position)]
        self.owners = dict(resource_owners) if resource_owners is not None else _owners(live)
        wanted = frozenset(communities)
        # (at, position) is the timeline order DESIGN prescribes; the rows may come unordered.
        mine = sorted((f for f in live if f.community_id in wanted),
                      key=lambda f: (f.at, f.position, f.seq))
        self.membership: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        self.actions = [f for f in mine if f.kind in ACTIONS]
        self.reuses = [f for f in mine if f.kind == "reused"]
        self.feedback = [f for f in mine if f.kind == "feedback"]
        named: dict[tuple[int, str], list[str]] = defaultdict(list)  # (position, kind)
        heads: list[Fact] = []
        for f in mine:
            if f.kind in MEMBERSHIP:
                self.membership[(f.community_id, f.member_id or "")].append(f)
            elif f.kind == "session":
                heads.append(f)
            elif f.kind in ("led", "attended"):
                named[(f.position, f.kind)].append(f.member_id or "")
        self.sessions = [_Session(h.position, h.at, h.community_id,
                                  tuple(named[(h.position, "led")]),
                                  tuple(named[(h.position, "attended")])) for h in heads]
        self.spans: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
        for (_, member), timeline in self.membership.items():
            self.spans[member] += _intervals(timeline)

    def role_at(self, community_id: str, member_id: str, t: int) -> str | None:
        """The role at t: the last join or role change by (at, position); none once left."""
        role = None
        for f in self.membership.get((community_id, member_id), ()):
            if f.at > t:
                break
            if f.kind == "join":
                role = f.role
            elif f.kind == "leave":
                role = None
            elif role is not None:  # a role change while not a member gives no role
                role = f.role
        return role

    def span(self) -> tuple[int, int] | None:
        """First and last occurred_at of a session or membership fact, if any."""
        times = [s.at for s in self.sessions] + [f.at for fs in self.membership.values()
                                                 for f in fs]
        return (min(times), max(times)) if times else None


def membership_by_community(log: Log, communities: Iterable[str],
                            as_of_position: int | None) -> dict[str, Log]:
    """Each community's membership timelines in `log`, as a Log of its own."""
    facts: dict[str, list[Fact]] = {c: [] for c in communities}
    for (community_id, _), timeline in log.membership.items():
        facts.setdefault(community_id, []).extend(timeline)
    return {c: Log(fs, [c], as_of_position, {}) for c, fs in facts.items()}


def membership_of(logs: Iterable[Log], communities: Collection[str],
                  as_of_position: int | None) -> Log:
    """The membership timelines of several Logs (of different communities), as one Log."""
    return Log([f for log in logs for timeline in log.membership.values() for f in timeline],
               communities, as_of_position, {})


def _intervals(timeline: list[Fact]) -> list[tuple[int, int | None]]:
    """Membership intervals [joined_at, left_at) of one person in one community."""
    spans: list[tuple[int, int | None]] = []
    joined: int | None = None
    for f in timeline:
        if f.kind == "join" and joined is None:
            joined = f.at
        elif f.kind == "leave" and joined is not None:
            spans.append((joined, f.at))
            joined = None
    if joined is not None:
        spans.append((joined, None))
    return spans


# -- the metrics ----------------------------------------------------------------------------

def leadership(facts: Iterable[Fact], *, communities: Collection[str], start: int | None,
               end: int | None, as_of_position: int | None = None,
               resource_owners: Mapping[str, str] | None = None) -> dict[str, Any]:
    """DESIGN's leadership metrics of one community, or of a network's communities pooled.

    `resource_owners` (resource id -> who shared it, from any community, as of the cut)
    is derived from `facts` when None.
    """
    return _metrics(Log(facts, communities, as_of_position, resource_owners), start, end)


@dataclass(slots=True)
class Tallies:
    """What the metrics of a window are computed from: counts, not facts.

    The pure fold tallies them from facts in memory (`tally`); the database tallies them
    with aggregate queries (projections/leadership/queries.py). `measure` is the one
    place the formulas live, so both roads give the same numbers.
    """

    sessions: int                      # sessions held in the window
    led: Mapping[str, int]             # sessions led in the window, by member
    member_led: int                    # sessions in the window a `member` led
    rotation: int                      # leaders of the last ROTATION_SESSIONS before `end`
    edges: set[tuple[Any, Any]]        # u -> v (reuse, feedback, attendance), unfiltered
    actions: Mapping[str, int]         # events with an action in the window, by member
    leads: set[str]                    # members with a leading action in the window


def combined(before: Tallies, added: Tallies) -> Tallies:
    """The tallies of two disjoint stretches of the log counted apart, as one.

    Rotation reads the last sessions of the whole log, so `added` must carry it whole.
    """
    return merged([before, added], rotation=added.rotation)


def merged(parts: Iterable[Tallies], rotation: int) -> Tallies:
    """Tallies of disjoint sets of events (stretches of the log, or communities: an event
    belongs to one) as one, with the rotation of them all, which does not add up.

    Every count is of distinct events, so counts add; edges and leaders unite.
    """
    sessions = member_led = 0
    led: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    edges: set[tuple[Any, Any]] = set()
    leads: set[str] = set()
    for part in parts:
        sessions += part.sessions
        member_led += part.member_led
        led.update(part.led)
        actions.update(part.actions)
        edges |= part.edges
        leads |= part.leads
    return Tallies(sessions=sessions, led=led, member_led=member_led, rotation=rotation,
                   edges=edges, actions=actions, leads=leads)


def _metrics(log: Log, start: int | None, end: int | None) -> dict[str, Any]:
    return measure(log.spans, tally(log, start, end), start, end)


def tally(log: Log, start: int | None, end: int | None) -> Tallies:
    """The window's tallies from the facts in memory."""
    def inside(at: int) -> bool:
        return (start is None or at >= start) and (end is None or at < end)

    sessions = [s for s in log.sessions if inside(s.at)]
    member_led = sum(1 for s in sessions
                     if any(log.role_at(s.community_id, m, s.at) == "member" for m in s.leaders))
    recent = [s for s in log.sessions if end is None or s.at < end][-ROTATION_SESSIONS:]
    edges: set[tuple[Any, Any]] = {(f.member_id, log.owners.get(f.ref or ""))
                                   for f in log.reuses if inside(f.at)}
    edges |= {(f.member_id, f.ref) for f in log.feedback if inside(f.at)}
    edges |= {(u, v) for s in sessions for u in s.attendees for v in s.leaders}
    acts: dict[str, set[int]] = defaultdict(set)
    leads: set[str] = set()
    for f in log.actions:
        if inside(f.at):
            acts[f.member_id or ""].add(f.position)
            if f.kind in LEADING:
                leads.add(f.member_id or "")
    return Tallies(sessions=len(sessions), led=Counter(m for s in sessions for m in s.leaders),
                   member_led=member_led, rotation=len({m for s in recent for m in s.leaders}),
                   edges=edges, actions={m: len(ps) for m, ps in acts.items()}, leads=leads)


def enrolled_in(spans: Mapping[str, list[tuple[int, int | None]]], start: int | None,
                end: int | None) -> list[str]:
    """Members whose membership overlaps [start, end), sorted."""
    # DESIGN's overlap reads left_at >= from (not >): someone who left at `from` counts.
    return sorted(m for m, member_spans in spans.items()
                  if any((end is None or joined < end) and
                         (left is None or start is None or left >= start)
                         for joined, left in member_spans))


def measure(spans: Mapping[str, list[tuple[int, int | None]]], tallies: Tallies,
            start: int | None, end: int | None) -> dict[str, Any]:
    """DESIGN's metrics of a window from its membership spans and tallies."""
    enrolled = enrolled_in(spans, start, end)
    members = set(enrolled)
    n = len(enrolled)
    xs = [tallies.led.get(m, 0) for m in enrolled]
    total = sum(xs)
    edges = {(u, v) for u, v in tallies.edges if u != v and u in members and v in members}
    pairs = {frozenset(e) for e in edges}
    mutual = sum(1 for u, v in edges if (v, u) in edges) // 2
    in_degree = Counter(v for _, v in edges)
    top = max((in_degree[m] for m in enrolled), default=0)
    sessions = tallies.sessions

    return {
        "enrolled": n,
        "sessions": sessions,
        "breadth": sum(1 for x in xs if x) / n if n else None,
        "gini": _gini(xs) if n and total else None,
        "entropy": _entropy(xs, n) if n > 1 and total else None,
        "member_led_share": tallies.member_led / sessions if sessions else None,
        "rotation": tallies.rotation,
        "reciprocity": mutual / len(pairs) if pairs else None,
        "in_degree_centralization": (sum(top - in_degree[m] for m in enrolled) / (n - 1) ** 2
                                     if n > 1 else None),
        "tiers": {m: _tier(tallies.actions.get(m, 0), m in tallies.leads) for m in enrolled},
    }


def _gini(xs: list[int]) -> float:
    """ΣΣ|xi−xj| / (2n²x̄) = Σ(2i−n−1)x₍ᵢ₎ / (nΣx): integers, one correctly rounded division."""
    n = len(xs)
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(sorted(xs), start=1))
    return weighted / (n * sum(xs))


def _entropy(xs: list[int], n: int) -> float:
    """−Σ p ln p / ln n, as Σ x·ln(S/x) / (S·ln n) with equal counts grouped.

    Grouping makes the most even spread exactly 1.0 (numerator and denominator round
    alike), where a sum over members gives 0.9999999999999998 or 1.0000000000000002;
    fsum makes the result independent of order.
    """
    total = sum(xs)
    alike = Counter(x for x in xs if x)
    h = math.fsum(count * x * math.log(total / x) for x, count in alike.items())
    return min(h / (total * math.log(n)), 1.0)  # a guard: never above the maximum


def _tier(actions: int, leads: bool) -> str:
    if actions >= 3:
        return "core" if leads else "active"
    return "peripheral" if actions else "inactive"


# -- trend by calendar quarter --------------------------------------------------------------

#: The most quarters a trend covers (50 years): each is counted over the window's facts,
#: so a window from year 1 would keep a request busy for minutes.
MAX_QUARTERS = 200
_LAST_MOMENT = to_micros(datetime.max.replace(tzinfo=UTC)) + 1  # the end of year 9999


def quarters(start: int, end: int) -> list[tuple[str, int, int]]:
    """The calendar quarters (UTC) intersecting [start, end): (label, from, to) in micros.

    More than MAX_QUARTERS is refused (`bad_window`); year 9999's last quarter ends with
    the calendar.
    """
    if start >= end:
        return []
    first, last = from_micros(start), from_micros(min(end, _LAST_MOMENT) - 1)
    count = (last.year - first.year) * 4 + (last.month - 1) // 3 - (first.month - 1) // 3 + 1
    if count > MAX_QUARTERS:
        message = (f"a trend covers at most {MAX_QUARTERS} calendar quarters; this window "
                   f"({first.date().isoformat()} to {last.date().isoformat()}) covers "
                   f"{count}: narrow it with from and to")
        raise errors.InvalidValue(message, rule="bad_window",
                                  fields={"from": [message], "to": [message]})
    year, q = first.year, (first.month - 1) // 3
    out = []
    for _ in range(count):
        lo = to_micros(datetime(year, 3 * q + 1, 1, tzinfo=UTC))
        year_after, q_after = (year + 1, 0) if q == 3 else (year, q + 1)
        hi = (to_micros(datetime(year_after, 3 * q_after + 1, 1, tzinfo=UTC))
              if year_after <= datetime.max.year else _LAST_MOMENT)
        out.append((f"{year}-Q{q + 1}", lo, hi))
        year, q = year_after, q_after
    return out


def trend(facts: Iterable[Fact], *, communities: Collection[str], start: int | None,
          end: int | None, as_of_position: int | None = None,
          resource_owners: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The metrics (tiers aside) per whole calendar quarter intersecting [start, end).

    A missing bound is taken from the first / last session or membership fact.
    """
    log = Log(facts, communities, as_of_position, resource_owners)
    return by_quarter(log.span(), start, end, lambda lo, hi: _metrics(log, lo, hi))


def by_quarter(span: tuple[int, int] | None, start: int | None, end: int | None,
               metrics: Callable[[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """`metrics(lo, hi)` (tiers aside) per quarter of the window, open sides from `span`."""
    if start is None or end is None:
        if span is None:
            return []
        start = span[0] if start is None else start
        end = span[1] + 1 if end is None else end
    items = []
    for label, lo, hi in quarters(start, end):
        values = metrics(lo, hi)
        del values["tiers"]
        items.append({"quarter": label, "from": _day(lo), "to": _day(hi), **values})
    return items


def _day(micros: int) -> str:
    return from_micros(micros).date().isoformat()


def sessions(facts: Iterable[Fact], *, communities: Collection[str], start: int | None,
             end: int | None, as_of_position: int | None = None) -> list[dict[str, Any]]:
    """The sessions held in the window, each with whether a `member` led it (for CSV)."""
    log = Log(facts, communities, as_of_position, {})
    out = []
    for s in sorted(log.sessions, key=lambda s: (s.at, s.position)):
        if (start is not None and s.at < start) or (end is not None and s.at >= end):
            continue
        member_led = any(log.role_at(s.community_id, m, s.at) == "member" for m in s.leaders)
        out.append({"community_id": s.community_id, "position": s.position, "at": s.at,
                    "leaders": s.leaders, "attendees": s.attendees, "member_led": member_led})
    return out
