"""The rule spec: the repository's rules load; a malformed rule is refused by name and field."""
from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from projections.badges.engine import earned_badges
from projections.badges.spec import IMAGES_DIR, SpecError, load_rules, parse_rules
from tests.unit.badges.log import Log, led

SVG = "{http://www.w3.org/2000/svg}"
ISSUE_RULES = {"first-resource", "led-a-session", "sessions-three-months", "resources-reused",
               "reflective-practitioner", "students-in-the-inquiry", "cross-school-learner",
               "took-over-facilitation"}

GOOD = {"id": "two-workshops", "name": "Two workshops", "description": "Led two workshops.",
        "image": "workshop-facilitator.svg",
        "criteria": {"events": {"type": "SessionLed", "role": "leaders",
                                "where": {"format": "workshop"}}, "count": 2}}


def test_the_repository_rules_load_and_cover_the_issue() -> None:
    rules = load_rules()
    ids = [r.id for r in rules]
    assert ISSUE_RULES <= set(ids)
    assert len(ids) >= 9 and len(set(ids)) == len(ids)
    assert load_rules() is rules                           # loaded once


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_every_image_is_a_self_contained_accessible_svg(rule) -> None:
    path = IMAGES_DIR / rule.image
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == rule.name
    assert root.find(f"{SVG}desc") is not None
    assert "href" not in text and "<script" not in text and "url(" not in text
    assert not root.findall(f".//{SVG}image") and not root.findall(f".//{SVG}foreignObject")


def test_a_rule_added_as_data_is_awarded(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "workshop-facilitator.svg").write_text("<svg/>")
    spec = tmp_path / "rules.json"
    spec.write_text(json.dumps([GOOD]))
    rules = load_rules(spec)
    log = Log()
    log.add(led(["ivan"], "s-1", fmt="workshop"))
    assert earned_badges("ivan", log.records, rules) == []
    log.add(led(["ivan"], "s-2", fmt="workshop"))
    [award] = earned_badges("ivan", log.records, rules)
    assert (award.rule_id, award.positions) == ("two-workshops", (1, 2))


def _with(path: str, value) -> dict:
    """GOOD with the value at a dotted path replaced (value None: the key removed)."""
    rule = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = rule
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return rule


@pytest.mark.parametrize(("rule", "field", "says"), [
    (_with("criteria.events.type", "SessionHeld"), "criteria.events[0].type", "event type"),
    (_with("criteria.events.role", "leader"), "criteria.events[0].role", "no field 'leader'"),
    (_with("criteria.events.role", "title"), "criteria.events[0].role", "does not name people"),
    (_with("criteria.events.where", {"format": "webinar"}), "criteria.events[0].where.format",
     "'webinar' is not one of"),
    (_with("criteria.events.where", {"format": {"like": "work%"}}),
     "criteria.events[0].where.format", "a test is a value or one of"),
    (_with("criteria.events.where", {"format": {"contains": "w"}}),
     "criteria.events[0].where.format", "needs a list field"),
    (_with("criteria.events.where", {"session.title": "x"}), "criteria.events[0].where",
     "unknown relation"),
    (_with("criteria.events.where", {"plan.involves": {"contains": "students"}}),
     "criteria.events[0].where", "has no plan_id"),
    (_with("criteria.events.of_others", 3), "criteria.events[0].of_others", "true, false"),
    (_with("criteria.count", 0), "criteria.count", "positive integer"),
    (_with("criteria.count", "3"), "criteria.count", "positive integer"),
    (_with("criteria.distinct", {"week": 2}), "criteria.distinct.week", "no field 'week'"),
    (_with("criteria.distinct", "month"), "criteria.distinct", "must be an object"),
    (_with("criteria.within_days", -1), "criteria.within_days", "positive integer"),
    (_with("criteria.events", []), "criteria.events", "non-empty"),
    (_with("criteria.events", None), "criteria.events", "is required"),
    (_with("criteria.minimum", 2), "criteria.minimum", "unknown key"),
    (_with("image", "../../etc/passwd"), "image", "file name"),
    (_with("image", "missing.svg"), "image", "is not in"),
    (_with("name", " "), "name", "non-empty"),
    (_with("id", "Two Workshops"), "id", "lower-case"),
    (_with("criteria.events.together_with", {"type": "RoleChanged", "same": ["format"]}),
     "criteria.events[0].together_with.same", "RoleChanged has no field 'format'"),
])
def test_a_malformed_rule_is_refused_naming_rule_and_field(rule, field, says) -> None:
    with pytest.raises(SpecError) as caught:
        parse_rules([rule], images_dir=IMAGES_DIR)
    error = caught.value
    assert error.field.startswith(field), str(error)
    assert says in str(error)
    assert str(error).startswith(f"rule {rule['id']!r}: ") or rule["id"] == "Two Workshops"


@pytest.mark.parametrize(("events", "field"), [
    ({"type": "ReflectionRecorded", "role": "member_id", "where": {"text": {"present": True}}},
     "criteria.events[0].where.text"),
    ({"type": "ResourceReused", "role": "member_id", "where": {"note": "Used it"}},
     "criteria.events[0].where.note"),
    ({"type": "MemberRegistered", "role": "member_id"}, None),  # ids only: fine
])
def test_a_rule_never_reads_a_personal_field(events, field) -> None:
    rule = {**GOOD, "criteria": {"events": events, "count": 1}}
    if field is None:
        assert parse_rules([rule], images_dir=IMAGES_DIR)
        return
    with pytest.raises(SpecError) as caught:
        parse_rules([rule], images_dir=IMAGES_DIR)
    assert caught.value.field == field and "personal field" in str(caught.value)


def test_duplicate_ids_and_a_spec_that_is_not_a_list_are_refused() -> None:
    with pytest.raises(SpecError, match="'two-workshops': id: is used by an earlier rule"):
        parse_rules([GOOD, GOOD])
    with pytest.raises(SpecError, match="must be a JSON list"):
        parse_rules({"rules": [GOOD]})


def test_load_rules_refuses_a_malformed_file(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    spec = tmp_path / "rules.json"
    spec.write_text(json.dumps([_with("criteria.events.role", "leader")]))
    with pytest.raises(SpecError, match=r"rule 'two-workshops': criteria.events\[0\].role"):
        load_rules(spec)
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_rules(broken)
