"""What the log knows of an event once appended, and the commands that ask for appends."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journey.events import Event


@dataclass(frozen=True, slots=True)
class Recorded:
    """One event as the log holds it (personal fields in clear, as the domain sees them)."""

    position: int
    event_id: str
    stream: str
    version: int
    event: Event
    actor: str
    occurred_at: datetime
    recorded_at: datetime
    schema_version: int = 1
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.event.type


@dataclass(frozen=True, slots=True)
class Proposed:
    """An event the domain decided to append, before the store gives it a position."""

    stream: str
    event: Event
    actor: str
    occurred_at: datetime


@dataclass(frozen=True)
class RecordEvent:
    """Append one event of any type as `actor`, judged by the rules of that type."""

    event: Event
    actor: str
    occurred_at: datetime
    #: True when the caller is trusted as an admin (an admin account, or the operator's CLI).
    privileged: bool = False


@dataclass(frozen=True)
class HandOverFacilitation:
    """Make `to_member` a facilitator and `from_member` a member, in one transaction."""

    community_id: str
    from_member: str
    to_member: str
    actor: str
    occurred_at: datetime
    privileged: bool = False


Command = RecordEvent | HandOverFacilitation
