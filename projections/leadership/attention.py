"""Who needs a facilitator's attention: members who never led, members drifting away.

A community of practice distributes leadership when members — whatever their role —
lead sessions, and it loses people at its edges before they leave. A facilitator looks
for both: who has never led a session (an invitation to co-lead the next one), and who
moved from the core or the active middle to the periphery between two quarters (a
colleague to call). These are pure functions of plain data taken from the community
view (its calendar), the leadership report's `tiers`, and a portfolio's timeline, so the
pages stay thin and the rules are tested on lists and dicts.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Tiers from the core to the periphery (DESIGN "tier").
ENGAGED = frozenset({"core", "active"})
PERIPHERY = frozenset({"peripheral", "inactive"})
RANK = {"inactive": 0, "peripheral": 1, "active": 2, "core": 3}


def never_led(member_ids: Iterable[str], sessions: Iterable[Mapping[str, Any]]) -> list[str]:
    """The members (in the order given) who led none of the held sessions.

    `sessions` are calendar entries of the community view: only those with
    status "held" count, and each names its `leaders` as {"member_id": ...} or as ids.
    """
    led: set[str] = set()
    for session in sessions:
        if session.get("status", "held") != "held":
            continue
        for leader in session.get("leaders") or ():
            led.add(leader["member_id"] if isinstance(leader, Mapping) else leader)
    return [m for m in dict.fromkeys(member_ids) if m not in led]


@dataclass(frozen=True)
class Drift:
    """A member whose tier fell from core/active to peripheral/inactive."""

    member_id: str
    before: str
    now: str


def drifting(before: Mapping[str, str], now: Mapping[str, str]) -> list[Drift]:
    """Members engaged (core or active) in `before` and at the periphery in `now`.

    Both are `tiers` of leadership reports ({member: tier}) over two consecutive windows.
    Only people enrolled in the later window are listed (someone who left is not
    drifting: they are gone). Sorted by how far they fell, then by id.
    """
    found = [Drift(m, before[m], tier) for m, tier in now.items()
             if before.get(m) in ENGAGED and tier in PERIPHERY]
    return sorted(found, key=lambda d: (RANK[d.now] - RANK[d.before], d.member_id))


def previous_quarter(label: str) -> str:
    """The calendar quarter before `label` ("2024-Q1" -> "2023-Q4")."""
    year, quarter = _parse_quarter(label)
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def quarter_bounds(label: str) -> tuple[str, str]:
    """The window [from, to) of a quarter as YYYY-MM-DD ("2024-Q4" -> 2024-10-01, 2025-01-01)."""
    year, quarter = _parse_quarter(label)
    start = f"{year:04d}-{3 * (quarter - 1) + 1:02d}-01"
    end = f"{year + 1:04d}-01-01" if quarter == 4 else f"{year:04d}-{3 * quarter + 1:02d}-01"
    return start, end


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last`, both included ([] when last is before first)."""
    out: list[str] = []
    label = last
    start = _parse_quarter(first)
    while _parse_quarter(label) >= start:
        out.append(label)
        label = previous_quarter(label)
    return out[::-1]


def quarter_of(day: str) -> str:
    """The quarter of a YYYY-MM-DD date (or RFC 3339 time)."""
    year, month = int(day[:4]), int(day[5:7])
    return f"{year}-Q{(month - 1) // 3 + 1}"


def _parse_quarter(label: str) -> tuple[int, int]:
    try:
        year_text, q_text = label.split("-Q")
        year, quarter = int(year_text), int(q_text)
    except ValueError:
        raise ValueError(f"{label!r} is not a quarter such as 2024-Q1") from None
    if not 1 <= quarter <= 4 or not 1 <= year <= 9998:
        raise ValueError(f"{label!r} is not a quarter such as 2024-Q1")
    return year, quarter


#: Event types that may be a recognition's evidence, and the fields naming who did them
#: (DESIGN: evidence = non-retracted events of the community by the awardee, never a
#: private reflection).
_DOERS = {"SessionLed": ("leaders",), "ResourceShared": ("member_id",),
          "ResourceReused": ("member_id",), "FeedbackGiven": ("from_member_id",),
          "ReflectionRecorded": ("member_id",), "ActionStepCompleted": ("member_ids",)}


def evidence_choices(timeline: Iterable[Mapping[str, Any]], community_id: str,
                     member_id: str) -> list[Mapping[str, Any]]:
    """The entries of a member's portfolio timeline a facilitator may cite as evidence.

    Content events of `community_id` that the member did (led, shared, reused, gave
    feedback, reflected, completed a step), reflections other than private ones. The
    timeline already leaves out retracted entries and what the viewer may not see; the
    domain judges the award again when it is recorded.
    """
    chosen = []
    for entry in timeline:
        fields = _DOERS.get(entry.get("type", ""))
        data = entry.get("data") or {}
        if fields is None or entry.get("community_id") != community_id:
            continue
        if entry["type"] == "ReflectionRecorded" and data.get("visibility") == "private":
            continue
        people: set[str] = set()
        for name in fields:
            value = data.get(name)
            people.update(value if isinstance(value, (list, tuple)) else [value])
        if member_id in people:
            chosen.append(entry)
    return chosen


def community_awards(portfolios: Iterable[Mapping[str, Any]], community_id: str
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Standing and revoked recognitions of one community, gathered from portfolio views.

    Each recognition gets the portfolio's `member`; both lists are newest award first.
    """
    standing: list[dict[str, Any]] = []
    revoked: list[dict[str, Any]] = []
    for view in portfolios:
        for target, items in ((standing, view.get("recognitions") or ()),
                              (revoked, view.get("revoked_recognitions") or ())):
            target.extend({**item, "member": view.get("member")} for item in items
                          if item.get("community_id") == community_id)
    standing.sort(key=lambda a: a.get("position", 0), reverse=True)
    revoked.sort(key=lambda a: a.get("position", 0), reverse=True)
    return standing, revoked
