"""Properties of the store under random command sequences (hypothesis, in-memory store).

Whatever mix of valid and invalid commands arrives — single or batched, with or without
idempotency keys and expected versions, with a clock that sometimes goes back — the log
stays gapless with gapless stream versions, the hash chain and sealed head verify, a
refused command leaves the log exactly as it was, and a store that folds the log afresh
reaches the same decision state as the one that appended it (replay = live state).
"""
from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from events.memory import MemoryRecorder
from events.store import EventStore, Options
from journey import errors
from journey.clock import parse_time
from journey.events import MemberErased, MemberLeft
from journey.records import RecordEvent
from tests.contract.scenario import (FakeClock, Seal, check_log, community_with, found, hand_over,
                                     join, lead, reflect, register, retract, share)

MEMBERS = ("ana", "ivan", "mila", "zoran")
COMMUNITIES = ("c1", "c2")
PAST = tuple(parse_time(t) for t in (
    "2023-12-01", "2024-01-10", "2024-02-01T10:00:00Z", "2024-03-05T14:00:00Z"))
FUTURE = parse_time("2030-01-01")  # after the fake clock's readings: refused

members = st.sampled_from(MEMBERS)
# Whoever acts for others: mostly ana, who facilitates c1 after the prelude.
actors = st.sampled_from(("ana", "ana", "ana", *MEMBERS))
communities = st.sampled_from(("c1", "c1", *COMMUNITIES))
# Mostly moments in the past; now and then one in the future.
times = st.one_of(*[st.just(t) for t in PAST * 3], st.just(FUTURE))
ids = st.integers(1, 12).map(lambda n: f"x{n}")

register_ = st.tuples(st.just("register"), members, times)
found_ = st.tuples(st.just("found"), communities, members, times)
join_ = st.tuples(st.just("join"), communities, members, actors,
                  st.sampled_from(("member", "member", "facilitator", "coordinator")), times)
leave_ = st.tuples(st.just("leave"), communities, members, actors, times)
share_ = st.tuples(st.just("share"), communities, members, ids, times)
lead_ = st.tuples(st.just("lead"), communities, members, ids, st.lists(members, max_size=2), times)
reflect_ = st.tuples(st.just("reflect"), communities, members, ids, times)
retract_ = st.tuples(st.just("retract"), st.integers(1, 30), members, times)
hand_over_ = st.tuples(st.just("hand_over"), communities, actors, members, times)
# Not ana: erasing c1's only facilitator would leave little else to accept.
erase_ = st.tuples(st.just("erase"), st.sampled_from(("mila", "zoran")), times)
# Repeated branches are the common commands; hypothesis leans to the first ones.
commands = st.one_of(share_, lead_, join_, share_, reflect_, retract_, hand_over_, lead_,
                     register_, join_, found_, retract_, leave_, hand_over_, share_, erase_)
options = st.tuples(
    st.sampled_from((None, None, None, "k1", "k2")),
    st.one_of(st.none(), st.none(), st.none(), st.none(), st.integers(0, 8)),
)
steps = st.one_of(
    st.tuples(st.just("one"), commands, options),
    st.tuples(st.just("one"), commands, options),
    st.tuples(st.just("one"), commands, options),
    st.tuples(st.just("batch"), st.lists(st.tuples(commands, options), min_size=1, max_size=3)),
    st.tuples(st.just("clock_back"), st.integers(1, 48)),
)


def build(spec):
    """The command a generated tuple describes."""
    kind, *args = spec
    if kind == "register":
        member, at = args
        return register(member, at=at)
    if kind == "found":
        community, founder, at = args
        return found(community, founder, at=at)
    if kind == "join":
        community, member, by, role, at = args
        return join(community, member, by=by, role=role, at=at)
    if kind == "leave":
        community, member, by, at = args
        return RecordEvent(MemberLeft(community_id=community, member_id=member), by, at)
    if kind == "share":
        community, member, resource, at = args
        return share(community, member, resource, at=at)
    if kind == "lead":
        community, leader, session, attendees, at = args
        return lead(community, session, leader, attendees=[a for a in attendees if a != leader],
                    at=at)
    if kind == "reflect":
        community, member, reflection, at = args
        return reflect(community, member, reflection, at=at)
    if kind == "retract":
        position, by, at = args
        return retract(position, by, at=at)
    if kind == "hand_over":
        community, old, new, at = args
        return hand_over(community, old, new, at=at)
    member, at = args
    return RecordEvent(MemberErased(member_id=member, requested_by=member), "admin", at,
                       privileged=True)


def to_options(spec) -> Options:
    key, version = spec
    return Options(idempotency_key=key, expected_version=version)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prelude=st.sampled_from((True, True, True, False)),
       script=st.lists(steps, min_size=10, max_size=50))
def test_random_commands_keep_the_log_sound_and_refusals_leave_no_trace(prelude, script):
    recorder = MemoryRecorder()
    master_key, seal, clock = os.urandom(32), Seal(os.urandom(32)), FakeClock()
    store = EventStore(recorder, master_key=master_key, seal=seal, clock=clock)
    accepted = 0
    if prelude:
        community_with(store, "c1", "ana", ["ivan", "mila"])
        store.submit(register("zoran"))
    for step in script:
        before_rows, before_head = list(recorder.rows), recorder.head()
        if step[0] == "clock_back":
            clock.set(clock.now - timedelta(hours=step[1]))
            continue
        if step[0] == "one":
            try:
                results, error = [store.submit(build(step[1]), to_options(step[2]))], None
            except errors.Refused as refused:
                results, error = [], refused
        else:
            items = [(build(c), to_options(o)) for c, o in step[1]]
            batch = store.submit_batch(items)
            results, error = batch.results, batch.error
            assert len(results) == (batch.error_index if error is not None else len(items))
        appended = [p for r in results if not r.replayed for p in r.positions]
        accepted += len(results)
        # Only what the acknowledged commands appended was added, right after the old end.
        assert [r.position for r in recorder.rows] == list(range(1, len(recorder.rows) + 1))
        assert appended == list(range(len(before_rows) + 1, len(recorder.rows) + 1))
        assert recorder.rows[:len(before_rows)] == before_rows
        if not appended:
            assert recorder.head() == before_head
        for result in results:
            for rec in result.records:
                assert recorder.rows[rec.position - 1].event_id == rec.event_id
        if error is not None and not results:
            assert recorder.rows == before_rows
    event(f"accepted {min(accepted // 5 * 5, 20)}+")
    checked = check_log(store, seal)
    assert checked.problems == []
    fresh = EventStore(recorder, master_key=master_key, seal=seal, clock=clock)
    fresh.catch_up()
    assert fresh.state == store.state
