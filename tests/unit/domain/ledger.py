"""A fake event log for the domain tests: decide, append in memory, apply. No database.

`Ledger.record` does what the store does inside its serialised append, minus SQL:
it lets `decide` judge the command on the current state (with `lookup` over the
log), gives each proposed event the next global position and its stream's next
version, stamps `recorded_at = now`, and applies it to the state.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest

from journey import errors
from journey.clock import UTC, parse_time
from journey.decide import decide
from journey.events import Event
from journey.records import Command, HandOverFacilitation, Proposed, Recorded, RecordEvent
from journey.state import DomainState
from tests.unit.domain import make


def when(text: str) -> datetime:
    """An aware UTC datetime from RFC 3339 or YYYY-MM-DD (00:00 UTC)."""
    return parse_time(text)


NOW = datetime(2025, 6, 1, tzinfo=UTC)
REGISTERED = when("2023-09-01")  # when the fixture people register
FOUNDED = when("2024-01-10")     # when vrsac-1 is founded and its first members join
FEB = when("2024-02-01T09:00:00Z")
MARCH = when("2024-03-05T14:00:00Z")
APRIL = when("2024-04-10T14:00:00Z")
MAY = when("2024-05-15T14:00:00Z")

#: Rules whose refusal is a 403: the actor lacks a role, or names someone else.
FORBIDDEN_RULES = frozenset({
    "not_the_actor", "not_a_facilitator", "not_facilitator_or_coordinator", "not_a_leader",
    "not_an_owner", "not_an_admin", "cannot_award_self", "not_a_network_coordinator",
})


def check_refusal(error: BaseException, rules: Iterable[str]) -> None:
    """Assert `error` is a refusal naming one of `rules`, of the kind DESIGN gives that rule."""
    rules = tuple(rules)
    assert isinstance(error, errors.Refused), f"not a refusal: {error!r}"
    assert error.rule in rules, (
        f"expected {' or '.join(rules)}, refused with {error.rule}: {error.message}")
    kind = "forbidden" if error.rule in FORBIDDEN_RULES else "invalid"
    assert error.kind == kind, f"{error.rule} should be {kind!r}, is {error.kind!r}"
    assert isinstance(error.message, str) and error.message.strip(), "a refusal says why"


class Ledger:
    """An in-memory log whose every append goes through `decide`, then `DomainState.apply`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.state = DomainState()
        self.log: list[Recorded] = []
        self._versions: dict[str, int] = {}

    # -- the append path ------------------------------------------------------------------

    def lookup(self, position: int) -> Recorded | None:
        """The recorded event at `position`, or None."""
        if isinstance(position, int) and not isinstance(position, bool) \
                and 1 <= position <= len(self.log):
            return self.log[position - 1]
        return None

    def decide(self, command: Command) -> list[Proposed]:
        """What the domain would append for `command`, without appending it."""
        position = self.state.position
        proposed = decide(self.state, command, now=self.now, lookup=self.lookup)
        assert self.state.position == position, "decide() must not apply anything"
        assert proposed, "an accepted command appends at least one event"
        return list(proposed)

    def submit(self, command: Command) -> list[Recorded]:
        """Decide, append and apply: what the store does in one transaction."""
        appended = []
        for proposal in self.decide(command):
            version = self._versions.get(proposal.stream, 0) + 1
            self._versions[proposal.stream] = version
            position = len(self.log) + 1
            recorded = Recorded(
                position=position, event_id=str(uuid.UUID(int=position)),
                stream=proposal.stream, version=version, event=proposal.event,
                actor=proposal.actor, occurred_at=proposal.occurred_at, recorded_at=self.now)
            self.log.append(recorded)
            self.state.apply(recorded)
            assert self.state.position == position
            appended.append(recorded)
        return appended

    def record(self, event: Event, actor: str, at: datetime,
               privileged: bool = False) -> list[Recorded]:
        """Append one event as `actor`, occurred at `at`."""
        return self.submit(RecordEvent(event, actor, at, privileged))

    def record_one(self, event: Event, actor: str, at: datetime,
                   privileged: bool = False) -> Recorded:
        """Append one event and return its record (a RecordEvent appends exactly one)."""
        appended = self.record(event, actor, at, privileged)
        assert len(appended) == 1, appended
        return appended[0]

    def hand_over(self, community_id: str, from_member: str, to_member: str, actor: str,
                  at: datetime) -> list[Recorded]:
        """Hand facilitation of `community_id` from one member to another."""
        return self.submit(HandOverFacilitation(community_id, from_member, to_member, actor, at))

    @contextmanager
    def refuses(self, *rules: str) -> Iterator[None]:
        """Expect the block to be refused with one of `rules`, appending nothing."""
        assert rules
        before = (len(self.log), self.state.position)
        with pytest.raises(errors.Refused) as info:
            yield
        check_refusal(info.value, rules)
        assert (len(self.log), self.state.position) == before, "a refusal appends nothing"

    # -- reading the log ------------------------------------------------------------------

    @property
    def last(self) -> Recorded:
        """The last recorded event."""
        return self.log[-1]

    def of_type(self, type_name: str) -> list[Recorded]:
        """Recorded events of one type, in position order."""
        return [r for r in self.log if r.type == type_name]

    # -- builders for the usual set-up ----------------------------------------------------

    def register(self, *members: str, at: datetime = REGISTERED) -> Ledger:
        """Register each person not registered yet, each by themselves."""
        known = {r.event.member_id for r in self.of_type("MemberRegistered")}
        for member in members:
            if member not in known:
                self.record(make.registered(member), member, at)
                known.add(member)
        return self

    def network(self, network_id: str = "serbia-sel", founder: str = "ana",
                at: datetime = REGISTERED) -> Ledger:
        """Create the network (registering its founder) unless it exists."""
        self.register(founder)
        if not any(r.event.network_id == network_id for r in self.of_type("NetworkCreated")):
            self.record(make.network_created(network_id), founder, at)
        return self

    def community(self, community_id: str, *, facilitator: str, members: Iterable[str] = (),
                  coordinators: Iterable[str] = (), network: str | None = "serbia-sel",
                  at: datetime = FOUNDED) -> Ledger:
        """Found a community: its facilitator founds it, joins, then adds the others."""
        members, coordinators = list(members), list(coordinators)
        self.register(facilitator, *members, *coordinators)
        if network is not None:
            self.network(network, founder=facilitator)
        self.record(make.founded(community_id, network), facilitator, at)
        self.record(make.joined(facilitator, role="facilitator", community=community_id),
                    facilitator, at)
        for member in members:
            self.record(make.joined(member, community=community_id), facilitator, at)
        for coordinator in coordinators:
            self.record(make.joined(coordinator, role="coordinator", community=community_id),
                        facilitator, at)
        return self
