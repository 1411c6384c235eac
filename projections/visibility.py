"""Who may read a reflection (DESIGN "Visibility of reflections"), as a pure function.

private: the author only. community: members of its community at the view's moment.
network: members of any community of that community's network (a community outside any
network is its own network). The viewer None is the operator, who reads everything.
Membership is judged at the end of the records a view folds — the as_of cut — because
every event in the cut occurred at or before it. A view of the past also keeps to what the
author has set since (`later`: reflection id -> visibility now): replaying history never
hands out a reflection its author has since made private, or shared more narrowly.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from journey.records import Recorded
from projections.folds.communities import network_of
from projections.folds.membership import current_roles


class Readable(Protocol):
    """What visibility needs to know of a reflection."""

    member_id: str
    community_id: str | None
    visibility: str


@dataclass(frozen=True)
class Memberships:
    """The viewer's communities at the view's moment, and the network of every community."""

    communities: frozenset[str] = frozenset()
    network_of: Mapping[str, str | None] = field(default_factory=dict)

    def networks(self) -> set[str]:
        """The networks the viewer belongs to through one of their communities."""
        return {n for c in self.communities if (n := self.network_of.get(c)) is not None}


def memberships_at(records: Iterable[Recorded], viewer: str | None) -> Memberships:
    """The viewer's Memberships after every event of `records` (their joins, leaves, roles)."""
    records = list(records)
    communities = frozenset(current_roles(records, viewer)) if viewer is not None else frozenset()
    return Memberships(communities, network_of(records))


@dataclass(frozen=True)
class _Now:
    """A reflection with the visibility its author set after the view's cut."""

    member_id: str
    community_id: str | None
    visibility: str


def can_see_since(reflection: Readable, reflection_id: str, viewer: str | None,
                  memberships: Memberships, later: Mapping[str, str] | None) -> bool:
    """Whether `viewer` may read `reflection` as it stood at the view's cut and, when its
    author changed its visibility after the cut (`later`), as it stands now too."""
    if not can_see(reflection, viewer, memberships):
        return False
    now = (later or {}).get(reflection_id)
    return now is None or can_see(_Now(reflection.member_id, reflection.community_id, now),
                                  viewer, memberships)


def can_see(reflection: Readable, viewer: str | None, memberships: Memberships) -> bool:
    """Whether `viewer` may read `reflection` (None: the operator, who reads everything)."""
    if viewer is None or reflection.member_id == viewer:
        return True
    community = reflection.community_id
    if reflection.visibility == "private" or community is None:
        return False
    if community in memberships.communities:
        return True
    if reflection.visibility != "network":
        return False
    network = memberships.network_of.get(community)
    return network is not None and network in memberships.networks()
