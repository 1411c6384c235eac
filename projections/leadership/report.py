"""Leadership reports read from the facts table, live or as of any recorded moment."""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select

from events.store import EventStore
from journey import errors
from journey.clock import format_time, from_micros
from projections.leadership.metrics import Fact, leadership, parse_day, sessions, trend
from projections.leadership.projection import EVERYWHERE
from projections.tables import leadership_changes, leadership_facts as lf

_FACT_COLUMNS = (lf.c.position, lf.c.seq, lf.c.community_id, lf.c.kind, lf.c.member_id,
                 lf.c.at, lf.c.role, lf.c.ref, lf.c.retracted_at)


@dataclass(frozen=True)
class Window:
    """A report's window by occurred_at ([start, end), YYYY-MM-DD or RFC 3339) and cut."""

    start: str | None = None
    end: str | None = None
    as_of: datetime | None = None

    def bounds(self) -> tuple[int | None, int | None]:
        try:
            start = parse_day(self.start) if self.start else None
            end = parse_day(self.end) if self.end else None
        except ValueError as exc:
            raise errors.InvalidValue(str(exc), rule="bad_window") from exc
        if start is not None and end is not None and end < start:
            raise errors.InvalidValue(f"the window ends ({self.end}) before it starts "
                                      f"({self.start})", rule="bad_window")
        return start, end


class ReportCache:
    """Computed metrics by (communities, window, trend), each with the position it holds at.

    A report is a pure function of its communities' facts up to its position. The facts of
    communities C are the same at positions p and q when nothing changed them after
    min(p, q): when the last change (leadership_changes) is at or before both. So one entry
    answers every later live request, and as-of requests at or after that change, until
    a fact of C changes. Least recently used entries go first.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, tuple[int, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple, position: int, changed: int) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (entry[0] == position
                                      or changed <= min(entry[0], position)):
                self._entries.move_to_end(key)
                self.hits += 1
                return copy.deepcopy(entry[1])
            self.misses += 1
            return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, key: tuple, position: int, body: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = (position, copy.deepcopy(body))
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


class LeadershipReports:
    """DESIGN's leadership report for a community or a network."""

    def __init__(self, engine: Engine, store: EventStore, checkpoint,
                 cache: ReportCache | None = None) -> None:
        self.engine = engine
        self.store = store
        self.checkpoint = checkpoint  # () -> position the leadership facts have folded
        self.cache = cache if cache is not None else ReportCache()

    def cut(self, window: Window) -> int:
        """The as_of_position: the log prefix recorded by as_of (or all that is folded)."""
        folded = self.checkpoint()
        if window.as_of is None:
            return folded
        return min(self.store.position_at(window.as_of), folded)

    def community(self, community_id: str, window: Window, *, with_trend: bool = False
                  ) -> dict[str, Any]:
        position = self.cut(window)
        if community_id not in self._communities(position, None):
            raise errors.UnknownReference(
                f"there is no community {community_id}" + _as_of_words(window),
                rule="unknown_community")
        return self._report({"community_id": community_id}, {community_id}, window, position,
                            with_trend)

    def network(self, network_id: str, window: Window, *, with_trend: bool = False
                ) -> dict[str, Any]:
        position = self.cut(window)
        communities = self._communities(position, network_id)
        if not communities and network_id not in self.store.state.networks:
            self.store.catch_up()
            if network_id not in self.store.state.networks:
                raise errors.UnknownReference(f"there is no network {network_id}",
                                              rule="unknown_network")
        return self._report({"network_id": network_id}, communities, window, position,
                            with_trend)

    def communities_of(self, network_id: str | None) -> list[str]:
        """Communities founded so far (in a network, or all)."""
        return sorted(self._communities(self.checkpoint(), network_id))

    def _report(self, head: dict[str, Any], communities: set[str], window: Window,
                position: int, with_trend: bool) -> dict[str, Any]:
        start, end = window.bounds()
        report = {**head, "from": window.start, "to": window.end,
                  "as_of": format_time(window.as_of) if window.as_of else None,
                  "as_of_position": position}
        key = (tuple(sorted(communities)), start, end, with_trend)
        changed = self._changed(communities)
        metrics = self.cache.get(key, position, changed)
        if metrics is None:
            metrics = self._metrics(communities, start, end, position, with_trend)
            self.cache.put(key, position, metrics)
        report.update(metrics)
        return report

    def _metrics(self, communities: set[str], start: int | None, end: int | None,
                 position: int, with_trend: bool) -> dict[str, Any]:
        facts = self._facts(communities, position)
        owners = self._owners(facts, position)
        metrics = leadership(facts, communities=communities, start=start, end=end,
                             as_of_position=position, resource_owners=owners)
        if with_trend:
            metrics["trend"] = trend(facts, communities=communities, start=start, end=end,
                                     as_of_position=position, resource_owners=owners)
        return metrics

    def _changed(self, communities: set[str]) -> int:
        """The last position at which a fact the communities' reports read changed."""
        table = leadership_changes
        with self.engine.connect() as conn:
            found = conn.execute(select(func.max(table.c.changed_at)).where(
                table.c.community_id.in_([*sorted(communities), EVERYWHERE]))).scalar()
        return found or 0

    def sessions_rows(self, communities: list[str], window: Window) -> list[list[Any]]:
        """SESSIONS_CSV_COLUMNS rows: every non-retracted session held in the window."""
        position = self.cut(window)
        start, end = window.bounds()
        chosen = set(communities)
        facts = self._facts(chosen, position)
        refs = {(f.position): f.ref for f in facts if f.kind == "session"}
        return [[s["community_id"], refs.get(s["position"]), format_time(from_micros(s["at"])),
                 s["position"], ";".join(s["leaders"]), len(s["attendees"]),
                 "yes" if s["member_led"] else "no"]
                for s in sessions(facts, communities=chosen, start=start, end=end,
                                  as_of_position=position)]

    def _communities(self, position: int, network_id: str | None) -> set[str]:
        query = select(lf.c.community_id).where(lf.c.kind == "founded", lf.c.position <= position)
        if network_id is not None:
            query = query.where(lf.c.ref == network_id)
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def _facts(self, communities: set[str], position: int) -> list[Fact]:
        if not communities:
            return []
        query = select(*_FACT_COLUMNS).where(lf.c.community_id.in_(sorted(communities)),
                                             lf.c.position <= position)
        with self.engine.connect() as conn:
            return [Fact(*row) for row in conn.execute(query)]

    def _owners(self, facts: list[Fact], position: int) -> dict[str, str]:
        """Who shared each reused resource (in any community), as of the cut."""
        wanted = sorted({f.ref for f in facts if f.kind == "reused" and f.ref})
        owners: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in range(0, len(wanted), 500):
                rows = conn.execute(select(lf.c.ref, lf.c.member_id).where(
                    lf.c.kind == "shared", lf.c.ref.in_(wanted[chunk:chunk + 500]),
                    lf.c.position <= position,
                    or_(lf.c.retracted_at.is_(None), lf.c.retracted_at > position)))
                owners.update({ref: member for ref, member in rows})
        return owners


def _as_of_words(window: Window) -> str:
    return f" as of {format_time(window.as_of)}" if window.as_of else ""


def parse_period(text: str) -> Window:
    """`2024-01-01..2024-07-01` (either side may be empty) as a window."""
    if ".." not in text:
        raise errors.InvalidValue(f"{text!r} is not a period such as 2024-01-01..2024-07-01",
                                  rule="bad_window")
    start, end = text.split("..", 1)
    window = Window(start.strip() or None, end.strip() or None)
    window.bounds()
    return window


LEADERSHIP_CSV_COLUMNS = ("scope", "id", "from", "to", "as_of", "as_of_position", "enrolled",
                          "sessions", "breadth", "gini", "entropy", "member_led_share",
                          "rotation", "reciprocity", "in_degree_centralization", "core",
                          "active", "peripheral", "inactive")


def leadership_csv_row(report: dict[str, Any]) -> list[Any]:
    """One CSV row of a leadership report: the metrics, and tier counts instead of names."""
    scope = "community" if "community_id" in report else "network"
    counts = {tier: 0 for tier in ("core", "active", "peripheral", "inactive")}
    for tier in report["tiers"].values():
        counts[tier] += 1
    values = {**report, "scope": scope,
              "id": report.get("community_id") or report.get("network_id"), **counts}
    return ["" if values[c] is None else values[c] for c in LEADERSHIP_CSV_COLUMNS]


SESSIONS_CSV_COLUMNS = ("community_id", "session_id", "occurred_at", "position", "leaders",
                        "attendees", "member_led")
