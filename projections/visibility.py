"""Who may read a reflection (DESIGN "Visibility of reflections"), as a pure function.

private: the author only. community: members of its community at the view's moment.
network: members of any community of that community's network (a community outside any
network is its own network). The viewer None is the operator, who reads everything.
Membership is judged at the end of the records a view folds — the as_of cut — because
every event in the cut occurred at or before it.
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
