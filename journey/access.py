"""Who may read what (DESIGN "Who uses it"): reading rights judged on the log's roles now.

Roles come from the log (MemberJoined, RoleChanged, MemberLeft), judged at the moment of
the request; `is_admin` is an account flag. The rules:

- a member reads their own portfolio, and the communities they belong to;
- a facilitator or coordinator of a community reads the portfolios of its members;
- a coordinator reads every community of every network in which they coordinate at least
  one community (its views, its leadership report, its members' portfolios), the
  network's leadership report, evaluations of those communities, and the log's
  verification (untampered or not; no rows);
- an admin reads everything, the log's rows too (every network's: an operator's right, as
  `journey export` is) (what a reflection's visibility hides stays hidden: that is
  the views' business, given the viewer).

Pure: a function of the decision state (journey/state.py), a person and a moment.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from journey import errors
from journey.state import FACILITATOR_OR_COORDINATOR, DomainState, status_at

READ_ROLES = frozenset({"facilitator", "coordinator"})


@dataclass(frozen=True)
class Reader:
    """What a signed-in person holds now: their roles and the networks they coordinate in."""

    member_id: str | None
    is_admin: bool
    #: community -> current role, for the communities the person belongs to now.
    roles: dict[str, str]
    #: networks in which the person coordinates at least one community now.
    coordinated_networks: frozenset[str]
    #: communities a coordinator reaches: their own and every one of those networks.
    coordinated_communities: frozenset[str]

    @property
    def is_coordinator(self) -> bool:
        """Whether the person coordinates at least one community now."""
        return "coordinator" in self.roles.values()


def reader(state: DomainState, member_id: str | None, *, is_admin: bool, at: int) -> Reader:
    """The reading rights of `member_id` at `at` (microseconds since the epoch)."""
    roles: dict[str, str] = {}
    if member_id is not None:
        for (community_id, person), timeline in state.timelines.items():
            if person == member_id:
                role = status_at(timeline, at)
                if role is not None:
                    roles[community_id] = role
    coordinated = {c for c, role in roles.items() if role == "coordinator"}
    networks = frozenset(n for c in coordinated
                         if (n := _network(state, c)) is not None)
    reach = set(coordinated) | {c for c, community in state.communities.items()
                                if community.network_id in networks}
    return Reader(member_id, is_admin, roles, networks, frozenset(reach))


def may_agree_norms(who: Reader, community_id: str) -> bool:
    """A facilitator records the norms a community agreed (journey/decide.py, NormsAgreed):
    what pages offer, so no one is handed a form the log will refuse."""
    return who.roles.get(community_id) == "facilitator"


def may_manage_members(who: Reader, community_id: str) -> bool:
    """A facilitator or coordinator adds people to a community and changes their roles
    (journey/decide.py, MemberJoined and RoleChanged)."""
    return who.roles.get(community_id) in FACILITATOR_OR_COORDINATOR


def may_remove_member(who: Reader, community_id: str, member_id: str) -> bool:
    """A facilitator removes someone; anyone may leave (journey/decide.py, MemberLeft)."""
    role = who.roles.get(community_id)
    return role == "facilitator" or (role is not None and who.member_id == member_id)


def may_cancel_session(who: Reader, community_id: str,
                       planned_leaders: Iterable[str] | None) -> bool:
    """A facilitator, or a member among the session's planned leaders, cancels it
    (journey/decide.py, `_scheduler`)."""
    role = who.roles.get(community_id)
    return role == "facilitator" or (role is not None and who.member_id is not None
                                     and who.member_id in (planned_leaders or ()))


def require_known(state: DomainState, *, members: Iterable[str | None] = (),
                  communities: Iterable[str | None] = (),
                  networks: Iterable[str | None] = ()) -> None:
    """Refuse the first id the log has never known, naming its kind (`unknown_member`,
    `unknown_community`, `unknown_network`); None (an id not given) passes.

    A reader names who they are and what they read: a typo there must be refused, not read
    as someone with no rights or as a scope with nothing in it. An erased member's id is
    still known."""
    kinds = (("member", members, state.members), ("community", communities, state.communities),
             ("network", networks, state.networks))
    for kind, ids, known in kinds:
        for ident in ids:
            if ident is not None and ident not in known:
                raise errors.UnknownReference(f"there is no {kind} {ident}",
                                              rule=f"unknown_{kind}")


def _network(state: DomainState, community_id: str) -> str | None:
    community = state.communities.get(community_id)
    return community.network_id if community is not None else None


def may_read_community(who: Reader, community_id: str) -> bool:
    """Members of the community, its coordinators and its network's coordinators; admins."""
    return who.is_admin or community_id in who.roles or community_id in who.coordinated_communities


def may_read_network(who: Reader, network_id: str) -> bool:
    """Coordinators of the network (of one of its communities); admins."""
    return who.is_admin or network_id in who.coordinated_networks


def may_evaluate(who: Reader, community_id: str) -> bool:
    """Evaluation is for coordinators: of the community or of its network; admins."""
    return who.is_admin or community_id in who.coordinated_communities


def may_verify_log(who: Reader) -> bool:
    """Whether the log is untampered (its verification, no rows): coordinators and admins."""
    return who.is_admin or who.is_coordinator


def may_read_log(who: Reader) -> bool:
    """The log's rows, every network's: admins only. A coordinator's reach is their
    networks; the rows would hand them every other network's sessions, norms and plans."""
    return who.is_admin


def may_read_portfolio(state: DomainState, who: Reader, member_id: str, at: int) -> bool:
    """The member; a facilitator or coordinator of a community the member belongs to; a
    coordinator of that community's network; admins."""
    if who.is_admin or member_id == who.member_id:
        return True
    for community_id, role in who.roles.items():
        if role in READ_ROLES and _belongs(state, community_id, member_id, at):
            return True
    return any(_belongs(state, c, member_id, at) for c in who.coordinated_communities)


def _belongs(state: DomainState, community_id: str, member_id: str, at: int) -> bool:
    timeline = state.timelines.get((community_id, member_id))
    return bool(timeline) and status_at(timeline, at) is not None
