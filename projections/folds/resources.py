"""The resource library: what was shared, and how often others reused it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from journey import events as ev
from journey.clock import format_time
from journey.records import Recorded
from projections.folds.history import Settled
from projections.folds.personal import People


def library(settled: Settled, people: People,
            wanted: Callable[[ev.ResourceShared], bool]) -> list[dict[str, Any]]:
    """The shared resources `wanted` picks, in the order shared, with reuse by others.

    A reuse counts only when someone other than the sharer reused it (the sharer using
    their own rubric again is not knowledge passed on), each reuse event once; retracted
    reuses count nowhere.
    """
    shared: dict[str, tuple[Recorded, ev.ResourceShared]] = {}
    reused: dict[str, list[ev.ResourceReused]] = {}
    for rec in settled.records:
        e = rec.event
        if isinstance(e, ev.ResourceShared) and wanted(e):
            shared.setdefault(e.resource_id, (rec, e))
        elif isinstance(e, ev.ResourceReused):
            reused.setdefault(e.resource_id, []).append(e)
    items = []
    for resource_id, (rec, e) in shared.items():
        by_others = [r for r in reused.get(resource_id, ()) if r.member_id != e.member_id]
        reusers = list(dict.fromkeys(r.member_id for r in by_others))
        items.append({
            "resource_id": resource_id, "community_id": e.community_id, "title": e.title,
            "kind": e.kind, "url": e.url, "file": e.file, "tags": list(e.tags or ()),
            "shared_by": people.ref(e.member_id), "shared_at": format_time(rec.occurred_at),
            "position": rec.position, "corrected": rec.position in settled.corrected,
            "reuses_by_others": len(by_others), "reused_by": people.refs(reusers),
        })
    return items


def tags(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """tag -> ids of the resources carrying it, tags in alphabetical order."""
    found: dict[str, list[str]] = {}
    for item in items:
        for tag in item["tags"]:
            found.setdefault(tag, []).append(item["resource_id"])
    return dict(sorted(found.items()))
