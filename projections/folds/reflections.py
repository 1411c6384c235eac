"""Reflections as they stand: corrected, unretracted, with their latest visibility."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from journey import events as ev
from journey.clock import format_time
from projections.folds.history import Settled
from projections.folds.personal import People


@dataclass(frozen=True, slots=True)
class Reflection:
    """One reflection, ready to be shown (text None when it can no longer be read)."""

    reflection_id: str
    member_id: str
    community_id: str | None
    visibility: str
    value_cycle: str | None
    prompt: str | None
    text: str | None
    about: tuple[int, ...]
    position: int
    occurred_at: datetime
    corrected: bool

    def to_dict(self, people: People) -> dict[str, Any]:
        """The reflection as views show it."""
        return {"reflection_id": self.reflection_id, "member": people.ref(self.member_id),
                "community_id": self.community_id, "visibility": self.visibility,
                "value_cycle": self.value_cycle, "prompt": self.prompt, "text": self.text,
                "about": list(self.about), "position": self.position,
                "occurred_at": format_time(self.occurred_at), "corrected": self.corrected}


def reflections(settled: Settled, people: People) -> dict[str, Reflection]:
    """reflection_id -> Reflection, visibility changes applied in log order."""
    found: dict[str, Reflection] = {}
    for rec in settled.records:
        e = rec.event
        if isinstance(e, ev.ReflectionRecorded):
            found[e.reflection_id] = Reflection(
                e.reflection_id, e.member_id, e.community_id, e.visibility, e.value_cycle,
                e.prompt, people.text(rec, "text"), tuple(e.about or ()), rec.position,
                rec.occurred_at, rec.position in settled.corrected)
        elif isinstance(e, ev.ReflectionVisibilityChanged) and e.reflection_id in found:
            found[e.reflection_id] = replace(found[e.reflection_id], visibility=e.visibility)
    return found
