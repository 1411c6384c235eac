"""The portfolio's timeline: every event a member took part in, filtered as asked."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from journey import errors
from journey.clock import format_time, parse_time, window_bounds
from journey.events import EVENT_TYPES
from journey.records import Recorded

# Each event type belongs to one kind, the coarser filter a person picks from.
KINDS = {
    "NetworkCreated": "community", "CommunityFounded": "community",
    "MemberJoined": "membership", "RoleChanged": "membership", "MemberLeft": "membership",
    "NormsAgreed": "norms",
    "SessionScheduled": "session", "SessionCancelled": "session", "SessionLed": "session",
    "ResourceShared": "resource", "ResourceReused": "resource",
    "FeedbackGiven": "feedback",
    "ReflectionRecorded": "reflection",
    "ActionPlanCreated": "plan", "ActionPlanRevised": "plan", "ActionStepCompleted": "step",
    "BadgeDefined": "recognition", "RecognitionAwarded": "recognition",
}
# The field that says in a few words what the entry is about.
_SUMMARY = {
    "NetworkCreated": "name", "CommunityFounded": "name", "MemberJoined": "role",
    "RoleChanged": "to_role", "NormsAgreed": "norms", "SessionScheduled": "title",
    "SessionCancelled": "reason", "SessionLed": "title", "ResourceShared": "title",
    "ResourceReused": "note", "FeedbackGiven": "text", "ReflectionRecorded": "text",
    "ActionPlanCreated": "inquiry_question", "ActionPlanRevised": "note",
    "ActionStepCompleted": "outcome", "BadgeDefined": "name", "RecognitionAwarded": "note",
}


@dataclass(frozen=True)
class Filters:
    """Which timeline entries to keep: communities, types, kinds, [start, end) by occurred_at."""

    communities: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    start: str | None = None
    end: str | None = None

    @classmethod
    def parse(cls, given: Mapping[str, Any] | None) -> "Filters":
        """From {"community", "type", "kind", "from", "to"} (singular or plural, str or list)."""
        given = dict(given or {})
        names = {"community": "communities", "communities": "communities", "type": "types",
                 "types": "types", "kind": "kinds", "kinds": "kinds"}
        unknown = sorted(set(given) - set(names) - {"from", "to"})
        if unknown:
            message = f"unknown filter {unknown[0]!r}"
            raise errors.InvalidValue(message, rule="bad_filter",
                                      fields={unknown[0]: [message]})
        sets: dict[str, set[str]] = {"communities": set(), "types": set(), "kinds": set()}
        for name, target in names.items():
            value = given.get(name)
            if value:
                sets[target].update([value] if isinstance(value, str) else value)
        for name, allowed in (("type", set(EVENT_TYPES)), ("kind", set(KINDS.values()))):
            wrong = sorted(sets[f"{name}s"] - allowed)
            if wrong:
                message = f"{wrong[0]!r} is not one of {sorted(allowed)}"
                raise errors.InvalidValue(message, rule="bad_filter",
                                          fields={name: [message]})
        found = cls(frozenset(sets["communities"]), frozenset(sets["types"]),
                    frozenset(sets["kinds"]), given.get("from"), given.get("to"))
        found.bounds()
        return found

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as times (YYYY-MM-DD is 00:00 UTC), refused as the leadership
        report refuses its window."""
        return window_bounds(self.start, self.end, parse_time, rule="bad_filter")

    def keeps(self, entry: dict[str, Any]) -> bool:
        """Whether a timeline entry passes every filter."""
        start, end = self.bounds()
        at = parse_time(entry["occurred_at"])
        return ((not self.communities or entry["community_id"] in self.communities)
                and (not self.types or entry["type"] in self.types)
                and (not self.kinds or entry["kind"] in self.kinds)
                and (start is None or at >= start) and (end is None or at < end))

    def keeper(self) -> "Callable[[dict[str, Any], datetime], bool]":
        """`keeps` as a function of an entry and its event's occurred_at, bounds parsed once."""
        start, end = self.bounds()
        communities, types, kinds = self.communities, self.types, self.kinds

        def keeps(entry: dict[str, Any], at: datetime) -> bool:
            return ((not communities or entry["community_id"] in communities)
                    and (not types or entry["type"] in types)
                    and (not kinds or entry["kind"] in kinds)
                    and (start is None or at >= start) and (end is None or at < end))
        return keeps

    def to_dict(self) -> dict[str, Any]:
        """The filters as the view echoes them."""
        return {"communities": sorted(self.communities), "types": sorted(self.types),
                "kinds": sorted(self.kinds), "from": self.start, "to": self.end}


def entry(rec: Recorded, data: dict[str, Any], corrected: bool) -> dict[str, Any]:
    """One timeline entry: when, what, where, a summary and the event's readable data."""
    summary = data.get(_SUMMARY.get(rec.type, ""))
    if isinstance(summary, list):
        summary = "; ".join(str(s) for s in summary)
    return {"position": rec.position, "occurred_at": format_time(rec.occurred_at),
            "type": rec.type, "kind": KINDS[rec.type], "community_id": data.get("community_id"),
            "summary": summary, "corrected": corrected, "data": data}


def ordered(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries by occurred_at, ties by position (DESIGN's timeline order)."""
    return sorted(entries, key=lambda e: (parse_time(e["occurred_at"]), e["position"]))


#: Timeline entries a portfolio answer of the API holds unless asked for more (or fewer).
TIMELINE_LIMIT = 1000
TIMELINE_MAX = 100_000


def timeline_page(view: dict[str, Any], limit: int, offset: int | None = None, *,
                  around: int | None = None, partition: bool = False) -> dict[str, Any]:
    """`view` (a portfolio) with one page of its timeline, and `timeline_page` saying which.

    Entries stay in time order; `offset` counts from the oldest entry (0), and without it
    the page is the latest `limit` entries. Pages are counted back from the latest, so
    `around` (a position; it wins over `offset`) picks the page of those that holds its
    entry, the latest if none does. With `partition` (the pages' paging), a page ends
    where the next page counted back from the latest starts: the pages partition the
    timeline, and the oldest one may be short. Without it (the API), a page is the
    `limit` entries from `offset`. `timeline_page` = {"total", "offset", "limit",
    "count"}: every entry the filters keep, where the page starts, its size as asked, and
    how many entries it holds. `view` itself is not changed."""
    entries = view["timeline"]
    total = len(entries)
    start = max(0, total - limit) if offset is None else min(offset, total)
    if around is not None:
        index = next((i for i, e in enumerate(entries) if e["position"] == around), None)
        if index is not None:
            start = page_start(total, index, limit)
    end = page_end(total, start, limit) if partition else start + limit
    page = entries[start:end]
    return {**view, "timeline": page,
            "timeline_page": {"total": total, "offset": start, "limit": limit,
                              "count": len(page)}}


def page_start(total: int, index: int, limit: int) -> int:
    """Where the page holding entry `index` starts, pages counted back from the latest
    (the oldest page starts at 0, and ends where the next one starts)."""
    return max(0, total - ((total - 1 - index) // limit + 1) * limit)


def page_end(total: int, start: int, limit: int) -> int:
    """Where a page starting at `start` ends: at the start of the next page counted back
    from the latest (at most `limit` entries on), or at the end of the timeline."""
    if start >= total:
        return total
    return start + (total - start - 1) % limit + 1


def neighbours(page: dict[str, int]) -> tuple[int | None, int | None]:
    """The starts of the pages before and after `page` (a `timeline_page`), None where
    there is none: the pages counted back from the latest, whatever offset `page` has."""
    total, start, count, limit = page["total"], page["offset"], page["count"], page["limit"]
    earlier = page_start(total, start - 1, limit) if 0 < start <= total else None
    later = page_start(total, start + count, limit) if start + count < total else None
    return earlier, later
