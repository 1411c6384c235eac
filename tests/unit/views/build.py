"""A log in a list for the view folds: Recorded events, positions 1, 2, 3, ... No rules.

`at` is occurred_at (YYYY-MM-DD or RFC 3339); recorded_at grows by a second per event,
so `log.upto(p)` is exactly the as_of cut at the recorded_at of position p.

`world()` is the cast of the visibility tests:
- network serbia-sel: vrsac-1 (ana facilitator; ivan, mila members), vrsac-2 (zoran),
  and serbia-hub (ana), where koord is a coordinator;
- network mk-net: skopje-1 (jelena).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from journey import events as ev
from journey.clock import UTC, parse_time
from journey.records import Recorded
from tests.unit.domain import make

RECORDED = datetime(2025, 1, 1, tzinfo=UTC)
CIPHER = "enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"  # a value whose key is gone


class Log:
    """An in-memory log; every call returns the new event's position."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []

    def add(self, event: ev.Event, actor: str, at: str = "2024-03-05T14:00:00Z", *,
            correlation: str | None = None) -> int:
        position = len(self.records) + 1
        self.records.append(Recorded(
            position=position, event_id=f"e-{position}", stream="s", version=position,
            event=event, actor=actor, occurred_at=parse_time(at),
            recorded_at=RECORDED + timedelta(seconds=position),
            meta={"correlation_id": correlation or f"c-{position}"}))
        return position

    def upto(self, position: int) -> list[Recorded]:
        """The log as of the recorded_at of `position`."""
        return self.records[:position]

    def recorded_at(self, position: int) -> datetime:
        return self.records[position - 1].recorded_at

    # -- shorthands ---------------------------------------------------------------------

    def people(self, *members: str, at: str = "2023-09-01") -> None:
        for m in members:
            self.add(make.registered(m), m, at)

    def community(self, community: str, network: str | None, facilitator: str,
                  members: tuple[str, ...] = (), at: str = "2024-01-10") -> None:
        self.add(make.founded(community, network), facilitator, at)
        self.add(make.joined(facilitator, "facilitator", community), facilitator, at)
        for m in members:
            self.add(make.joined(m, "member", community, invited_by=facilitator), facilitator, at)

    def reflect(self, reflection_id: str, member: str, visibility: str,
                community: str | None = "vrsac-1", at: str = "2024-03-05T14:00:00Z",
                value_cycle: str | None = "immediate", text: str = "I learned") -> int:
        return self.add(ev.ReflectionRecorded(
            reflection_id=reflection_id, member_id=member, text=text, community_id=community,
            visibility=visibility, value_cycle=value_cycle), member, at)


def world() -> Log:
    """Two networks, four communities, six people (see the module docstring)."""
    log = Log()
    log.people("ana", "ivan", "mila", "zoran", "jelena", "koord")
    log.add(make.network_created("serbia-sel"), "ana", "2024-01-01")
    log.add(make.network_created("mk-net"), "jelena", "2024-01-01")
    log.community("vrsac-1", "serbia-sel", "ana", ("ivan", "mila"))
    log.community("vrsac-2", "serbia-sel", "zoran")
    log.community("serbia-hub", "serbia-sel", "ana")
    log.add(make.joined("koord", "coordinator", "serbia-hub", invited_by="ana"), "ana",
            "2024-01-10")
    log.community("skopje-1", "mk-net", "jelena")
    return log


def names(items: list[dict[str, Any]]) -> list[str]:
    """The member ids of a list of person references."""
    return [p["member_id"] for p in items]
