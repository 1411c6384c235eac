"""The views service: portfolio, archive, community and evaluation, live or as of any moment.

Each view reads the positions the index files under its keys (cut at the as_of
position), reads those rows of the log, and hands them to a pure fold. The folds give the
same answer on the whole log, so the index only decides how little is read.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from events.instance import InstanceKeys
from events.store import EventStore
from events.store import erased as member_erased
from events.verify import sign_head
from journey import errors
from journey import events as ev
from journey.clock import BadTime, format_time, from_micros, parse_time
from journey.records import Recorded
from projections.community.fold import community as community_fold
from projections.csv_rows import (EVALUATION_CSV_COLUMNS, PORTFOLIO_CSV_COLUMNS,
                                  RESOURCES_CSV_COLUMNS, evaluation_csv_rows,
                                  portfolio_csv_rows, resources_csv_rows)
from projections.evaluation.fold import Period, evaluation as evaluation_fold
from projections.index.keys import COMMUNITIES, ERASURES, key, member_key, people_of
from projections.index.reader import IndexReader
from projections.portfolio.fold import portfolio as portfolio_fold
from projections.portfolio.timeline import Filters

# The CSV rows belong with the views they are made from.
__all__ = ["Views", "Cut", "Filters", "PORTFOLIO_CSV_COLUMNS", "RESOURCES_CSV_COLUMNS",
           "EVALUATION_CSV_COLUMNS", "portfolio_csv_rows", "resources_csv_rows",
           "evaluation_csv_rows"]

@dataclass(frozen=True)
class Cut:
    """The prefix of the log a view folds: up to `position`, recorded by `moment`."""

    position: int
    moment: datetime | None   # recorded_at of the event at `position`
    hash: str | None          # its hash: the head the view was made from
    as_of: datetime | None


@dataclass
class _Folded:
    """A folded portfolio and what it was folded from (PortfolioCache)."""

    position: int            # the cut it was folded (or last found unchanged) at
    keys: tuple[str, ...]    # every index key its records were read under
    quarter: str | None      # the calendar quarter of the cut's moment (tiers run to it)
    view: dict[str, Any]     # the fold's answer, without the head
    weight: int              # records folded: what it costs to keep


@dataclass(frozen=True)
class _Read:
    """The records a portfolio was folded from (PortfolioCache.basis): the next fold of the
    same member for the same viewer reads only what the index filed after `position`."""

    position: int                     # the cut they were read up to
    keys: frozenset[str]              # every index key they were read under
    records: Mapping[int, Recorded]   # by position; never changed once kept


class PortfolioCache:
    """Folded portfolios by (member, viewer, filters), reused while their facts stand still.

    A portfolio is a pure function of the records read under some index keys up to a cut,
    the erased members, and the quarter of the cut's moment (the last tier quarter). The
    records under those keys are the same at cuts p and q exactly when the index files no
    position under them in (min(p, q), max(p, q)]; the keys of the second and third reads
    (resources, plans, names, ...) follow from the first ones' records, so they are the
    same too. So one fold answers every later request, live or as of, until an event the
    member's portfolio reads is indexed. Least recently used entries go first, within a
    budget of records folded (a long history weighs more). Any erasure empties it: no
    personal data of an erased member outlives the request that sees the erasure (in this
    process at once, by the store's `erased` signal; an erasure made by another process
    once the index holds it), and a fold that began before an erasure keeps nothing.
    Cached views are shared: callers read them, never change them.

    It also keeps, by (member, viewer), the records the last fold read (`basis`), within
    `read_budget` records: when an event the portfolio reads was indexed (the member
    recorded something), the next fold reads only the positions filed since, and keys
    it had not read before. Keeping the records of one fold rather than of each filter
    choice: the records read do not depend on the filters.
    """

    def __init__(self, budget: int = 200_000, size: int = 64,
                 read_budget: int = 20_000) -> None:
        self.budget = budget
        self.size = size
        self.read_budget = read_budget
        self._entries: OrderedDict[tuple, _Folded] = OrderedDict()
        self._reads: OrderedDict[tuple[str, str | None], _Read] = OrderedDict()
        self._lock = threading.Lock()
        self._erased: frozenset[str] | None = None
        self._generation = 0  # moves on each emptying: what began before it is not kept
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> _Folded | None:
        with self._lock:
            return self._entries.get(key)

    def hit(self, key: tuple, entry: _Folded, position: int) -> None:
        with self._lock:
            if position > entry.position:
                entry.position = position   # nothing it reads changed up to here
            if key in self._entries:
                self._entries.move_to_end(key)
            self.hits += 1

    def put(self, key: tuple, entry: _Folded, generation: int) -> None:
        with self._lock:
            self.misses += 1
            if generation != self._generation:
                return
            if entry.weight > self.budget:
                self._entries.pop(key, None)
                return
            self._entries[key] = entry
            self._entries.move_to_end(key)
            total = sum(e.weight for e in self._entries.values())
            while len(self._entries) > self.size or total > self.budget:
                _, dropped = self._entries.popitem(last=False)
                total -= dropped.weight

    def basis(self, key: tuple[str, str | None], position: int) -> _Read | None:
        """The records last read for (member, viewer), if read up to `position` at most."""
        with self._lock:
            found = self._reads.get(key)
            if found is None or found.position > position:
                return None
            self._reads.move_to_end(key)
            return found

    def keep(self, key: tuple[str, str | None], read: _Read, generation: int) -> None:
        """Keep `read` as the basis of the next fold for (member, viewer), unless one read
        further on is kept (an as-of request does not push back the live one's basis)."""
        with self._lock:
            if generation != self._generation:
                return
            found = self._reads.get(key)
            if found is not None and found.position > read.position:
                return
            if len(read.records) > self.read_budget:
                self._reads.pop(key, None)
                return
            self._reads[key] = read
            self._reads.move_to_end(key)
            total = sum(len(r.records) for r in self._reads.values())
            while total > self.read_budget:
                _, dropped = self._reads.popitem(last=False)
                total -= len(dropped.records)

    def erasures(self, erased: frozenset[str]) -> int:
        """Empty the cache when someone was erased since it last looked; returns the
        generation a fold beginning now passes to `put` and `keep`."""
        with self._lock:
            if self._erased is not None and erased != self._erased:
                self._empty()
            self._erased = erased
            return self._generation

    def clear(self) -> None:
        with self._lock:
            self._empty()

    def _empty(self) -> None:
        self._entries.clear()
        self._reads.clear()
        self._generation += 1


class Views:
    """Portfolio, archive, community and evaluation views over the index."""

    def __init__(self, engine: Engine, store: EventStore, checkpoint_of: Callable[[], int],
                 *, instance: InstanceKeys | None = None,
                 cache: PortfolioCache | None = None) -> None:
        self.reader = IndexReader(engine, store)
        self.store = store
        self.checkpoint_of = checkpoint_of  # () -> position the index has folded
        self.instance = instance            # signs the head of archives when given
        self.cache = cache if cache is not None else PortfolioCache()
        # An erasure here empties it at once: kept records were decrypted before it.
        member_erased.connect(self._on_erased, sender=store)

    def _on_erased(self, _store: EventStore, member_id: str) -> None:
        self.cache.clear()

    # -- the views -----------------------------------------------------------------------

    def portfolio(self, member_id: str, *, viewer: str | None = None,
                  as_of: datetime | str | None = None,
                  filters: Filters | Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A member's portfolio as `viewer` (None: the operator) may see it."""
        chosen = filters if isinstance(filters, Filters) else Filters.parse(filters)
        return self._portfolio(member_id, viewer, self.cut(as_of), chosen)

    def archive(self, member_id: str) -> dict[str, Any]:
        """The member's own archive: their portfolio as they see it, and the log head."""
        cut = self.cut(None)
        view = self._portfolio(member_id, member_id, cut, Filters())
        head: dict[str, Any] = {"position": cut.position, "hash": cut.hash}
        if self.instance is not None and cut.hash is not None:
            head = sign_head(self.instance, cut.position, cut.hash)
        return {"archive": "journey-portfolio", "version": 1,
                "profile": self._profile(member_id, cut.position), **view, "log_head": head}

    def _portfolio(self, member_id: str, viewer: str | None, cut: Cut,
                   filters: Filters) -> dict[str, Any]:
        erased = self.erased()
        generation = self.cache.erasures(frozenset(erased))
        # Reflections of a member are filed under their key: so are later changes of who
        # may read them, which a view of the past keeps to (visibility.can_see_since).
        later = self._later_visibility([member_key(member_id)], cut)
        cache_key = (member_id, viewer, filters, frozenset(later.items()))
        quarter = _quarter(cut.moment)
        found = self.cache.get(cache_key)
        if found is not None and found.quarter == quarter and (
                found.position == cut.position or
                # Back in time only over what the index still holds (not while it rebuilds).
                (cut.position > found.position or found.position <= self.checkpoint_of())
                and not self.reader.changed(found.keys, min(found.position, cut.position),
                                            max(found.position, cut.position))):
            self.cache.hit(cache_key, found, cut.position)
            return {**_head(cut), **found.view}
        read: set[str] = {ERASURES}
        basis = self.cache.basis((member_id, viewer), cut.position)
        have = dict(basis.records) if basis is not None else {}
        records = self._portfolio_records(member_id, viewer, cut.position, read, have, basis)
        view = portfolio_fold(records, member_id, viewer=viewer, erased=erased,
                              moment=cut.moment, filters=filters, later=later)
        self.cache.put(cache_key, _Folded(cut.position, tuple(sorted(read)), quarter, view,
                                          len(records)), generation)
        # ERASURES is read for the views' sake (erased()), not into `have`.
        self.cache.keep((member_id, viewer),
                        _Read(cut.position, frozenset(read - {ERASURES}), have), generation)
        return {**_head(cut), **view}

    def community(self, community_id: str, *, viewer: str | None = None,
                  as_of: datetime | str | None = None) -> dict[str, Any]:
        """Members, norms, calendar, library and plans of a community (no reflections)."""
        cut = self.cut(as_of)
        have: dict[int, Recorded] = {}
        self._load(have, [key("community", community_id), COMMUNITIES], cut.position)
        self._load(have, {key("resource", r.event.resource_id) for r in have.values()
                          if isinstance(r.event, ev.ResourceShared)
                          and r.event.community_id == community_id}, cut.position)
        records = self._with_names(have, cut.position)
        view = community_fold(records, community_id, erased=self.erased())
        return {**_head(cut), "viewer": viewer, **view}

    def evaluation(self, communities: Sequence[str], periods: Sequence[Period], *,
                   viewer: str | None = None, as_of: datetime | str | None = None
                   ) -> dict[str, Any]:
        """Communities × periods side by side, stories grouped by value-creation cycle
        (a community named twice is shown once)."""
        communities = list(dict.fromkeys(communities))
        cut = self.cut(as_of)
        have: dict[int, Recorded] = {}
        wanted = [key("community", c) for c in communities] + [COMMUNITIES]
        if viewer is not None:
            wanted.append(key("membership", viewer))
        self._load(have, wanted, cut.position)
        records = self._with_names(have, cut.position)
        later = self._later_visibility([key("community", c) for c in communities], cut)
        view = evaluation_fold(records, communities, periods, viewer=viewer,
                               erased=self.erased(), later=later)
        return {**_head(cut), **view}

    # -- the cut -------------------------------------------------------------------------

    def cut(self, as_of: datetime | str | None) -> Cut:
        """The as_of cut: the last position recorded by as_of (or all the index folded)."""
        moment = _time(as_of) if isinstance(as_of, str) else as_of
        folded = self.checkpoint_of()
        position = folded if moment is None else min(self.store.position_at(moment), folded)
        row = self.reader.row_at(position) if position else None
        return Cut(position, from_micros(row.recorded_at) if row else None,
                   row.hash if row else None, moment)

    def _later_visibility(self, keys: Iterable[str], cut: Cut) -> dict[str, str]:
        """reflection id -> the visibility its author set after `cut` (the last such
        change), for the reflections filed under `keys`; empty for a view of now.

        A view of the past shows a reflection only if it may be read now too: the author
        who made it private since has taken it back from everyone, at every moment."""
        folded = self.checkpoint_of()
        if cut.position >= folded:
            return {}
        rows = self.reader.rows(self.reader.positions(keys, folded, after=cut.position),
                                types=("ReflectionVisibilityChanged",))
        later: dict[str, str] = {}
        for rec in self.store.recorded(rows):
            if isinstance(rec.event, ev.ReflectionVisibilityChanged):
                later[rec.event.reflection_id] = rec.event.visibility
        return later

    def erased(self) -> set[str]:
        """Everyone ever erased: an erasure reaches back over every moment (DESIGN)."""
        rows = self.reader.rows(self.reader.positions([ERASURES]))
        return {row.data["member_id"] for row in rows}

    # -- loading -------------------------------------------------------------------------

    def _load(self, have: dict[int, Recorded], keys: Iterable[str], upto: int,
              read: set[str] | None = None, basis: _Read | None = None) -> None:
        """Add to `have` the records filed under `keys` up to `upto`; under the keys of
        `basis`, whose records `have` holds already, only those filed after it."""
        keys = set(keys)
        if read is not None:
            read.update(keys)
        if basis is None:
            positions = set(self.reader.positions(keys, upto))
        else:
            positions = set(self.reader.positions(keys - basis.keys, upto))
            positions.update(self.reader.positions(keys & basis.keys, upto,
                                                   after=basis.position))
        missing = [p for p in positions if p not in have]
        for rec in self.reader.records(missing):
            have[rec.position] = rec

    def _with_names(self, have: dict[int, Recorded], upto: int,
                    read: set[str] | None = None, basis: _Read | None = None
                    ) -> list[Recorded]:
        self._load(have, [key("person", m) for m in _named(have.values())], upto, read, basis)
        return [have[p] for p in sorted(have)]

    def _portfolio_records(self, member_id: str, viewer: str | None, upto: int,
                           read: set[str] | None = None, have: dict[int, Recorded] | None = None,
                           basis: _Read | None = None) -> list[Recorded]:
        """The records the portfolio folds. With a `basis` (the records of an earlier fold,
        already in `have`), only what was filed since is read: more records than a fresh
        read would give is no matter, as the fold gives the same answer on the whole log."""
        have = {} if have is None else have
        wanted = [member_key(member_id), key("person", member_id), COMMUNITIES]
        if viewer is not None:
            wanted.append(key("membership", viewer))
        self._load(have, wanted, upto, read, basis)
        self._load(have, _related(have.values(), member_id), upto, read, basis)
        return self._with_names(have, upto, read, basis)

    def display_name(self, member_id: str) -> str | None:
        """The member's name as registered (None once erased, or never registered)."""
        profile = self._profile(member_id, self.checkpoint_of())
        return profile["display_name"] if profile else None

    def display_names(self, member_ids: Iterable[str]) -> dict[str, str]:
        """The registered names of these members, by id (the erased and the never
        registered left out): one read of their registrations, no view folded."""
        wanted = [key("person", m) for m in set(member_ids) - self.erased()]
        names: dict[str, str] = {}
        for rec in self.reader.records(self.reader.positions(wanted, self.checkpoint_of())):
            if isinstance(rec.event, ev.MemberRegistered):
                names.setdefault(rec.event.member_id, rec.event.display_name)
        return names

    def _profile(self, member_id: str, upto: int) -> dict[str, Any] | None:
        """The member's registration in their own words (None once erased)."""
        if member_id in self.erased():
            return None
        for rec in self.reader.records(self.reader.positions([key("person", member_id)], upto)):
            e = rec.event
            if isinstance(e, ev.MemberRegistered):
                return {"display_name": e.display_name, "email": e.email,
                        "school": e.school, "job_title": e.job_title}
        return None


def _named(records: Iterable[Recorded]) -> set[str]:
    """Everyone the records are filed under (keys_of's `member:` keys): whose `person:`
    keys give their names."""
    return set().union(*map(people_of, records))


def _quarter(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _related(records: Iterable[Recorded], member_id: str) -> set[str]:
    """Keys beyond the member's own that their portfolio and rule badges read.

    Reuses of their resources by others, the plans of the steps they completed (the
    inquiry may have been revised since), the badges of their recognitions, and the other
    RoleChanged of a hand-over that made them facilitator.
    """
    found: set[str] = set()
    for rec in records:
        e = rec.event
        if isinstance(e, ev.ResourceShared) and e.member_id == member_id:
            found.add(key("resource", e.resource_id))
        elif isinstance(e, ev.ActionStepCompleted) and member_id in e.member_ids:
            found.add(key("plan", e.plan_id))
        elif isinstance(e, ev.RecognitionAwarded) and e.member_id == member_id:
            found.add(key("badge", e.badge_id))
        elif isinstance(e, ev.RoleChanged) and e.member_id == member_id:
            correlation = (rec.meta or {}).get("correlation_id")
            if correlation:
                found.add(key("correlation", str(correlation)))
    return found


def _time(text: str) -> datetime:
    try:
        return parse_time(text)
    except BadTime as exc:
        raise errors.InvalidValue(str(exc), rule="bad_as_of") from exc


def _head(cut: Cut) -> dict[str, Any]:
    return {"as_of": format_time(cut.as_of) if cut.as_of else None,
            "as_of_position": cut.position}

