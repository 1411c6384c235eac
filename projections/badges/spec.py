"""Rule badges as data: the criteria language of `rules.json`, its loader and its validator.

A rule badge is earned by a member when the log holds enough events of the right kind
that name them. Rules live in `projections/badges/rules.json` (a JSON list), so adding a
rule is an edit of data, never of code; `load_rules()` reads and validates the file
(lazily, once per path) and refuses a malformed rule with a `SpecError` naming the rule
and the field, e.g. ``rule 'led-a-session': criteria.events[0].role: SessionLed has no
field 'leader'``.

One rule
--------
::

    {"id": "sessions-three-months",            # [a-z0-9-], unique; part of every award id
     "name": "Led sessions in three months",   # shown on the badge
     "description": "Led sessions of their community in three different months.",
     "image": "sessions-three-months.svg",     # a file in projections/badges/images/
     "criteria": {
        "events": {"type": "SessionLed", "role": "leaders"},   # or a list of selectors
        "count": 3,                  # at least this many matching events (default 1)
        "distinct": {"month": 3},    # and at least this many distinct values per key
        "within_days": null          # optional: all evidence within this many days
     }}

Selectors (`criteria.events`: one object, or a list of them — an event matching several
selectors counts once):

``type``
    an event type of the exchange format (journey.events), e.g. "ResourceShared".
``role``
    the path that names the person the event credits; the member must be among the
    people it names (an id, or a list of ids): "member_id", "leaders", "member_ids",
    "from_member_id", "attendees", "actor" (who appended the event) — or a related
    event's field such as "resource.member_id" (the person who shared the resource the
    event is about: "their resources").
``where`` (optional)
    ``{path: test}``, every test must hold. A test is a plain value (equality) or one
    of ``{"eq": v}``, ``{"in": [v, ...]}`` (the value is one of them), ``{"contains": v}``
    (a list field holds v), ``{"present": true|false}``. A value of a choice field must
    be one of its choices (a typo is refused when the spec loads).
``of_others`` (optional)
    ``true`` or a path: the event was done by someone else — the person at that path
    ("actor" for ``true``) is not the member, e.g. "member_id" of a ResourceReused, so
    reusing one's own resource never counts.
``together_with`` (optional)
    another event appended in the same command (the same ``meta.correlation_id``) that
    must exist: ``{"type": ..., "where": {...}, "same": [field, ...] (equal in both),
    "other_person": path (names someone other than the member)}`` — a hand-over is
    RoleChanged(member → facilitator) together with the RoleChanged(facilitator →
    member) of someone else in the same community.

Paths are a field of the event ("format"), "actor", or ``relation.field`` where the
relation is looked up through an id the event carries:

====================  ===================================  =========================
relation              found by                             event
====================  ===================================  =========================
``plan``              the event's ``plan_id``              ActionPlanCreated
``resource``          the event's ``resource_id``          ResourceShared
====================  ===================================  =========================

Distinct keys (`criteria.distinct`): "month" (calendar month of occurred_at, UTC, so
December 2023 and December 2024 differ), "year", "community" (the community_id), or any
path (e.g. "resource_id", "to_member_id"); an event without a value for the key (a
reflection outside any community) adds no value.

What the engine does with a rule (projections/badges/engine.py): retracted events never
count, a corrected event counts with its corrected fields, and a private reflection never
counts (DESIGN: "a private reflection is never evidence for a badge"). The award names
the earliest events, in log order, that satisfy the rule.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from journey import events as ev

HERE = Path(__file__).resolve().parent
RULES_PATH = HERE / "rules.json"
IMAGES_DIR = HERE / "images"

#: relation name -> (the id field the event carries, the related type, its id field)
RELATIONS: dict[str, tuple[str, str, str]] = {
    "plan": ("plan_id", "ActionPlanCreated", "plan_id"),
    "resource": ("resource_id", "ResourceShared", "resource_id"),
}
#: Distinct keys computed from the record rather than read from a field.
TIME_KEYS = frozenset({"month", "year"})
ALIASES = {"community": "community_id"}
OPERATORS = frozenset({"eq", "in", "contains", "present"})
#: Field kinds that name people (or anything by id).
_ID_KINDS = frozenset({"id", "ids"})

_RULE_KEYS = {"id", "name", "description", "image", "criteria"}
_CRITERIA_KEYS = {"events", "count", "distinct", "within_days"}
_SELECTOR_KEYS = {"type", "role", "where", "of_others", "together_with"}
_PARTNER_KEYS = {"type", "where", "same", "other_person"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\.svg$")


class SpecError(ValueError):
    """A rule of the spec is malformed; the message names the rule and the field."""

    def __init__(self, rule: str, where: str, reason: str) -> None:
        super().__init__(f"rule {rule!r}: {where}: {reason}")
        self.rule = rule
        self.field = where
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Test:
    """One `where` test: the value at `path` compared by `op` with `value`."""

    path: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Partner:
    """An event that must have been appended together with the matching one."""

    type: str
    where: tuple[Test, ...] = ()
    same: tuple[str, ...] = ()
    other_person: str | None = None


@dataclass(frozen=True, slots=True)
class Selector:
    """Which events count, and which field names the member they credit."""

    type: str
    role: str
    where: tuple[Test, ...] = ()
    of_others: str | None = None
    together_with: Partner | None = None


@dataclass(frozen=True, slots=True)
class Criteria:
    events: tuple[Selector, ...]
    count: int = 1
    distinct: tuple[tuple[str, int], ...] = ()
    within_days: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    description: str
    image: str
    criteria: Criteria


# -- loading ----------------------------------------------------------------------------------

def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """The rules of `path` (default: the repository's rules.json), validated; cached per path.

    Images are looked up in the `images/` folder beside the file.
    """
    resolved = Path(path).resolve() if path is not None else RULES_PATH
    return _load(str(resolved))


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[Rule, ...]:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SpecError("*", file.name, f"not valid JSON: {exc}") from exc
    return parse_rules(data, images_dir=file.parent / "images")


def parse_rules(data: Any, *, images_dir: Path | None = None) -> tuple[Rule, ...]:
    """Validate a decoded spec (a list of rules); `images_dir` given: every image must exist."""
    if not isinstance(data, list):
        raise SpecError("*", "spec", "must be a JSON list of rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        rule = parse_rule(raw, index=index, images_dir=images_dir)
        if rule.id in seen:
            raise SpecError(rule.id, "id", "is used by an earlier rule")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def parse_rule(raw: Any, *, index: int = 0, images_dir: Path | None = None) -> Rule:
    """Validate one rule."""
    name = f"#{index}"
    if not isinstance(raw, dict):
        raise SpecError(name, "rule", "must be an object")
    if isinstance(raw.get("id"), str):
        name = raw["id"]
    _keys(name, "rule", raw, _RULE_KEYS, required={"id", "name", "description", "image",
                                                   "criteria"})
    rule_id = raw["id"]
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise SpecError(name, "id", "must be lower-case letters, digits and '-' (at most 64)")
    for key in ("name", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise SpecError(name, key, "must be a non-empty text")
    image = raw["image"]
    if not isinstance(image, str) or not _IMAGE.match(image):
        raise SpecError(name, "image", "must be a file name such as 'first-resource.svg'")
    criteria = _criteria(name, raw["criteria"])
    if images_dir is not None and not (images_dir / image).is_file():
        raise SpecError(name, "image", f"{image} is not in {images_dir}")
    return Rule(id=rule_id, name=raw["name"].strip(), description=raw["description"].strip(),
                image=image, criteria=criteria)


def _criteria(rule: str, raw: Any) -> Criteria:
    where = "criteria"
    if not isinstance(raw, dict):
        raise SpecError(rule, where, "must be an object")
    _keys(rule, where, raw, _CRITERIA_KEYS, required={"events"})
    events = raw["events"]
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list) or not events:
        raise SpecError(rule, "criteria.events", "must be a selector or a non-empty list of them")
    selectors = tuple(_selector(rule, f"criteria.events[{i}]", s) for i, s in enumerate(events))
    count = raw.get("count", 1)
    if not _positive(count):
        raise SpecError(rule, "criteria.count", "must be a positive integer")
    distinct_raw = raw.get("distinct") or {}
    if not isinstance(distinct_raw, dict):
        raise SpecError(rule, "criteria.distinct",
                        'must be an object such as {"month": 3}')
    distinct: list[tuple[str, int]] = []
    for key, n in distinct_raw.items():
        at = f"criteria.distinct.{key}"
        if not _positive(n):
            raise SpecError(rule, at, "must be a positive integer")
        if key not in TIME_KEYS:
            for i, sel in enumerate(selectors):
                _path(rule, f"{at} (criteria.events[{i}])", sel.type, ALIASES.get(key, key))
        distinct.append((key, n))
    within = raw.get("within_days")
    if within is not None and not _positive(within):
        raise SpecError(rule, "criteria.within_days", "must be a positive integer or null")
    return Criteria(events=selectors, count=count, distinct=tuple(distinct), within_days=within)


def _selector(rule: str, at: str, raw: Any) -> Selector:
    if not isinstance(raw, dict):
        raise SpecError(rule, at, "must be an object")
    _keys(rule, at, raw, _SELECTOR_KEYS, required={"type", "role"})
    type_name = _type(rule, f"{at}.type", raw["type"])
    role = raw["role"]
    if not isinstance(role, str):
        raise SpecError(rule, f"{at}.role", "must be a path such as 'member_id'")
    _path(rule, f"{at}.role", type_name, role, ids_only=True)
    tests = _where(rule, f"{at}.where", type_name, raw.get("where"))
    of_others = raw.get("of_others")
    if of_others is True:
        of_others = "actor"
    elif of_others is False:
        of_others = None
    if of_others is not None:
        if not isinstance(of_others, str):
            raise SpecError(rule, f"{at}.of_others", "must be true, false or a path")
        _path(rule, f"{at}.of_others", type_name, of_others, ids_only=True)
    partner = None
    if raw.get("together_with") is not None:
        partner = _partner(rule, f"{at}.together_with", type_name, raw["together_with"])
    return Selector(type=type_name, role=role, where=tests, of_others=of_others,
                    together_with=partner)


def _partner(rule: str, at: str, own_type: str, raw: Any) -> Partner:
    if not isinstance(raw, dict):
        raise SpecError(rule, at, "must be an object")
    _keys(rule, at, raw, _PARTNER_KEYS, required={"type"})
    type_name = _type(rule, f"{at}.type", raw["type"])
    same = raw.get("same") or []
    if not isinstance(same, list) or not all(isinstance(s, str) for s in same):
        raise SpecError(rule, f"{at}.same", "must be a list of field names")
    for name in same:
        _path(rule, f"{at}.same", own_type, name)
        _path(rule, f"{at}.same", type_name, name)
    other = raw.get("other_person")
    if other is not None:
        if not isinstance(other, str):
            raise SpecError(rule, f"{at}.other_person", "must be a path")
        _path(rule, f"{at}.other_person", type_name, other, ids_only=True)
    return Partner(type=type_name, where=_where(rule, f"{at}.where", type_name, raw.get("where")),
                   same=tuple(same), other_person=other)


def _where(rule: str, at: str, type_name: str, raw: Any) -> tuple[Test, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise SpecError(rule, at, "must be an object {path: test}")
    tests: list[Test] = []
    for path, test in raw.items():
        here = f"{at}.{path}"
        spec = _path(rule, here, type_name, path)
        if isinstance(test, dict):
            if len(test) != 1 or next(iter(test)) not in OPERATORS:
                raise SpecError(rule, here, f"a test is a value or one of {sorted(OPERATORS)}")
            op, value = next(iter(test.items()))
        else:
            op, value = "eq", test
        if op == "in" and not (isinstance(value, list) and value):
            raise SpecError(rule, here, "'in' takes a non-empty list")
        if op == "present" and not isinstance(value, bool):
            raise SpecError(rule, here, "'present' takes true or false")
        if op == "contains" and (spec is None or spec.metadata.get("kind") not in
                                 ("ids", "texts", "choices", "positions")):
            raise SpecError(rule, here, "'contains' needs a list field")
        if isinstance(value, list):
            value = tuple(value)
        choices = spec.metadata.get("choices") if spec is not None else ()
        if choices and op != "present":
            wanted = value if op == "in" else (value,)
            for v in wanted:
                if v not in choices:
                    raise SpecError(rule, here, f"{v!r} is not one of {list(choices)}")
        tests.append(Test(path=path, op=op, value=value))
    return tuple(tests)


# -- helpers ---------------------------------------------------------------------------------

def _keys(rule: str, at: str, raw: dict, allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SpecError(rule, f"{at}.{unknown[0]}" if at != "rule" else unknown[0],
                        f"unknown key (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(raw))
    if missing:
        raise SpecError(rule, f"{at}.{missing[0]}" if at != "rule" else missing[0],
                        "is required")


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _type(rule: str, at: str, value: Any) -> str:
    if not isinstance(value, str) or value not in ev.EVENT_TYPES:
        raise SpecError(rule, at, f"{value!r} is not an event type of journey.events")
    return value


def _fields(type_name: str) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(ev.EVENT_TYPES[type_name])}


def _path(rule: str, at: str, type_name: str, path: str,
          ids_only: bool = False) -> dataclasses.Field | None:
    """Check `path` on `type_name`; the field it ends on (None for 'actor')."""
    if path == "actor":
        return None
    fields = _fields(type_name)
    if "." in path:
        relation, _, name = path.partition(".")
        if relation not in RELATIONS:
            raise SpecError(rule, at, f"unknown relation {relation!r} "
                                      f"(known: {', '.join(sorted(RELATIONS))})")
        link, target, _ = RELATIONS[relation]
        if link not in fields:
            raise SpecError(rule, at, f"{type_name} has no {link} to find its {relation}")
        target_fields = _fields(target)
        if name not in target_fields:
            raise SpecError(rule, at, f"{target} has no field {name!r}")
        spec = target_fields[name]
    else:
        if path not in fields:
            raise SpecError(rule, at, f"{type_name} has no field {path!r}")
        spec = fields[path]
    if ids_only and spec.metadata.get("kind") not in _ID_KINDS:
        raise SpecError(rule, at, f"{path!r} does not name people (an id or a list of ids)")
    if spec.metadata.get("personal"):
        # What a person wrote is encrypted under their key and unreadable once they are
        # erased: a badge resting on it would change with an erasure, and the catalogue
        # folds the log without decrypting it (web/openbadges/service.py).
        raise SpecError(rule, at, f"{path!r} is a personal field; a rule reads ids, roles "
                                  "and kinds, never what someone wrote")
    return spec
