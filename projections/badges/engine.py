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
import itertools
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
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


#: The events that reach back over the records before them (what they target).
CUTS = frozenset({"EntryRetracted", "EntryCorrected", "ReflectionVisibilityChanged"})


def award_id(rule_id: str, member_id: str, positions: Iterable[int]) -> str:
    """The stable id of a rule award: a hash of the rule, the member and the evidence."""
    joined = ",".join(str(p) for p in sorted(positions))
    digest = hashlib.sha256(f"{rule_id}|{member_id}|{joined}".encode()).hexdigest()
    return "rb-" + digest[:24]


def earned_badges(member_id: str, records: Sequence[Recorded],
                  rules: Sequence[Rule] | None = None) -> list[RuleAward]:
    """The rule badges `member_id` holds according to `records`, in the order of the rules."""
    return earned_from(member_id, Evidence(records), load_rules() if rules is None else rules)


def earned_from(member_id: str, log: "Evidence", rules: Sequence[Rule]) -> list[RuleAward]:
    """`earned_badges` over evidence already indexed (or a view of it as of a position)."""
    out: list[RuleAward] = []
    for rule in rules:
        award = evaluate(rule, member_id, log)
        if award is not None:
            out.append(award)
    return out


class Prefixes:
    """A member's records, as the rules see each prefix `records[:n]`.

    A retraction, correction or visibility change (a cut) reaches back over the records
    before it, so between two cuts every prefix has the same live evidence up to its end:
    one index of each stretch (Evidence) serves all of its prefixes, seen `as_of` their
    last position. The Open Badges catalogue asks for many prefixes of each member's
    records (when did an award appear, which awards did a cut take away); indexing each
    prefix again cost most of its derivation.
    """

    def __init__(self, member: str, records: list[Recorded], rules: Sequence[Rule]) -> None:
        self.member = member
        self.records = records
        self.rules = rules
        self.positions = [r.position for r in records]
        self.cuts = [i for i, r in enumerate(records) if r.type in CUTS]
        self._stretches: dict[int, Evidence] = {}
        self._earned: dict[int, dict[str, RuleAward]] = {}
        self._rule_at: dict[tuple[str, int], RuleAward | None] = {}
        self._rule = {rule.id: rule for rule in rules}

    def evidence(self, n: int) -> Evidence:
        """The evidence of records[:n]."""
        k = bisect_left(self.cuts, n)   # the cuts inside records[:n]
        stretch = self._stretches.get(k)
        end = self.cuts[k] if k < len(self.cuts) else len(self.records)
        if stretch is None:
            stretch = self._stretches[k] = Evidence(self.records[:end])
        if n == end:
            return stretch
        return stretch.as_of(self.positions[n - 1] if n else 0)

    def earned(self, n: int) -> dict[str, RuleAward]:
        """award id -> award, of every rule over records[:n]."""
        if n not in self._earned:
            self._earned[n] = {a.award_id: a for a in
                               earned_from(self.member, self.evidence(n), self.rules)}
        return self._earned[n]

    def holds(self, award: RuleAward, n: int) -> bool:
        """Whether records[:n] earn `award` (its rule alone evaluated)."""
        if n in self._earned:
            return award.award_id in self._earned[n]
        key = (award.rule_id, n)
        if key not in self._rule_at:
            self._rule_at[key] = evaluate(self._rule[award.rule_id], self.member,
                                          self.evidence(n))
        found = self._rule_at[key]
        return found is not None and found.award_id == award.award_id


# -- the records, with retractions, corrections and visibility applied --------------------------

@dataclass(frozen=True, slots=True)
class _Live:
    rec: Recorded
    event: ev.Event     # as corrected

    @property
    def position(self) -> int:
        return self.rec.position


class Evidence:
    """The live events of some records: what rules may count, indexed for the lookups.

    `as_of(position)` views them as if the records ended there. That is the evidence of
    the records up to that position only when no retraction, correction or visibility
    change comes after it: those reach back over what came before.
    """

    #: The last position the rules may see (None: all of them).
    last: int | None = None

    def __init__(self, records: Iterable[Recorded]) -> None:
        ordered = sorted(records, key=lambda r: r.position)
        retracted: set[int] = set()
        corrections: dict[int, list[dict[str, Any]]] = defaultdict(list)
        visibility: dict[str, str] = {}
        targeting = ev.TARGETING_TYPES
        for rec in ordered:
            e = rec.event
            if e.type not in targeting:
                continue
            if isinstance(e, ev.EntryRetracted):
                retracted.add(e.position)
            elif isinstance(e, ev.EntryCorrected):
                corrections[e.position].append(e.fields)
            elif isinstance(e, ev.ReflectionVisibilityChanged):
                visibility[e.reflection_id] = e.visibility
        self.by_type: dict[str, list[_Live]] = defaultdict(list)
        self.related: dict[str, dict[str, _Live]] = {name: {} for name in RELATIONS}
        #: (type, role, of_others, member) -> the events crediting the member
        #: (`_credited`), shared by the views.
        self.credited: dict[tuple[str, str, str | None, str], list[_Live]] = {}
        targets = {target: (self.related[name], key)
                   for name, (_, target, key) in RELATIONS.items()}
        by_type = self.by_type
        for rec in ordered:
            e = rec.event
            type_name = e.type
            if type_name in targeting or rec.position in retracted:
                continue
            if corrections:
                fixes = corrections.get(rec.position)
                if fixes:
                    e = _corrected(e, fixes)
            if type_name == "ReflectionRecorded" and \
                    visibility.get(e.reflection_id, e.visibility) == "private":
                continue
            item = _Live(rec, e)
            by_type[type_name].append(item)
            target = targets.get(type_name)
            if target is not None:
                target[0].setdefault(getattr(e, target[1]), item)

    def as_of(self, position: int) -> "Evidence":
        """These indexes, seen as if the records ended at `position` (see the class)."""
        view = copy(self)
        view.last = position
        return view

    def sees(self, item: _Live) -> bool:
        return self.last is None or item.position <= self.last

    def value(self, item: _Live, path: str) -> Any:
        """The value at `path` (a field, 'actor', or relation.field) of a live event."""
        if path == "actor":
            return item.rec.actor
        if "." in path:
            relation, _, name = path.partition(".")
            link = RELATIONS[relation][0]
            # The first target in the records: the view's, if it sees that far.
            target = self.related[relation].get(getattr(item.event, link, None))
            return None if target is None or not self.sees(target) \
                else getattr(target.event, name, None)
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
    correlation = _correlation(item)
    if not correlation:
        return False
    # Appended in the same command: the same correlation id (few events of a member's
    # evidence are of a partner's type, such as RoleChanged).
    for other in log.by_type.get(partner.type, ()):
        if other.position == item.position or not log.sees(other) or \
                _correlation(other) != correlation:
            continue
        if any(log.value(other, f) != log.value(item, f) for f in partner.same):
            continue
        if partner.other_person is not None and \
                member_id in _people(log.value(other, partner.other_person)):
            continue
        if _passes(log, other, partner.where):
            return True
    return False


def _correlation(item: _Live) -> str | None:
    value = (item.rec.meta or {}).get("correlation_id")
    return str(value) if value else None


def _credits(log: Evidence, item: _Live, sel: Selector, member_id: str) -> bool:
    """Whether the event names the member in the selector's role (and, with of_others,
    was done by someone else)."""
    if member_id not in _people(log.value(item, sel.role)):
        return False
    return sel.of_others is None or member_id not in _people(log.value(item, sel.of_others))


def _matching(log: Evidence, sel: Selector, member_id: str) -> Iterator[_Live]:
    """The events `sel` matches for the member, in position order, up to the view's last."""
    last = log.last
    for item in _credited(log, sel, member_id):
        if last is not None and item.position > last:
            return  # in position order, as by_type lists are
        if _passes(log, item, sel.where) and (
                sel.together_with is None
                or _has_partner(log, item, sel.together_with, member_id)):
            yield item


def _through_relation(sel: Selector) -> bool:
    """Whether the selector names the member through a related event (a resource's owner)."""
    return "." in sel.role or "." in (sel.of_others or "")


def _credited(log: Evidence, sel: Selector, member_id: str) -> Iterable[_Live]:
    """The events of the selector's type that credit the member (`_credits`).

    Rules share them (sessions led, resources shared): found once per evidence, for all
    its rules and views, unless the role is a relation's field, whose target a view may
    not see yet.
    """
    if _through_relation(sel):
        return (item for item in log.by_type.get(sel.type, ())
                if _credits(log, item, sel, member_id))
    key = (sel.type, sel.role, sel.of_others, member_id)
    found = log.credited.get(key)
    if found is None:
        found = log.credited[key] = [item for item in log.by_type.get(sel.type, ())
                                     if _credits(log, item, sel, member_id)]
    return found


def _candidates(rule: Rule, member_id: str, log: Evidence) -> Iterator[_Live]:
    """The live events crediting `member_id` under `rule`, in position order, each once;
    lazily: a rule is mostly decided by the first few of a long history."""
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


def _falls_short(crit: Criteria, member_id: str, log: Evidence) -> bool:
    """Whether every event crediting the member in the rule's roles, before its `where`
    tests and partners, is already too few, or has too few values of a distinct key: then
    no prefix or window of its candidates holds, and none need be built. Most members
    never meet some rule (two communities, say), and scanning their whole history for it
    cost more than any rule they meet. Not judged for a role through a relation (resource
    owner), whose events are not found once per evidence."""
    if any(_through_relation(sel) for sel in crit.events):
        return False
    pools = [_credited(log, sel, member_id) for sel in crit.events]
    # An event matching two selectors counts once: too few even counted twice is too few.
    if sum(map(len, pools)) < crit.count:
        return True
    for key, needed in crit.distinct:
        seen: set[Any] = set()
        for item in itertools.chain.from_iterable(pools):
            value = _key(log, item, key)
            if value is not None:
                seen.add(value)
                if len(seen) >= needed:
                    break
        if len(seen) < needed:
            return True
    return False


def evaluate(rule: Rule, member_id: str, log: Evidence) -> RuleAward | None:
    """The award of `rule` to `member_id`, or None when the live evidence does not suffice."""
    crit = rule.criteria
    if _falls_short(crit, member_id, log):
        return None
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
