"""Leadership reports read from the facts table, live or as of any recorded moment."""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from events.store import EventStore
from journey import errors
from journey.clock import format_time, from_micros, window_bounds
from projections.csv_rows import yes_no
from projections.leadership.metrics import (Log, Tallies, combined, measure,
                                            membership_by_community, membership_of, merged,
                                            parse_day, sessions)
from projections.leadership.projection import EVERYWHERE
from projections.leadership.queries import Scope
from projections.tables import leadership_changes, leadership_facts as lf

# What the sessions CSV reads: the sessions, who led and attended, and roles over time.
_SESSION_KINDS = ("session", "led", "attended", "join", "role", "leave")


@dataclass(frozen=True)
class Window:
    """A report's window by occurred_at ([start, end), YYYY-MM-DD or RFC 3339) and cut."""

    start: str | None = None
    end: str | None = None
    as_of: datetime | None = None

    def bounds(self) -> tuple[int | None, int | None]:
        return window_bounds(self.start, self.end, parse_day, rule="bad_window")


class ReportCache:
    """Computed metrics by (communities, window, trend), each with the position it holds at.

    A report is a pure function of its communities' facts up to its position. The facts of
    communities C are the same at positions p and q when nothing changed them after
    min(p, q): when the last change (leadership_changes) is at or before both. So one entry
    answers every later live request, and as-of requests at or after that change, until
    a fact of C changes.

    Entries without a trend also keep their tallies and membership timelines: when every
    change since the entry's position was an addition of facts (no membership fact, no
    retraction: reshaped_at is at or before it), a later report counts only the facts
    added since and adds them (`basis`). A report of several communities is made of each
    community's tallies (`counted`), so a change in one community recounts only that
    one; each community's entry answers its own report too. Least recently used entries
    go first (a network's report keeps one entry per community).
    """

    def __init__(self, size: int = 1024, reach: int = 20_000) -> None:
        self.size = size
        # Counting forward walks the log positions after the basis (facts of every
        # community): beyond this many, counting the communities' facts afresh is cheaper.
        self.reach = reach
        self._entries: OrderedDict[tuple, tuple[int, dict[str, Any], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.advanced = 0  # reports brought forward from a basis

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

    def counted(self, key: tuple, position: int, changed: int) -> tuple[Tallies, Log] | None:
        """The tallies and membership of an entry that holds at `position` (as `get`)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[2] is None or not (
                    entry[0] == position or changed <= min(entry[0], position)):
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def basis(self, key: tuple, position: int, reshaped: int
              ) -> tuple[int, Tallies, Log] | None:
        """(its position, tallies, membership) of an entry a report at `position` can be
        counted forward from, if any."""
        with self._lock:
            entry = self._entries.get(key)
            if (entry is None or entry[2] is None or not reshaped <= entry[0] < position
                    or position - entry[0] > self.reach):
                return None
            self.advanced += 1
            return (entry[0], *entry[2])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, key: tuple, position: int, body: dict[str, Any],
            counted: tuple[Tallies, Log] | None = None) -> None:
        with self._lock:
            self._entries[key] = (position, copy.deepcopy(body), counted)
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
        self._known_network(network_id, window)
        communities = self._communities(position, network_id)
        return self._report({"network_id": network_id}, communities, window, position,
                            with_trend)

    def _known_network(self, network_id: str, window: Window | None) -> None:
        """Refuse (unknown_network) a network the log did not know by the window's as_of."""
        created = self.store.state.networks.get(network_id)
        if created is None:
            self.store.catch_up()
            created = self.store.state.networks.get(network_id)
        # As of a moment before the log knew the network, there was no such network: the
        # same answer as a community's report (and every view) as of before its founding.
        as_of = window.as_of if window is not None else None
        if created is None or (as_of is not None and created > self.store.position_at(as_of)):
            raise errors.UnknownReference(
                f"there is no network {network_id}" + _as_of_words(window),
                rule="unknown_network")

    def communities_of(self, network_id: str | None, window: Window | None = None
                       ) -> list[str]:
        """Communities founded so far, or by the window's as_of (in a network, or all);
        unknown_network for a network the log did not know by then."""
        if network_id is not None:
            self._known_network(network_id, window)
        position = self.checkpoint() if window is None else self.cut(window)
        return sorted(self._communities(position, network_id))

    def _report(self, head: dict[str, Any], communities: set[str], window: Window,
                position: int, with_trend: bool) -> dict[str, Any]:
        start, end = window.bounds()
        report = {**head, "from": window.start, "to": window.end,
                  "as_of": format_time(window.as_of) if window.as_of else None,
                  "as_of_position": position}
        key = (tuple(sorted(communities)), start, end, with_trend)
        changes = self._changes(communities)
        metrics = self.cache.get(key, position, max((c for c, _ in changes.values()), default=0))
        if metrics is None:
            metrics = self._metrics(key, communities, (start, end), position, changes,
                                    live=window.as_of is None)
        report.update(metrics)
        return report

    def _metrics(self, key: tuple, communities: set[str], window: tuple[int | None, int | None],
                 position: int, changes: dict[str, tuple[int, int]], *, live: bool = True
                 ) -> dict[str, Any]:
        """Compute the metrics (counting forward from a cached basis when one holds, or,
        live, from each community's tallies), and cache them.

        A report as of a past moment is counted whole: its communities' tallies at that
        cut seldom serve again, and counting them apart costs a fifth more."""
        start, end = window
        with_trend = key[-1]
        with self.engine.connect() as conn:
            if with_trend:
                scope = Scope(conn, communities, position)
                metrics = scope.metrics(start, end)
                metrics["trend"] = scope.trend(start, end)
                self.cache.put(key, position, metrics)
                return metrics
            reshaped = max((r for _, r in changes.values()), default=0)
            basis = self.cache.basis(key, position, reshaped)
            if basis is not None:
                since, counted, membership = basis
                scope = Scope(conn, communities, position, since=since, membership=membership)
                tallies = combined(counted, scope.tally(start, end))
            elif live and len(communities) > 1:
                tallies, membership = self._of_communities(conn, communities, window, position,
                                                           changes)
            else:
                scope = Scope(conn, communities, position)
                tallies, membership = scope.tally(start, end), scope.membership
        metrics = measure(membership.spans, tallies, start, end)
        self.cache.put(key, position, metrics, (tallies, membership))
        return metrics

    def _of_communities(self, conn: Connection, communities: set[str],
                        window: tuple[int | None, int | None], position: int,
                        changes: dict[str, tuple[int, int]]) -> tuple[Tallies, Log]:
        """The tallies and membership of several communities, made of each one's: cached
        where its facts stood still since, counted together for the others (and cached as
        their own reports). Rotation is of all the communities' last sessions together."""
        start, end = window
        parts: dict[str, tuple[Tallies, Log]] = {}
        for community_id in communities:
            found = self.cache.counted(((community_id,), start, end, False), position,
                                       changes[community_id][0])
            if found is not None:
                parts[community_id] = found
        stale = communities - parts.keys()
        scope = Scope(conn, stale, position)
        logs = membership_by_community(scope.membership, stale, position)
        network_rotation, rotations = Scope(conn, communities, position,
                                            membership=scope.membership).rotations(end)
        for community_id, tallies in scope.tallies(start, end, rotations).items():
            log = logs[community_id]
            parts[community_id] = (tallies, log)
            self.cache.put(((community_id,), start, end, False), position,
                           measure(log.spans, tallies, start, end), (tallies, log))
        return (merged((t for t, _ in parts.values()), rotation=network_rotation),
                membership_of((log for _, log in parts.values()), communities, position))

    def _changes(self, communities: set[str]) -> dict[str, tuple[int, int]]:
        """For each community, the last positions at which a fact its reports read changed,
        and at which one changed otherwise than by being added (a change stamped '*',
        which reaches every community, included)."""
        table = leadership_changes
        with self.engine.connect() as conn:
            found = {community_id: (changed, reshaped) for community_id, changed, reshaped
                     in conn.execute(select(table.c.community_id, table.c.changed_at,
                                            table.c.reshaped_at)
                                     .where(table.c.community_id.in_(
                                         [*sorted(communities), EVERYWHERE])))}
        everywhere = found.get(EVERYWHERE, (0, 0))
        return {c: tuple(map(max, found.get(c, (0, 0)), everywhere))  # type: ignore[misc]
                for c in communities}

    def sessions_rows(self, communities: list[str], window: Window) -> list[list[Any]]:
        """SESSIONS_CSV_COLUMNS rows: every non-retracted session held in the window."""
        position = self.cut(window)
        start, end = window.bounds()
        chosen = set(communities)
        with self.engine.connect() as conn:
            facts = Scope(conn, chosen, position).facts(_SESSION_KINDS)
        refs = {(f.position): f.ref for f in facts if f.kind == "session"}
        return [[s["community_id"], refs.get(s["position"]), format_time(from_micros(s["at"])),
                 s["position"], ";".join(s["leaders"]), len(s["attendees"]),
                 yes_no(s["member_led"])]
                for s in sessions(facts, communities=chosen, start=start, end=end,
                                  as_of_position=position)]

    def _communities(self, position: int, network_id: str | None) -> set[str]:
        query = select(lf.c.community_id).where(lf.c.kind == "founded", lf.c.position <= position)
        if network_id is not None:
            query = query.where(lf.c.ref == network_id)
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())


def _as_of_words(window: Window | None) -> str:
    return f" as of {format_time(window.as_of)}" if window is not None and window.as_of else ""


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
