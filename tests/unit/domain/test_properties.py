"""Property: whatever the ledger accepts is a valid history, and replays as it was accepted.

Random commands (join, leave, lead a session, promote, step down, hand over, define a
badge) at random days of 2024 — many on the same day, so ties in occurred_at are common —
are tried on vrsac-1 (founded by ana on 2024-01-01, with ivan and mila joining at once);
refusals are skipped. Then:

- an independent oracle rebuilds membership intervals and roles from the accepted events,
  sorted by (occurred_at, position), and checks DESIGN's rules on that final timeline: no
  double join, no leave or role change of a non-member, every from_role right, every
  leader and attendee a member at the session, every badge defined by a facilitator at
  that moment, a facilitator at every moment since the founding, ids unique;
- replaying the accepted events in position order through a fresh Ledger with the same
  `now` accepts each of them again, giving the same streams.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import errors
from journey.records import Recorded
from tests.unit.domain import make
from tests.unit.domain.ledger import Ledger, when

PEOPLE = ("ana", "ivan", "mila", "zoran", "jelena")
START = when("2024-01-01")

days = st.integers(min_value=0, max_value=40).map(lambda d: START + timedelta(days=d))
people = st.sampled_from(PEOPLE)
actors = st.sampled_from(("ana", "ana", "ivan", "mila"))   # mostly the founding facilitator
groups = st.lists(people, min_size=1, max_size=2, unique=True)

commands = st.one_of(
    st.tuples(st.just("join"), actors, people, days),
    st.tuples(st.just("leave"), people, days),
    st.tuples(st.just("lead"), groups, st.lists(people, max_size=3, unique=True), days),
    st.tuples(st.just("promote"), actors, people, days),
    st.tuples(st.just("step_down"), actors, days),
    st.tuples(st.just("hand_over"), actors, people, days),
    st.tuples(st.just("define_badge"), people, days),
)


def _founded() -> Ledger:
    ledger = Ledger()
    ledger.register(*PEOPLE)
    ledger.community("vrsac-1", facilitator="ana", members=["ivan", "mila"], at=START)
    return ledger


def _attempt(ledger: Ledger, command: tuple[Any, ...], serial: int) -> None:
    """Try one command; a refusal is fine, anything else is a bug."""
    kind, *args = command
    try:
        if kind == "join":
            actor, person, moment = args
            ledger.record(make.joined(person), actor, moment)
        elif kind == "leave":
            person, moment = args
            ledger.record(make.left(person), person, moment)
        elif kind == "lead":
            leaders, attendees, moment = args
            attendees = [a for a in attendees if a not in leaders] or None
            ledger.record(make.led(f"s-{serial}", leaders=leaders, attendees=attendees),
                          leaders[0], moment)
        elif kind == "promote":
            actor, person, moment = args
            ledger.record(make.role_changed(person, "member", "facilitator"), actor, moment)
        elif kind == "step_down":
            person, moment = args
            ledger.record(make.role_changed(person, "facilitator", "member"), person, moment)
        elif kind == "hand_over":
            from_member, to_member, moment = args
            ledger.hand_over("vrsac-1", from_member, to_member, from_member, moment)
        elif kind == "define_badge":
            person, moment = args
            ledger.record(make.badge(f"b-{serial}"), person, moment)
    except errors.Refused:
        pass


def assert_history_valid(log: list[Recorded]) -> None:
    """Check the membership rules on the final occurred_at timeline of `log`."""
    timeline = sorted((r for r in log if r.type in ("MemberJoined", "RoleChanged", "MemberLeft")),
                      key=lambda r: (r.occurred_at, r.position))
    periods: dict[str, list[list[datetime | None]]] = defaultdict(list)
    roles: dict[str, list[tuple[datetime, str | None]]] = defaultdict(list)
    for r in timeline:
        event, person = r.event, r.event.member_id
        is_member = bool(periods[person]) and periods[person][-1][1] is None
        role = roles[person][-1][1] if roles[person] else None
        where = f"position {r.position} ({r.type} {person} at {r.occurred_at:%Y-%m-%d})"
        if r.type == "MemberJoined":
            assert not is_member, f"double join: {where}"
            periods[person].append([r.occurred_at, None])
            roles[person].append((r.occurred_at, event.role))
        elif r.type == "RoleChanged":
            assert is_member, f"role change of a non-member: {where}"
            assert role == event.from_role, f"from_role {event.from_role} but was {role}: {where}"
            roles[person].append((r.occurred_at, event.to_role))
        else:
            assert is_member, f"leave of a non-member: {where}"
            periods[person][-1][1] = r.occurred_at
            roles[person].append((r.occurred_at, None))

    def member_at(person: str, moment: datetime) -> bool:
        return any(joined <= moment and (gone is None or moment < gone)
                   for joined, gone in periods[person])

    def role_at(person: str, moment: datetime) -> str | None:
        current = None
        for changed_at, role in roles[person]:   # in (occurred_at, position) order
            if changed_at > moment:
                break
            current = role
        return current

    for moment in {r.occurred_at for r in timeline}:
        assert any(role_at(p, moment) == "facilitator" for p in periods), (
            f"no facilitator at {moment:%Y-%m-%d}")
    for r in log:
        if r.type == "SessionLed":
            for person in r.event.leaders + (r.event.attendees or ()):
                assert member_at(person, r.occurred_at), (
                    f"position {r.position}: {person} not a member at {r.occurred_at:%Y-%m-%d}")
        elif r.type == "BadgeDefined":
            assert member_at(r.actor, r.occurred_at) \
                and role_at(r.actor, r.occurred_at) == "facilitator", (
                    f"position {r.position}: {r.actor} not a facilitator at "
                    f"{r.occurred_at:%Y-%m-%d}")
    for type_name, id_field in (("SessionLed", "session_id"), ("BadgeDefined", "badge_id")):
        ids = [getattr(r.event, id_field) for r in log if r.type == type_name]
        assert len(ids) == len(set(ids)), f"duplicate {id_field}"


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, min_size=4, max_size=24))
def test_accepted_histories_stay_valid_and_replay(tried: list[tuple[Any, ...]]) -> None:
    ledger = _founded()
    for serial, command in enumerate(tried):
        _attempt(ledger, command, serial)

    assert_history_valid(ledger.log)

    replay = Ledger(now=ledger.now)
    for original in ledger.log:
        again = replay.record_one(original.event, original.actor, original.occurred_at)
        assert (again.position, again.stream) == (original.position, original.stream)
