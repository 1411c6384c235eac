"""Leadership tallies counted by the database: a few aggregate queries per window.

metrics.tally counts the same things from facts held in memory, and is the reference:
the integration tests compare both on random logs, as of random cuts. Loading every fact
of a network to count them in Python costs seconds per million events; the database
counts inside its indexes and hands back one row per member or per pair instead. Only the
membership facts (a few per person) and the leaders of the window's sessions (whether a
`member` led each one needs the role at that moment) come back as rows.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, case, distinct, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from events.sql import IN_PAGE
from projections.leadership.metrics import (ACTIONS, LEADING, MEMBERSHIP, ROTATION_SESSIONS,
                                            Fact, Log, Tallies, by_quarter, measure)
from projections.tables import leadership_facts as lf

_ALL = ""  # the key of the tallies of all the communities as one (no community's id)
_FACT_COLUMNS = (lf.c.position, lf.c.seq, lf.c.community_id, lf.c.kind, lf.c.member_id,
                 lf.c.at, lf.c.role, lf.c.ref, lf.c.retracted_at)


def known(table, position: int) -> ColumnElement[bool]:
    """In the cut and not retracted by it (a later retraction is not applied yet)."""
    return and_(table.c.position <= position,
                or_(table.c.retracted_at.is_(None), table.c.retracted_at > position))


class Scope:
    """Some communities' leadership facts as of a log position, asked window by window.

    With `since`, the tallies count only facts added after that position (rotation
    aside, which always reads the last sessions whole): what a cached report adds when
    nothing but additions happened since (projections/leadership/report.py), with the
    cached membership timelines, which such additions leave as they were.
    """

    def __init__(self, conn: Connection, communities: Collection[str], position: int, *,
                 since: int = 0, membership: Log | None = None) -> None:
        self.conn = conn
        self.communities = sorted(communities)
        self.position = position
        self.since = since
        # Membership timelines are small (a few facts per person) and every window needs
        # them whole: who was enrolled, and each leader's role when they led.
        self.membership = membership if membership is not None else Log(
            self.facts(MEMBERSHIP), self.communities, position, {})

    def facts(self, kinds: tuple[str, ...]) -> list[Fact]:
        """The communities' facts of these kinds in the cut (retracted ones included)."""
        if not self.communities:
            return []
        query = select(*_FACT_COLUMNS).where(lf.c.kind.in_(kinds),
                                             lf.c.community_id.in_(self.communities),
                                             lf.c.position <= self.position)
        return [Fact(*row) for row in self.conn.execute(query)]

    def metrics(self, start: int | None, end: int | None) -> dict[str, Any]:
        return measure(self.membership.spans, self.tally(start, end), start, end)

    def trend(self, start: int | None, end: int | None) -> list[dict[str, Any]]:
        return by_quarter(self.span(), start, end, self.metrics)

    def span(self) -> tuple[int, int] | None:
        """First and last occurred_at of a session or membership fact, if any."""
        if not self.communities:
            return None
        low, high = self.conn.execute(
            select(func.min(lf.c.at), func.max(lf.c.at))
            .where(self._where(("session", *MEMBERSHIP), None, None, whole=True))).one()
        return None if low is None else (low, high)

    # -- the tallies -----------------------------------------------------------------------

    def tally(self, start: int | None, end: int | None) -> Tallies:
        """The window's tallies of all the scope's communities as one."""
        if not self.communities:
            return Tallies(0, {}, 0, 0, set(), {}, set())
        network, _ = self.rotations(end, each=False)
        return self._tallies(start, end, {_ALL: network}, apart=False)[_ALL]

    def tallies(self, start: int | None, end: int | None,
                rotations: dict[str, int]) -> dict[str, Tallies]:
        """Each community's tallies of the window, with its rotation among its own
        sessions (`rotations`: each community's, as `rotations` gives them)."""
        if not self.communities:
            return {}
        return self._tallies(start, end, rotations, apart=True)

    def _tallies(self, start: int | None, end: int | None, rotations: dict[str, int], *,
                 apart: bool) -> dict[str, Tallies]:
        """Each community's tallies (`apart`), or all of theirs as one under _ALL: counts
        grouped by community as well cost the database a fifth more."""
        execute = self.conn.execute
        by = [lf.c.community_id] if apart else []

        def part(row: Sequence[Any]) -> str:
            """Whose tallies a row counts in: its community's (its first column), or _ALL."""
            return row[0] if apart else _ALL

        sessions = {part(row): row[-1] for row in execute(
            select(*by, func.count()).select_from(lf)
            .where(self._where(("session",), start, end)).group_by(*by))}
        led: dict[str, Counter[str]] = defaultdict(Counter)
        leaders: dict[int, list[str]] = defaultdict(list)
        member_led: dict[str, set[int]] = defaultdict(set)
        role_at = self.membership.role_at
        for row in self._fetch(select(lf.c.community_id, lf.c.member_id, lf.c.at, lf.c.position)
                               .where(self._where(("led",), start, end))):
            community_id, member_id, at, position = row
            key = part(row)
            led[key][member_id] += 1
            leaders[position].append(member_id)
            if (position not in member_led[key]
                    and role_at(community_id, member_id, at) == "member"):
                member_led[key].add(position)
        # Attendance edges from rows, not a self-join: the leaders are at hand already, and
        # planners have picked a scan per row for that join.
        attended: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for row in self._fetch(select(lf.c.community_id, lf.c.member_id, lf.c.position)
                               .where(self._where(("attended",), start, end))):
            attended[part(row)].append((row[1], row[2]))
        edges: dict[str, set[tuple[Any, Any]]] = defaultdict(set)
        for key, rows in attended.items():
            edges[key] = {(member_id, leader) for member_id, position in rows
                          for leader in leaders.get(position, ())}
        for row in self._edges(start, end, by):
            edges[part(row)].add(tuple(row[-2:]))
        actions: dict[str, dict[str, int]] = defaultdict(dict)
        leads: dict[str, set[str]] = defaultdict(set)
        leading = func.max(case((lf.c.kind.in_(LEADING), 1), else_=0))
        for row in execute(
                select(*by, lf.c.member_id, func.count(distinct(lf.c.position)), leading)
                .where(self._where(ACTIONS, start, end)).group_by(*by, lf.c.member_id)):
            key = part(row)
            member_id, count, leader = row[-3:]
            actions[key][member_id] = count
            if leader:
                leads[key].add(member_id)
        return {c: Tallies(sessions=sessions.get(c, 0), led=led[c],
                           member_led=len(member_led[c]), rotation=rotations.get(c, 0),
                           edges=edges[c], actions=actions[c], leads=leads[c])
                for c in (self.communities if apart else [_ALL])}

    def rotations(self, end: int | None, *, each: bool = True
                  ) -> tuple[int, dict[str, int]]:
        """Distinct leaders of the last ROTATION_SESSIONS sessions held before `end`: of all
        the communities, and (`each`) of each."""
        # Per community, each a short walk down the index in (at, position) order; a query
        # over all the communities at once would sort every session before `end`.
        last: dict[str, list[tuple[int, int]]] = {}
        for community_id in self.communities:
            last[community_id] = [tuple(row) for row in self.conn.execute(
                select(lf.c.at, lf.c.position)
                .where(lf.c.kind == "session", lf.c.community_id == community_id,
                       known(lf, self.position), *_window(None, end))
                .order_by(lf.c.at.desc(), lf.c.position.desc())
                .limit(ROTATION_SESSIONS))]
        network = sorted(row for rows in last.values() for row in rows)[-ROTATION_SESSIONS:]
        wanted = sorted({position for rows in (last.values() if each else [network])
                         for _, position in rows})
        leaders: dict[int, set[str]] = defaultdict(set)
        for start in range(0, len(wanted), IN_PAGE):
            # The kind is tested here: said in the query, it can lead the planner to walk
            # every `led` fact on the kind index instead of these few positions.
            for position, kind, member_id in self.conn.execute(
                    select(lf.c.position, lf.c.kind, lf.c.member_id)
                    .where(lf.c.position.in_(wanted[start:start + IN_PAGE]))):
                if kind == "led":
                    leaders[position].add(member_id)

        def distinct_leaders(positions: Iterable[int]) -> int:
            return len(set().union(*(leaders[p] for p in positions)))

        return (distinct_leaders(p for _, p in network),
                {c: distinct_leaders(p for _, p in rows) for c, rows in last.items()}
                if each else {})

    def _edges(self, start: int | None, end: int | None, by: list[Any]) -> list[tuple]:
        """(*by, u, v): u reused v's resource (shared in any community), or gave v
        feedback (`by`: the community's column, or nothing)."""
        owner = lf.alias("owner")
        reuses = (select(*by, lf.c.member_id, owner.c.member_id).distinct()
                  .join(owner, and_(owner.c.kind == "shared", owner.c.ref == lf.c.ref,
                                    known(owner, self.position)))
                  .where(self._where(("reused",), start, end)))
        feedback = (select(*by, lf.c.member_id, lf.c.ref).distinct()
                    .where(self._where(("feedback",), start, end)))
        return [*self._fetch(reuses), *self._fetch(feedback)]

    def _fetch(self, statement: Select) -> list[tuple]:
        """The rows of a SELECT of plain integer and text columns, fetched on the DBAPI
        cursor: for tens of thousands of rows SQLAlchemy's per-row work costs more than
        the database's, and these columns need no conversion."""
        compiled = statement.compile(dialect=self.conn.dialect,
                                     compile_kwargs={"render_postcompile": True})
        params = compiled.params
        cursor = self.conn.connection.driver_connection.cursor()
        try:
            cursor.execute(compiled.string,
                           tuple(params[name] for name in compiled.positiontup)
                           if compiled.positional else params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _where(self, kinds: tuple[str, ...], start: int | None, end: int | None, *,
               whole: bool = False) -> ColumnElement[bool]:
        """Facts of these kinds in the window and the cut (added after `since` unless
        `whole`)."""
        since = self.since if not whole else 0
        # Counting forward reads the few facts after `since` by position; `kind || ''`
        # keeps the planner off the kind index, which would walk every fact of the kind.
        kind = lf.c.kind.concat("") if since else lf.c.kind
        clauses = [kind.in_(kinds) if len(kinds) > 1 else kind == kinds[0],
                   lf.c.community_id.in_(self.communities), known(lf, self.position),
                   *_window(start, end)]
        if since:
            clauses.append(lf.c.position > since)
        return and_(*clauses)


def _window(start: int | None, end: int | None) -> list[ColumnElement[bool]]:
    """Occurred in [start, end) (either side open)."""
    return [clause for clause in (lf.c.at >= start if start is not None else None,
                                  lf.c.at < end if end is not None else None)
            if clause is not None]
