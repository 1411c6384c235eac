"""Rule badges earned by one member: a pure function of the events that concern them.

`earned_badges(member_id, records)` folds the records (read in position order) and, for
each rule of the spec (projections/badges/spec.py documents the criteria language),
returns the award when the rule holds. The records are the events relevant to the member
— their own, those naming them, reuses of their resources, the plans of the steps they
completed, both RoleChanged of their hand-overs, and the retractions, corrections and
visibility changes of those — though any superset (the whole log) gives the same answer.

Evidence
- retracted events (EntryRetracted) never count; a corrected event (EntryCorrected)
  counts with its corrected fields, later corrections over earlier ones;
- a reflection that is private — as recorded, or after its last
  ReflectionVisibilityChanged — never counts (DESIGN: "a private reflection is never
  evidence for a badge"), so no award ever names one;
- the candidates of a rule are scanned in log (position) order; the award names the
  first prefix of the log in which the rule holds and, within it, the earliest events
  that satisfy it (each distinct value needed gets its earliest event, then the earliest
  others make up the count). Log order, not occurred_at, so an award earned in the log as
  of some moment keeps its evidence and its id as the log grows; only a retraction, a
  correction or a visibility change of what it rests on re-derives it, and then with a
  new id (or removes it when the rest of the evidence does not suffice).
- with `within_days`, the evidence is chosen inside the earliest window of that many
  days (occurred_at, UTC) in which the rule holds.

The award id is `"rb-" + sha256("rule|member|p1,p2,…")[:24]` over the sorted positions: the
same evidence gives the same id in every fold, other evidence another id.
"""
from __future__ import annotations

import dataclasses
import hashlib
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from journey import events as ev
from journey.clock import UTC, format_time
from journey.records import Recorded
from projections.badges.spec import (
    ALIASES, RELATIONS, Criteria, Partner, Rule, Selector, Test, load_rules,
)


@dataclass(frozen=True, slots=True)
class RuleAward:
    """One rule badge earned by one member, with the positions of its evidence."""

    rule_id: str
    member_id: str
    positions: tuple[int, ...]
    award_id: str
    earned_at: datetime      # occurred_at of the latest evidence
    name: str
    description: str
    image: str
    #: The position of the event with which the rule first held (the last of the first
    #: prefix or window); the evidence chosen may end before it. 0 when unknown: a rule
    #: with `together_with` may find its partner event later in the log. Not part of the
    #: award's JSON: Open Badges place the award in its issuer's status list by it.
    reached: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "member_id": self.member_id,
                "positions": list(self.positions), "award_id": self.award_id,
                "earned_at": format_time(self.earned_at), "name": self.name,
                "description": self.description, "image": self.image}


def award_id(rule_id: str, member_id: str, positions: Iterable[int]) -> str:
    """The stable id of a rule award: a hash of the rule, the member and the evidence."""
    joined = ",".join(str(p) for p in sorted(positions))
    digest = hashlib.sha256(f"{rule_id}|{member_id}|{joined}".encode()).hexdigest()
    return "rb-" + digest[:24]


def earned_badges(member_id: str, records: Sequence[Recorded],
                  rules: Sequence[Rule] | None = None) -> list[RuleAward]:
    """The rule badges `member_id` holds according to `records`, in the order of the rules."""
    if rules is None:
        rules = load_rules()
    log = Evidence(records)
    out: list[RuleAward] = []
    for rule in rules:
        award = evaluate(rule, member_id, log)
        if award is not None:
            out.append(award)
    return out


# -- the records, with retractions, corrections and visibility applied --------------------------

@dataclass(frozen=True, slots=True)
class _Live:
    rec: Recorded
    event: ev.Event     # as corrected

    @property
    def position(self) -> int:
        return self.rec.position


class Evidence:
    """The live events of some records: what rules may count, indexed for the lookups."""

    def __init__(self, records: Iterable[Recorded]) -> None:
        ordered = sorted(records, key=lambda r: r.position)
        retracted: set[int] = set()
        corrections: dict[int, list[dict[str, Any]]] = defaultdict(list)
        visibility: dict[str, str] = {}
        for rec in ordered:
            e = rec.event
            if isinstance(e, ev.EntryRetracted):
                retracted.add(e.position)
            elif isinstance(e, ev.EntryCorrected):
                corrections[e.position].append(e.fields)
            elif isinstance(e, ev.ReflectionVisibilityChanged):
                visibility[e.reflection_id] = e.visibility
        self.live: list[_Live] = []
        self.by_type: dict[str, list[_Live]] = defaultdict(list)
        self.related: dict[str, dict[str, _Live]] = {name: {} for name in RELATIONS}
        self.by_correlation: dict[str, list[_Live]] = defaultdict(list)
        targets = {target: (name, key) for name, (_, target, key) in RELATIONS.items()}
        for rec in ordered:
            e = rec.event
            if rec.position in retracted or e.type in ev.TARGETING_TYPES:
                continue
            fixes = corrections.get(rec.position)
            if fixes:
                e = _corrected(e, fixes)
            if isinstance(e, ev.ReflectionRecorded) and \
                    visibility.get(e.reflection_id, e.visibility) == "private":
                continue
            item = _Live(rec, e)
            self.live.append(item)
            self.by_type[e.type].append(item)
            if e.type in targets:
                name, key = targets[e.type]
                self.related[name].setdefault(getattr(e, key), item)
            correlation = (rec.meta or {}).get("correlation_id")
            if correlation:
                self.by_correlation[str(correlation)].append(item)

    def value(self, item: _Live, path: str) -> Any:
        """The value at `path` (a field, 'actor', or relation.field) of a live event."""
        if path == "actor":
            return item.rec.actor
        if "." in path:
            relation, _, name = path.partition(".")
            link = RELATIONS[relation][0]
            target = self.related[relation].get(getattr(item.event, link, None))
            return None if target is None else getattr(target.event, name, None)
        return getattr(item.event, ALIASES.get(path, path), None)


def _corrected(event: ev.Event, corrections: Iterable[dict[str, Any]]) -> ev.Event:
    allowed = ev.correctable_fields(type(event))
    for fields in corrections:
        changes = {k: (tuple(v) if isinstance(v, list) else v)
                   for k, v in fields.items() if k in allowed}
        if changes:
            event = dataclasses.replace(event, **changes)
    return event


def _people(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


# -- matching ---------------------------------------------------------------------------------

def _passes(log: Evidence, item: _Live, tests: Iterable[Test]) -> bool:
    for test in tests:
        value = log.value(item, test.path)
        if test.op == "eq":
            ok = value == test.value
        elif test.op == "in":
            ok = value is not None and value in test.value
        elif test.op == "contains":
            ok = value is not None and test.value in value
        else:  # present
            ok = (value is not None) == test.value
        if not ok:
            return False
    return True


def _has_partner(log: Evidence, item: _Live, partner: Partner, member_id: str) -> bool:
    correlation = (item.rec.meta or {}).get("correlation_id")
    if not correlation:
        return False
    for other in log.by_correlation.get(str(correlation), ()):
        if other.position == item.position or other.event.type != partner.type:
            continue
        if any(log.value(other, f) != log.value(item, f) for f in partner.same):
            continue
        if partner.other_person is not None and \
                member_id in _people(log.value(other, partner.other_person)):
            continue
        if _passes(log, other, partner.where):
            return True
    return False


def _matches(log: Evidence, item: _Live, sel: Selector, member_id: str) -> bool:
    if member_id not in _people(log.value(item, sel.role)):
        return False
    if sel.of_others is not None and member_id in _people(log.value(item, sel.of_others)):
        return False
    if not _passes(log, item, sel.where):
        return False
    return sel.together_with is None or _has_partner(log, item, sel.together_with, member_id)


def candidates(rule: Rule, member_id: str, log: Evidence) -> list[_Live]:
    """The live events crediting `member_id` under `rule`, in position order, each once."""
    return list(_candidates(rule, member_id, log))


def _matching(log: Evidence, sel: Selector, member_id: str) -> Iterator[_Live]:
    for item in log.by_type.get(sel.type, ()):
        if _matches(log, item, sel, member_id):
            yield item


def _candidates(rule: Rule, member_id: str, log: Evidence) -> Iterator[_Live]:
    """`candidates`, lazily: a rule is mostly decided by the first few of a long history."""
    streams = [_matching(log, sel, member_id) for sel in rule.criteria.events]
    last = None
    # Each stream is in position order (by_type lists are): merge them, each position once.
    for item in (streams[0] if len(streams) == 1 else
                 heapq.merge(*streams, key=lambda item: item.position)):
        if item.position != last:
            last = item.position
            yield item


# -- choosing the evidence --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Cand:
    item: _Live
    at: datetime
    keys: tuple[Any, ...]     # one value per distinct key (None: no value)


def _key(log: Evidence, item: _Live, key: str) -> Any:
    at = item.rec.occurred_at.astimezone(UTC)
    if key == "month":
        return (at.year, at.month)
    if key == "year":
        return at.year
    value = log.value(item, key)
    return tuple(value) if isinstance(value, list) else value


def _holds(cands: Sequence[_Cand], crit: Criteria) -> bool:
    if len(cands) < crit.count:
        return False
    for i, (_, needed) in enumerate(crit.distinct):
        if len({c.keys[i] for c in cands if c.keys[i] is not None}) < needed:
            return False
    return True


def _pick(cands: Sequence[_Cand], crit: Criteria) -> list[_Cand]:
    """The earliest events of `cands` (which satisfy `crit`) that satisfy it."""
    chosen: list[_Cand] = []
    taken: set[int] = set()
    seen: list[set[Any]] = [set() for _ in crit.distinct]
    for c in cands:
        if any(len(seen[i]) < needed and c.keys[i] is not None and c.keys[i] not in seen[i]
               for i, (_, needed) in enumerate(crit.distinct)):
            chosen.append(c)
            taken.add(c.item.position)
            for i in range(len(seen)):
                if c.keys[i] is not None:
                    seen[i].add(c.keys[i])
    for c in cands:
        if len(chosen) >= crit.count:
            break
        if c.item.position not in taken:
            chosen.append(c)
            taken.add(c.item.position)
    return sorted(chosen, key=lambda c: c.item.position)


def _first_prefix(cands: Iterable[_Cand], crit: Criteria) -> list[_Cand] | None:
    """Without a time span: the shortest prefix in which the rule holds."""
    counts: list[set[Any]] = [set() for _ in crit.distinct]
    prefix: list[_Cand] = []
    for j, c in enumerate(cands):
        prefix.append(c)
        for i in range(len(counts)):
            if c.keys[i] is not None:
                counts[i].add(c.keys[i])
        if j + 1 >= crit.count and all(len(counts[i]) >= needed
                                       for i, (_, needed) in enumerate(crit.distinct)):
            return prefix
    return None


def _first_window(cands: Iterable[_Cand], crit: Criteria) -> list[_Cand] | None:
    """With `within_days`: the earliest window of the shortest prefix in which it holds."""
    span = timedelta(days=crit.within_days or 0)
    seen: list[_Cand] = []
    for j, cand in enumerate(cands):
        seen.append(cand)
        if j + 1 < crit.count:
            continue
        prefix = seen
        last = cand.at
        # A window first satisfied at j contains j: anchors lie within the span before it.
        anchors = sorted((c for c in prefix if last - span <= c.at <= last),
                         key=lambda c: (c.at, c.item.position))
        for anchor in anchors:
            window = [c for c in prefix if anchor.at <= c.at <= anchor.at + span]
            if _holds(window, crit):
                return window
    return None


def evaluate(rule: Rule, member_id: str, log: Evidence) -> RuleAward | None:
    """The award of `rule` to `member_id`, or None when the live evidence does not suffice."""
    crit = rule.criteria
    # Lazily: the evidence is the first prefix (or window) in which the rule holds.
    cands = (_Cand(item, item.rec.occurred_at.astimezone(UTC),
                   tuple(_key(log, item, key) for key, _ in crit.distinct))
             for item in _candidates(rule, member_id, log))
    pool = _first_window(cands, crit) if crit.within_days else _first_prefix(cands, crit)
    if pool is None:
        return None
    chosen = _pick(pool, crit)
    positions = tuple(c.item.position for c in chosen)
    return RuleAward(rule_id=rule.id, member_id=member_id, positions=positions,
                     award_id=award_id(rule.id, member_id, positions),
                     earned_at=max(c.at for c in chosen), name=rule.name,
                     description=rule.description, image=rule.image,
                     reached=(0 if any(sel.together_with for sel in crit.events)
                              else max(c.item.position for c in pool)))
