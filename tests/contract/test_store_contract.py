"""The event store's contract (DESIGN "The event log"), written once, run on every backend.

The `backend` fixture (tests/contract/conftest.py) runs each test in memory, on a SQLite
file and on PostgreSQL; nothing here knows which one it is on, except where a check reads
the key table of a SQL database, or a SQLite file's bytes, directly. The last section
wraps the store's recorder to inject failures inside the append section (a lock timeout,
a lost connection) and checks that nothing half-done survives them.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from events.crypto import is_ciphertext
from events.memory import MemoryRecorder
from events.store import EventStore, Options, appended, erased
from events.instance import InstanceMismatch
from events.sql import make_engine
from events.tables import events, log_head, member_keys
from journey import errors
from journey.clock import from_micros, to_micros
from events.schemas import SchemaInvalid
from journey.events import (ActionPlanCreated, EntryCorrected, MemberErased, NetworkCreated,
                            NormsAgreed, ResourceShared, Step)
from journey.records import RecordEvent
from tests.contract.scenario import (ACTED, JOINED, FakeClock, Seal, check_log, community_with,
                                     found, give_feedback, hand_over, join, lead, reflect,
                                     register, retract, share)

C1 = "vrsac-1"


def snapshot(store: EventStore) -> tuple[int, Any, list]:
    """Everything a refusal must leave as it was: last position, sealed head, every row."""
    return store.last_position(), store.head(), list(store.read_rows())


@contextmanager
def signals_of(store: EventStore) -> Iterator[list[list[int]]]:
    """The positions of every `appended` signal the store sends while the block runs."""
    sent: list[list[int]] = []

    def receiver(sender, positions):
        sent.append(list(positions))

    with appended.connected_to(receiver, sender=store):
        yield sent


def assert_sound(backend, store: EventStore) -> list:
    """The whole log is gapless, chained and sealed; returns its rows."""
    checked = check_log(store, backend.seal)
    assert checked.problems == []
    return checked.rows


@pytest.fixture
def cop(store: EventStore) -> EventStore:
    """vrsac-1: ana facilitates, ivan and mila are members (all since 2024-01-10)."""
    community_with(store, C1, "ana", ["ivan", "mila"])
    return store


# -- positions, versions, times ---------------------------------------------------------------

def test_positions_are_gapless_from_one(backend, cop):
    cop.submit(share(C1, "ivan", "r-1"))
    cop.submit(hand_over(C1, "ana", "ivan"))
    rows = assert_sound(backend, cop)
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    assert [r.position for r in cop.read()] == [r.position for r in rows]
    assert cop.last_position() == len(rows) == 10


def test_text_comes_back_as_written_whatever_its_characters(backend, cop):
    # Tabs, line ends, backslashes and "\\N" are what a bulk format (PostgreSQL's COPY)
    # must escape; a new store reads the rows from the database, not from its own state.
    title = "Tab\there, line\nend, back\\slash, \\N, \"quoted\", Ćirilica — школа 🌱"
    cop.submit(RecordEvent(ResourceShared(community_id=C1, resource_id="r-text",
                                          member_id="ivan", title=title, kind="rubric"),
                           "ivan", ACTED))
    assert_sound(backend, cop)
    fresh = backend.open()
    shared = [r.event for r in fresh.read() if r.type == "ResourceShared"]
    assert [e.title for e in shared] == [title]
    assert [r.idempotency_scope for r in fresh.read_rows()][-1] is None


def test_stream_versions_count_from_one_in_each_stream(cop):
    cop.submit(share(C1, "mila", "r-1"))
    versions: dict[str, list[int]] = {}
    for row in cop.read_rows():
        versions.setdefault(row.stream, []).append(row.version)
    assert versions == {"member-ana": [1], "member-ivan": [1], "member-mila": [1],
                        "community-vrsac-1": [1, 2, 3, 4, 5]}


def test_recorded_at_never_goes_back_when_the_clock_does(backend, store, clock):
    store.submit(register("ana"))
    clock.set(clock.now - timedelta(hours=3))
    store.submit(register("ivan"))
    clock.set(clock.now - timedelta(days=1))
    store.submit(register("mila"))
    rows = assert_sound(backend, store)
    assert rows[0].recorded_at <= rows[1].recorded_at <= rows[2].recorded_at


def test_recorded_at_never_goes_back_across_stores_with_slower_clocks(backend, store, clock):
    store.submit(register("ana"))
    behind = backend.open(FakeClock(clock.now - timedelta(hours=1)))
    behind.submit(register("ivan"))
    first, second = list(store.read_rows())
    assert second.recorded_at >= first.recorded_at


def test_occurred_at_in_the_past_is_accepted_and_kept(store):
    long_ago = JOINED - timedelta(days=900)
    result = store.submit(register("ana", at=long_ago))
    (recorded,) = list(store.read())
    assert recorded.position == result.position == 1
    assert recorded.occurred_at == long_ago
    assert recorded.recorded_at > long_ago


def test_occurred_at_in_the_future_is_refused(store, clock):
    with pytest.raises(errors.FutureOccurredAt):
        store.submit(register("ana", at=clock.now + timedelta(days=1)))
    assert store.last_position() == 0 and store.head() is None


# -- refusals ----------------------------------------------------------------------------------

REFUSALS = {
    "unknown_member": (lambda: share(C1, "nobody", "r-9"), Options(), errors.UnknownReference),
    "duplicate_id": (lambda: share(C1, "ivan", "r-1"), Options(), errors.DuplicateId),
    "not_a_member": (lambda: share("vrsac-2", "ivan", "r-9"), Options(), errors.Refused),
    "future_occurred_at": (lambda: share(C1, "ivan", "r-9", at=ACTED + timedelta(days=9999)),
                           Options(), errors.FutureOccurredAt),
    "version_conflict": (lambda: share(C1, "ivan", "r-9"), Options(expected_version=1),
                         errors.VersionConflict),
    "idempotency_key_reused": (lambda: share(C1, "ivan", "r-other"),
                               Options(idempotency_key="k-1"), errors.IdempotencyKeyReused),
}


@pytest.mark.parametrize("rule", sorted(REFUSALS))
def test_a_refused_command_appends_nothing(cop, rule):
    cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    cop.submit(found("vrsac-2", "mila"))
    cop.submit(join("vrsac-2", "mila", by="mila", role="facilitator"))
    before = snapshot(cop)
    command, options, refusal = REFUSALS[rule]
    with signals_of(cop) as sent, pytest.raises(refusal) as refused:
        cop.submit(command(), options)
    assert refused.value.rule == rule
    assert snapshot(cop) == before
    assert sent == []
    # The store still appends after the refusal, right after the last position.
    assert cop.submit(share(C1, "mila", "r-2")).positions == [before[0] + 1]


# -- input rules: one check on every append, whoever built the event ---------------------------

def _built(event, actor: str = "ivan", privileged: bool = False) -> RecordEvent:
    return RecordEvent(event, actor, ACTED, privileged=privileged)


# The web forms build events in code, without the schemas that load the API's JSON, a CLI
# record or an import line: the store refuses what those refuse, the field named, so an
# export always imports again.
BAD_EVENTS = {
    "text": lambda p: reflect(C1, "ivan", "rf-9", text="a\x00b"),
    "title": lambda p: _built(ResourceShared(community_id=C1, resource_id="r-9",
                                             member_id="ivan", title="lone \ud800",
                                             kind="rubric")),
    "norms.1": lambda p: _built(NormsAgreed(community_id=C1, norms=("Listen", "a\x00b"),
                                            agreed_by=("ana",)), "ana"),
    "steps.0.title": lambda p: _built(ActionPlanCreated(
        community_id=C1, plan_id="p-9", inquiry_question="How?",
        steps=(Step(step_id="st-1", title="a\x00b", owners=("ivan",)),))),
    "fields.title": lambda p: _built(EntryCorrected(position=p, corrected_by="ivan",
                                                    fields={"title": "a\x00b"},
                                                    reason="typo")),
    "requested_by": lambda p: _built(MemberErased(member_id="mila", requested_by=""),
                                     "admin", privileged=True),
    "ends_on": lambda p: _built(NetworkCreated(network_id="n-9", name="Net",
                                               starts_on="2024-05-01",
                                               ends_on="2024-01-31")),
}


@pytest.mark.parametrize("field", sorted(BAD_EVENTS))
def test_an_event_its_schema_refuses_appends_nothing_and_names_the_field(cop, field):
    target = cop.submit(share(C1, "ivan", "r-1")).position
    before = snapshot(cop)
    with signals_of(cop) as sent, pytest.raises(SchemaInvalid) as refused:
        cop.submit(BAD_EVENTS[field](target), Options(idempotency_key="k-9"))
    assert refused.value.rule == "schema_invalid" and refused.value.kind == "invalid"
    assert refused.value.field_path == field
    assert snapshot(cop) == before and sent == []
    assert cop.submit(share(C1, "ivan", "r-2"), Options(idempotency_key="k-9")).positions \
        == [before[0] + 1]


@pytest.mark.parametrize("fields", [{"title": "a\x00b"}, {"text": "Mine"}, {"nope": 1}])
def test_a_correction_someone_may_not_make_is_refused_before_its_values(cop, fields):
    # mila may correct neither ivan's resource nor his registration: the schema's errors
    # about her values would name the entry's type and fields, so the rules refuse her first.
    registered = next(r.position for r in cop.read_rows() if r.type == "MemberRegistered"
                      and r.actor == "ivan")
    targets = [cop.submit(share(C1, "ivan", "r-1")).position, registered]
    before = snapshot(cop)
    for target in targets:
        with pytest.raises(errors.Refused) as refused:
            cop.submit(_built(EntryCorrected(position=target, corrected_by="mila",
                                             fields=fields, reason="typo"), "mila"))
        assert refused.value.rule == "not_facilitator_or_coordinator"
        assert refused.value.message == (
            f"only the author of the entry at position {target}, or a facilitator or "
            "coordinator of its community (a private reflection: only its author), can "
            "have it corrected")
    assert snapshot(cop) == before


@pytest.mark.parametrize("key", ["", "   ", "k" * 201, "a\x00b", "tab\tkey", "lone\udc00"])
def test_an_idempotency_key_that_cannot_be_stored_is_refused(cop, key):
    before = snapshot(cop)
    with pytest.raises(SchemaInvalid) as refused:
        cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key=key))
    assert refused.value.field_path == "idempotency_key"
    assert snapshot(cop) == before
    assert cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k" * 200)).positions


def test_a_batch_stops_at_an_event_its_schema_refuses_and_commits_the_earlier(cop):
    before = cop.last_position()
    batch = cop.submit_batch([(share(C1, "ivan", "r-1"), Options()),
                               (reflect(C1, "ivan", "rf-9", text="a\x00b"), Options()),
                               (share(C1, "ivan", "r-2"), Options())])
    assert isinstance(batch.error, SchemaInvalid) and batch.error_index == 1
    assert cop.last_position() == before + 1


def test_erase_refuses_an_empty_requested_by_and_keeps_the_key(backend, personal):
    before = snapshot(personal)
    with pytest.raises(SchemaInvalid) as refused:
        personal.erase("ivan", "")
    assert refused.value.fields == {"requested_by": ["must not be empty"]}
    assert snapshot(personal) == before
    assert personal_values(personal.read())[("ivan", "display_name")] == "Name of ivan"


# -- idempotency -------------------------------------------------------------------------------

def test_same_key_and_body_replays_the_first_result(cop):
    first = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    before = snapshot(cop)
    with signals_of(cop) as sent:
        again = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    assert not first.replayed and again.replayed
    assert again.positions == first.positions
    assert [r.event_id for r in again.records] == [r.event_id for r in first.records]
    assert snapshot(cop) == before
    assert sent == []


def test_a_replay_is_answered_even_when_deciding_again_would_refuse(cop):
    first = cop.submit(register("zoran"), Options(idempotency_key="signup"))
    again = cop.submit(register("zoran"), Options(idempotency_key="signup"))
    assert again.replayed and again.positions == first.positions


def test_a_replayed_hand_over_returns_both_its_events(cop):
    first = cop.submit(hand_over(C1, "ana", "ivan"), Options(idempotency_key="h-1"))
    cop.submit(share(C1, "mila", "r-1"))
    again = cop.submit(hand_over(C1, "ana", "ivan"), Options(idempotency_key="h-1"))
    assert again.replayed and len(first.positions) == 2
    assert again.positions == first.positions


def test_a_replay_returns_only_its_own_events_when_a_correlation_id_is_shared(cop):
    # `journey import` keeps the file's meta: consecutive lines may share a correlation_id
    # (an exported hand-over does), and each line carries its own idempotency key.
    meta = {"correlation_id": "corr-from-the-file"}
    first = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="line-1", meta=meta))
    cop.submit(share(C1, "ivan", "r-2"), Options(idempotency_key="line-2", meta=meta))
    again = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="line-1", meta=meta))
    assert again.replayed
    assert again.positions == first.positions


def test_same_key_with_a_different_body_is_refused(cop):
    cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    before = snapshot(cop)
    with pytest.raises(errors.IdempotencyKeyReused) as refused:
        cop.submit(share(C1, "ivan", "r-2"), Options(idempotency_key="k-1"))
    assert refused.value.rule == "idempotency_key_reused"
    with pytest.raises(errors.IdempotencyKeyReused):
        cop.submit(share(C1, "ivan", "r-1", at=ACTED + timedelta(hours=1)),
                    Options(idempotency_key="k-1"))
    assert snapshot(cop) == before


def test_idempotency_keys_are_scoped_per_actor(cop):
    by_ivan = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="same"))
    by_mila = cop.submit(share(C1, "mila", "r-2"), Options(idempotency_key="same"))
    assert not by_mila.replayed
    assert by_mila.positions == [by_ivan.position + 1]
    assert cop.submit(share(C1, "mila", "r-2"), Options(idempotency_key="same")).replayed


def test_the_result_of_a_key_is_found_without_sending_the_command_again(cop):
    handed = cop.submit(hand_over(C1, "ana", "ivan"), Options(idempotency_key="h-1"))
    cop.submit(share(C1, "mila", "r-1"), Options(idempotency_key="h-1"))
    before = snapshot(cop)
    with signals_of(cop) as sent:
        found = cop.replayed("ana", "h-1")
    assert found is not None and found.replayed
    assert found.positions == handed.positions and len(found.positions) == 2
    assert [r.event for r in found.records] == [r.event for r in handed.records]
    assert cop.replayed("ivan", "h-1") is None  # keys are the actor's own
    assert cop.replayed("ana", "never-sent") is None
    assert snapshot(cop) == before and sent == []


def test_a_refused_request_stores_no_key_so_a_retry_may_succeed(cop):
    with pytest.raises(errors.Refused):
        cop.submit(share(C1, "zoran", "r-1"), Options(idempotency_key="k-1"))
    cop.submit(register("zoran"))
    cop.submit(join(C1, "zoran", by="ana"))
    result = cop.submit(share(C1, "zoran", "r-1"), Options(idempotency_key="k-1"))
    assert not result.replayed and result.positions == [cop.last_position()]


def test_a_key_repeated_within_one_batch_replays(cop):
    command = share(C1, "ivan", "r-1")
    batch = cop.submit_batch([(command, Options(idempotency_key="k-1")),
                               (command, Options(idempotency_key="k-1"))])
    assert batch.error is None
    first, second = batch.results
    assert not first.replayed and second.replayed
    assert second.positions == first.positions == [cop.last_position()]


# -- optimistic concurrency --------------------------------------------------------------------

def test_the_expected_version_appends_when_it_is_current(cop):
    current = cop.state.stream_versions["community-vrsac-1"]
    result = cop.submit(share(C1, "ivan", "r-1"), Options(expected_version=current))
    assert result.records[0].version == current + 1


def test_a_new_stream_is_expected_at_version_zero(store):
    assert store.submit(register("ana"), Options(expected_version=0)).records[0].version == 1
    with pytest.raises(errors.VersionConflict):
        store.submit(found(C1, "ana"), Options(expected_version=3))


def test_stream_exists_refuses_only_the_first_event_of_a_stream(store):
    """If-Match: * (RFC 9110, "any current representation"): any version but none."""
    with pytest.raises(errors.VersionConflict):
        store.submit(register("ana"), Options(stream_exists=True))
    assert store.last_position() == 0
    store.submit(register("ana"))
    store.submit(found(C1, "ana"))
    assert store.submit(join(C1, "ana", by="ana", role="facilitator"),
                        Options(stream_exists=True)).records[0].version == 2


def test_a_stale_expected_version_conflicts_and_appends_nothing(backend, cop):
    seen = cop.state.stream_versions["community-vrsac-1"]
    other = backend.open()
    other.submit(share(C1, "mila", "r-1"))
    before = snapshot(cop)
    with pytest.raises(errors.VersionConflict) as refused:
        cop.submit(share(C1, "ivan", "r-2"), Options(expected_version=seen))
    assert refused.value.rule == "version_conflict"
    assert snapshot(cop) == before


def test_without_an_expected_version_both_commands_on_one_stream_succeed(backend, cop):
    other = backend.open()  # decided on a stale state until its append catches it up
    first = cop.submit(share(C1, "ivan", "r-1"))
    second = other.submit(share(C1, "mila", "r-2"))
    assert second.positions == [first.position + 1]
    assert second.records[0].version == first.records[0].version + 1
    assert_sound(backend, cop)


# -- hand-over and batches ---------------------------------------------------------------------

def test_a_hand_over_appends_two_role_changes_in_one_transaction(backend, cop):
    with signals_of(cop) as sent:
        result = cop.submit(hand_over(C1, "ana", "ivan"))
    promote, step_down = result.records
    assert result.positions == [promote.position, promote.position + 1]
    assert sent == [result.positions]
    assert (promote.type, promote.event.member_id, promote.event.from_role,
            promote.event.to_role) == ("RoleChanged", "ivan", "member", "facilitator")
    assert (step_down.type, step_down.event.member_id, step_down.event.from_role,
            step_down.event.to_role) == ("RoleChanged", "ana", "facilitator", "member")
    rows = [r for r in cop.read_rows() if r.position in result.positions]
    assert {r.stream for r in rows} == {"community-vrsac-1"}
    assert rows[1].version == rows[0].version + 1
    assert rows[0].meta["correlation_id"] == rows[1].meta["correlation_id"]
    assert_sound(backend, cop)


def test_a_batch_stops_at_the_refused_command_and_commits_the_earlier(backend, cop):
    start = cop.last_position()
    with signals_of(cop) as sent:
        batch = cop.submit_batch([
            (share(C1, "ivan", "r-1"), Options()),
            (share(C1, "mila", "r-2"), Options()),
            (share(C1, "nobody", "r-3"), Options()),
            (share(C1, "ivan", "r-4"), Options()),
        ])
    assert [r.positions for r in batch.results] == [[start + 1], [start + 2]]
    assert batch.error_index == 2 and batch.error.rule == "unknown_member"
    assert cop.last_position() == start + 2
    assert [r.event.resource_id for r in cop.read(after=start)] == ["r-1", "r-2"]
    assert sent == [[start + 1, start + 2]]
    assert_sound(backend, cop)


def test_a_batch_refused_at_its_first_command_appends_nothing(cop):
    before = snapshot(cop)
    batch = cop.submit_batch([(share(C1, "nobody", "r-1"), Options()),
                               (share(C1, "ivan", "r-2"), Options())])
    assert batch.results == [] and batch.error_index == 0
    assert snapshot(cop) == before


def test_a_later_batch_command_may_refer_to_an_earlier_one(backend, cop):
    target = cop.last_position() + 1
    batch = cop.submit_batch([(share(C1, "ivan", "r-1"), Options()),
                               (retract(target, "ivan"), Options())])
    assert batch.error is None
    shared, retraction = list(cop.read(after=target - 1))
    assert retraction.type == "EntryRetracted" and retraction.event.position == target
    assert retraction.stream == shared.stream
    assert_sound(backend, cop)


# -- tamper evidence ---------------------------------------------------------------------------

def test_every_hash_chains_the_row_as_stored_and_the_head_is_sealed(backend, cop):
    cop.submit(lead(C1, "s-1", "ivan", attendees=["mila"]))
    cop.submit(reflect(C1, "mila", "rf-1"))
    cop.submit(hand_over(C1, "ana", "mila"))
    rows = assert_sound(backend, cop)
    head = cop.head()
    assert (head.position, head.hash) == (rows[-1].position, rows[-1].hash)
    assert head.seal == backend.seal(head.position, head.hash)
    assert rows[0].hash != rows[1].hash


def test_a_store_with_another_instance_s_seal_key_never_seals_over_the_head(backend, cop):
    cop.submit(lead(C1, "s-1", "ivan"))
    head, last = cop.head(), cop.last_position()
    stranger = backend.open(seal=Seal(os.urandom(32)))

    with pytest.raises(InstanceMismatch, match="does not vouch for its last row"):
        stranger.submit(lead(C1, "s-2", "ivan"))

    assert (cop.head(), cop.last_position()) == (head, last)
    assert_sound(backend, cop)
    cop.submit(lead(C1, "s-3", "ivan"))  # its own instance appends on
    assert_sound(backend, cop)


@pytest.mark.parametrize("damage", ["truncated", "headless"])
def test_rows_or_head_changed_outside_journey_stop_appends(backend, cop, damage):
    # Without the check, the next append sealed a head over what was left: verify then
    # vouched for a truncated log.
    cop.submit(lead(C1, "s-1", "ivan"))
    cop.submit(lead(C1, "s-2", "ivan"))
    last = cop.last_position()
    if backend.is_sql:
        engine = make_engine(backend.url)
        with engine.begin() as conn:
            if damage == "truncated":
                conn.execute(delete(events).where(events.c.position == last))
            else:
                conn.execute(delete(log_head))
        engine.dispose()
    elif damage == "truncated":
        cop.recorder.rows.pop()
    else:
        cop.recorder._head = None
    fresh = backend.open()

    with pytest.raises(InstanceMismatch):
        fresh.submit(lead(C1, "s-3", "ivan"))

    assert fresh.last_position() == (last - 1 if damage == "truncated" else last)


# -- personal data and erasure -----------------------------------------------------------------

@pytest.fixture
def personal(store: EventStore) -> EventStore:
    """ana (facilitator) and ivan in vrsac-1, with e-mails, a session, a reflection and feedback."""
    store.submit(register("ana", email="ana@example.org"))
    store.submit(register("ivan", email="ivan@example.org"))
    community_with(store, C1, "ana", ["ivan"])
    store.submit(lead(C1, "s-1", "ana", attendees=["ivan"]))
    store.submit(reflect(C1, "ivan", "rf-1", text="Ivan's own words"))
    store.submit(give_feedback(C1, "ivan", "ana", "s-1", text="Ivan thanks Ana"))
    store.submit(give_feedback(C1, "ana", "ivan", "s-1", text="Ana thanks Ivan"))
    return store


def test_reading_many_people_s_rows_looks_their_keys_up_together(personal, monkeypatch):
    # More people than one IN list (500) holds: a read of the log decrypts their rows
    # with one key lookup a page, never one (a connection) per key the cache lacks.
    people = [f"m-{n:03d}" for n in range(620)]
    personal.submit_batch([(register(m, email=f"{m}@example.org"), Options()) for m in people])
    personal.erase("ivan", "ivan")
    personal.cipher.clear_cache()
    one_by_one: list[str] = []
    together: list[int] = []
    recorder = personal.recorder
    get_one, get_many = recorder.get_wrapped, recorder.get_wrapped_many
    monkeypatch.setattr(recorder, "get_wrapped", lambda m: one_by_one.append(m) or get_one(m))
    monkeypatch.setattr(recorder, "get_wrapped_many",
                        lambda ms: together.append(len(ms)) or get_many(ms))

    emails = {r.event.member_id: r.event.email for r in personal.read()
              if r.type == "MemberRegistered"}

    assert {m: emails[m] for m in people} == {m: f"{m}@example.org" for m in people}
    assert emails["ana"] == "ana@example.org" and is_ciphertext(emails["ivan"])
    # ivan has no key left: looked up with the others, and then on its own when decrypted
    assert set(one_by_one) <= {"ivan"} and len(together) <= 3
    found = get_many(["ana", "ivan", "nobody", *people])
    assert sorted(found) == sorted(["ana", *people])
    assert found["ana"] == get_one("ana")


def personal_values(rows) -> dict[tuple[str, str], Any]:
    """(type and whose, field) -> value, for the personal fields of the `personal` log."""
    out = {}
    for row in rows:
        data = row.event.to_data() if hasattr(row, "event") else row.data
        if row.type == "MemberRegistered":
            for name in ("display_name", "email"):
                out[(data["member_id"], name)] = data[name]
        elif row.type == "ReflectionRecorded":
            out[(data["member_id"], "reflection")] = data["text"]
        elif row.type == "FeedbackGiven":
            out[(data["from_member_id"], "feedback")] = data["text"]
    return out


def test_personal_fields_are_ciphertext_at_rest_and_clear_when_read(personal):
    stored = personal_values(personal.read_rows())
    assert len(stored) == 7 and all(is_ciphertext(v) for v in stored.values())
    assert {r.data["school"] for r in personal.read_rows() if r.type == "MemberRegistered"} == {
        "OŠ Vuk Karadžić"}
    assert personal_values(personal.read()) == {
        ("ana", "display_name"): "Name of ana", ("ana", "email"): "ana@example.org",
        ("ivan", "display_name"): "Name of ivan", ("ivan", "email"): "ivan@example.org",
        ("ivan", "reflection"): "Ivan's own words", ("ivan", "feedback"): "Ivan thanks Ana",
        ("ana", "feedback"): "Ana thanks Ivan"}


def test_keyed_commands_keep_personal_fields_ciphertext_and_the_chain_sound(backend, store):
    # A keyed command encodes its clear data once for its digest, and stores that text
    # only when no field of it is personal.
    store.submit(register("ana", email="ana@example.org"), Options(idempotency_key="k-1"))
    store.submit(register("ivan", email="ivan@example.org"), Options(idempotency_key="k-2"))
    community_with(store, C1, "ana", ["ivan"])
    store.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-3"))
    reflection = reflect(C1, "ivan", "rf-1", text="Ivan's own words")
    store.submit(reflection, Options(idempotency_key="k-4"))
    stored = personal_values(store.read_rows())
    assert len(stored) == 5 and all(is_ciphertext(v) for v in stored.values())
    assert personal_values(store.read())[("ivan", "reflection")] == "Ivan's own words"
    assert store.submit(reflection, Options(idempotency_key="k-4")).replayed
    assert store.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-3")).replayed
    assert_sound(backend, store)


def test_an_erased_members_words_stay_ciphertext_and_their_key_is_gone(backend, personal):
    stored_before = personal_values(personal.read_rows())
    wrapped = personal.recorder.get_wrapped("ivan")
    told: list[str] = []

    def on_erased(sender, member_id):
        told.append(member_id)

    with signals_of(personal) as sent, erased.connected_to(on_erased, sender=personal):
        result = personal.erase("ivan", requested_by="ivan")
    assert sent == [result.positions] and told == ["ivan"]
    assert result.records[0].type == "MemberErased"
    assert personal.recorder.get_wrapped("ivan") is None
    if backend.is_sql:
        with personal.recorder.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(member_keys).where(
                member_keys.c.member_id == "ivan")).scalar() == 0
    if backend.name == "sqlite":
        # secure_delete and the WAL checkpoint leave no copy of the key on disk.
        database = Path(personal.recorder.engine.url.database)
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                assert bytes(wrapped) not in path.read_bytes(), f"the key lingers in {path.name}"
    for reader in (personal, backend.open()):
        seen = personal_values(reader.read())
        for key, value in seen.items():
            if key[0] == "ivan":
                assert is_ciphertext(value) and value == stored_before[key], key
            else:
                assert not is_ciphertext(value), key
    # Nothing was rewritten: the chain over the stored rows still verifies.
    rows = assert_sound(backend, personal)
    assert personal_values(rows) == stored_before


def test_a_member_erased_recorded_as_a_command_loses_their_key_too(backend, personal):
    # `journey import` and `journey record` append MemberErased as any other line.
    erasure = RecordEvent(MemberErased(member_id="ivan", requested_by="ivan"), "admin", ACTED,
                          privileged=True)
    personal.submit(erasure)
    assert personal.recorder.get_wrapped("ivan") is None
    assert is_ciphertext(next(r for r in backend.open().read()
                              if r.type == "MemberRegistered"
                              and r.event.member_id == "ivan").event.display_name)


@pytest.mark.parametrize("command", [
    lambda: share(C1, "ivan", "r-9"),
    lambda: give_feedback(C1, "ana", "ivan", "s-1"),
    lambda: register("ivan"),
    lambda: join("vrsac-1", "ivan", by="ana"),
], ids=["by them", "to them", "register again", "join again"])
def test_nothing_more_is_recorded_about_an_erased_member(backend, personal, command):
    personal.submit(RecordEvent(MemberErased(member_id="ivan", requested_by="ivan"), "admin",
                                 ACTED, privileged=True))
    before = snapshot(personal)
    for via in (personal, backend.open()):
        with pytest.raises(errors.MemberIsErased) as refused:
            via.submit(command())
        assert refused.value.rule == "member_erased"
    with pytest.raises(errors.MemberIsErased):
        personal.erase("ivan", requested_by="ivan")
    assert snapshot(personal) == before


# -- signals -----------------------------------------------------------------------------------

def test_the_appended_signal_fires_once_per_commit_with_its_positions(cop):
    with signals_of(cop) as sent:
        one = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k"))
        two = cop.submit(hand_over(C1, "ana", "mila"))
        cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k"))  # a replay
        with pytest.raises(errors.Refused):
            cop.submit(share(C1, "nobody", "r-2"))
    assert sent == [one.positions, two.positions]


# -- several stores on one log -----------------------------------------------------------------

def test_a_second_store_decides_on_the_whole_log(backend, store):
    store.submit(register("ana"))
    store.submit(found(C1, "ana"))
    other = backend.open()
    with pytest.raises(errors.DuplicateId):
        other.submit(register("ana"))
    with pytest.raises(errors.DuplicateId):
        other.submit(found(C1, "ana"))
    assert other.submit(register("ivan")).positions == [3]
    with pytest.raises(errors.DuplicateId):
        store.submit(register("ivan"))
    assert store.submit(join(C1, "ana", by="ana", role="facilitator")).positions == [4]
    assert other.submit(join(C1, "ivan", by="ana")).records[0].version == 3
    assert_sound(backend, store)


def test_a_second_store_replays_an_idempotency_key_used_through_the_first(backend, cop):
    first = cop.submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    again = backend.open().submit(share(C1, "ivan", "r-1"), Options(idempotency_key="k-1"))
    assert again.replayed and again.positions == first.positions


def test_catch_up_folds_what_other_stores_appended(backend, cop):
    other = backend.open()
    assert other.catch_up() == cop.last_position()
    assert other.state.stream_versions == cop.state.stream_versions


# -- reading -----------------------------------------------------------------------------------

def test_read_pages_between_positions(cop):
    assert [r.position for r in cop.read(after=2, upto=5)] == [3, 4, 5]
    assert [r.position for r in cop.read_rows(after=5)] == [6, 7]
    assert list(cop.read(after=7)) == [] and list(cop.read(after=2, upto=2)) == []
    # An upto past the end reads to the end (the rest of its window finds nothing).
    assert [r.position for r in cop.read_rows(after=4, upto=10**12)] == [5, 6, 7]
    assert [r.position for r in cop.recorder.read(after=0, upto=10**12, batch=3)] == [
        1, 2, 3, 4, 5, 6, 7]


def test_rows_at_gives_each_position_once_in_order_and_skips_missing_ones(cop):
    rows = cop.recorder.rows_at([5, 2, 2, cop.last_position() + 1, 0])
    assert [r.position for r in rows] == [2, 5]
    assert rows == [r for r in cop.read_rows() if r.position in (2, 5)]
    assert cop.recorder.rows_at([]) == []


def test_rows_at_of_some_types_leaves_the_other_rows_out(cop):
    every = list(cop.read_rows())
    kinds = {every[1].type, every[4].type}

    rows = cop.recorder.rows_at([r.position for r in every], types=kinds)

    assert rows == [r for r in every if r.type in kinds]
    assert len(rows) < len(every)
    assert cop.recorder.rows_at([r.position for r in every], types=()) == []


def test_position_at_cuts_the_log_by_recorded_at(store, clock):
    community_with(store, C1, "ana", ["ivan"])
    clock.set(clock.now - timedelta(days=2))  # a clock that went back: recorded_at holds
    store.submit(share(C1, "ivan", "r-1"))
    rows = list(store.read_rows())
    assert rows[-1].recorded_at == rows[-2].recorded_at
    assert store.position_at(from_micros(rows[0].recorded_at - 1)) == 0
    for row in rows:
        cut = store.position_at(from_micros(row.recorded_at))
        assert cut == max(r.position for r in rows if r.recorded_at <= row.recorded_at)
        assert all(r.recorded_at <= row.recorded_at for r in rows[:cut])
        assert all(r.recorded_at > row.recorded_at for r in rows[cut:])
    assert store.position_at(from_micros(rows[-1].recorded_at) + timedelta(days=1)) == len(rows)
    halfway = from_micros((rows[1].recorded_at + rows[2].recorded_at) // 2)
    assert store.position_at(halfway) == 2
    assert to_micros(halfway) < rows[2].recorded_at


def test_a_store_may_start_from_a_state_folded_elsewhere(backend, cop):
    """gunicorn's workers start from the state their master folded before forking."""
    master = backend.open()
    master.catch_up()
    worker = backend.open()

    worker.start_from(master)
    assert master.state.position == 0  # handed over, not shared
    cop.submit(share(C1, "ivan", "r-1"))  # appended after the master folded
    worker.submit(lead(C1, "s-1", "mila"))

    fresh = backend.open()
    fresh.catch_up()
    assert worker.state == fresh.state and worker.state.position == cop.last_position()
    assert_sound(backend, worker)
    with pytest.raises(RuntimeError):
        worker.start_from(master)  # a store that has folded keeps its own state


def test_a_state_folded_from_another_log_is_refused(backend, cop):
    elsewhere = EventStore(MemoryRecorder(), master_key=backend.master_key, seal=backend.seal)
    community_with(elsewhere, C1, "ana", ["ivan", "mila"])  # same commands, other event ids
    worker = backend.open()

    with pytest.raises(ValueError):
        worker.start_from(elsewhere)
    assert worker.state.position == 0


# -- failures inside the append section --------------------------------------------------------

class Injected(Exception):
    """A failure the test injects inside the append section."""


class FlakyRecorder:
    """The store's recorder, with one failure injected into its next append section.

    `at` names where: a transaction method ("insert", "put_wrapped", "delete") or
    "commit" (after the store's work, before the commit). `transient` makes the store's
    retry loop treat the failure as a lock timeout.
    """

    def __init__(self, inner, at: str, transient: bool) -> None:
        self.inner = inner
        self.at = at
        self.transient = transient
        self.failures = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _fail(self) -> None:
        if self.failures == 0:
            self.failures += 1
            raise Injected(f"injected failure at {self.at}")

    @contextmanager
    def serialised(self):
        with self.inner.serialised() as tx:
            yield _FlakyTransaction(tx, self)
            if self.at == "commit":
                self._fail()

    def is_transient(self, error: BaseException) -> bool:
        if isinstance(error, Injected):
            return self.transient
        return self.inner.is_transient(error)


class _FlakyTransaction:
    def __init__(self, inner, flaky: FlakyRecorder) -> None:
        self.inner = inner
        self.flaky = flaky

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name != self.flaky.at:
            return attr

        def failing(*args, **kwargs):
            self.flaky._fail()
            return attr(*args, **kwargs)
        return failing


@pytest.mark.parametrize("at", ["insert", "commit"])
def test_a_transient_failure_is_retried_without_a_gap_or_a_phantom(backend, cop, at):
    start = cop.last_position()
    flaky = cop.recorder = FlakyRecorder(cop.recorder, at, transient=True)
    result = cop.submit(share(C1, "ivan", "r-1"))
    assert flaky.failures == 1
    assert result.positions == [start + 1]
    cop.recorder = flaky.inner
    assert cop.submit(share(C1, "mila", "r-2")).positions == [start + 2]
    rows = assert_sound(backend, cop)
    assert [r.data["resource_id"] for r in rows[start:]] == ["r-1", "r-2"]


@pytest.mark.parametrize("at", ["insert", "commit"])
def test_a_transient_failure_keeps_a_new_members_key(backend, store, at):
    flaky = store.recorder = FlakyRecorder(store.recorder, at, transient=True)
    store.submit(register("ana", email="ana@example.org"))
    assert flaky.failures == 1
    store.recorder = flaky.inner
    assert store.recorder.get_wrapped("ana") is not None
    (recorded,) = list(backend.open().read())  # a store that never cached ana's key
    assert recorded.event.display_name == "Name of ana"
    assert recorded.event.email == "ana@example.org"


def test_a_failed_append_leaves_the_decision_state_as_the_log(backend, cop):
    start = cop.last_position()
    flaky = cop.recorder = FlakyRecorder(cop.recorder, "insert", transient=False)
    with pytest.raises(Injected):
        cop.submit(share(C1, "ivan", "r-1"))
    cop.recorder = flaky.inner
    assert cop.last_position() == start
    # The command that failed was never recorded: it may be sent again.
    assert cop.submit(share(C1, "ivan", "r-1")).positions == [start + 1]
    assert_sound(backend, cop)


# A COMMIT the database refuses (as a full disk or an I/O error would): a row of `bad`,
# written by a trigger on every new event, names a position that does not exist, and the
# deferred foreign key is checked only at COMMIT.
_FAULT = {
    "sqlite": ["CREATE TABLE bad (pid INTEGER REFERENCES events(position) "
               "DEFERRABLE INITIALLY DEFERRED)",
               "CREATE TRIGGER fault AFTER INSERT ON events BEGIN INSERT INTO bad VALUES (-1); END"],
    "postgres": ["CREATE TABLE bad (pid BIGINT REFERENCES events(position) "
                 "DEFERRABLE INITIALLY DEFERRED)",
                 "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN INSERT INTO bad VALUES (-1); RETURN NEW; END $$",
                 "CREATE TRIGGER fault AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION fault()"],
}
_MENDED = {"sqlite": "DROP TRIGGER fault", "postgres": "DROP TRIGGER fault ON events"}


# A registration writes a member key through SQLAlchemy inside the append (and its
# idempotency key is looked up there); a keyless share by a known member runs on the
# driver alone.
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)],
                         indirect=True)  # a refused COMMIT is a database's
@pytest.mark.parametrize("command", ["register", "share"])
def test_an_append_whose_commit_fails_leaves_the_store_able_to_append(backend, cop, command):
    engine = cop.recorder.engine
    with engine.begin() as conn:
        for statement in _FAULT[backend.name]:
            conn.exec_driver_sql(statement)
    start = cop.last_position()
    failing = register("zoran") if command == "register" else share(C1, "ivan", "r-1")
    key = "first" if command == "register" else None
    with pytest.raises(DBAPIError):
        cop.submit(failing, Options(idempotency_key=key))
    assert cop.last_position() == start
    with engine.begin() as conn:
        conn.exec_driver_sql(_MENDED[backend.name])

    # The same writer connection goes on: with a key, without one, and the one that failed.
    assert cop.submit(register("vesna"), Options(idempotency_key="second")).positions == \
        [start + 1]
    assert cop.submit(share(C1, "mila", "r-2")).positions == [start + 2]
    assert cop.submit(failing, Options(idempotency_key=key)).positions == [start + 3]
    assert_sound(backend, cop)


def test_erasure_is_all_or_nothing(backend, personal):
    flaky = personal.recorder = FlakyRecorder(personal.recorder, "delete", transient=False)
    with pytest.raises(Injected):
        personal.erase("ivan", requested_by="ivan")
    personal.recorder = flaky.inner
    erased_in_log = any(r.type == "MemberErased" for r in personal.read_rows())
    key_kept = personal.recorder.get_wrapped("ivan") is not None
    assert erased_in_log != key_kept, (
        f"MemberErased {'in' if erased_in_log else 'not in'} the log, yet the key "
        f"{'is kept' if key_kept else 'is gone'}")
    if not erased_in_log:
        personal.erase("ivan", requested_by="ivan")
        assert personal.recorder.get_wrapped("ivan") is None


class HeldOpenRecorder:
    """The store's recorder, holding its next append section open until released.

    Notes which threads read member keys through the append's own transaction.
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        self.inside = threading.Event()
        self.release = threading.Event()
        self.key_readers: set[int] = set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @contextmanager
    def serialised(self):
        with self.inner.serialised() as tx:
            yield _HeldTransaction(tx, self)


class _HeldTransaction:
    def __init__(self, inner, held: HeldOpenRecorder) -> None:
        self.inner = inner
        self.held = held

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def get_wrapped(self, member_id):
        self.held.key_readers.add(threading.get_ident())
        return self.inner.get_wrapped(member_id)

    def insert(self, rows):
        self.held.inside.set()
        assert self.held.release.wait(10), "the test never released the append"
        return self.inner.insert(rows)


def test_a_reader_thread_never_uses_another_threads_append_transaction(personal):
    # One store shared by the threads of a web process: a page read while an append is
    # in progress must not run queries on the writer's connection (nor see its
    # uncommitted keys).
    held = personal.recorder = HeldOpenRecorder(personal.recorder)
    writer = threading.Thread(target=personal.submit, args=(share(C1, "ivan", "r-1"),))
    writer.start()
    try:
        assert held.inside.wait(10)
        personal.cipher.clear_cache()  # keys cached earlier have expired
        names = {r.event.display_name for r in personal.read() if r.type == "MemberRegistered"}
    finally:
        held.release.set()
        writer.join(10)
    personal.recorder = held.inner
    assert names == {"Name of ana", "Name of ivan"}
    assert threading.get_ident() not in held.key_readers


def test_a_forms_replay_needs_the_digest_its_first_append_kept(cop):
    # A web form is answered from its key before it is judged: only the form's digest,
    # kept in the first row's meta, tells a re-post from a changed one.
    sent = cop.submit(share(C1, "ivan", "r-1"),
                      Options(idempotency_key="f-1", meta={"form_digest": "d-1"}))
    cop.submit(share(C1, "ivan", "r-2"), Options(idempotency_key="api-1"))
    before = snapshot(cop)
    assert cop.replayed("ivan", "f-1", form_digest="d-1").positions == sent.positions
    with pytest.raises(errors.IdempotencyKeyReused):
        cop.replayed("ivan", "f-1", form_digest="d-2")       # the form was changed
    with pytest.raises(errors.IdempotencyKeyReused):
        cop.replayed("ivan", "api-1", form_digest="d-1")     # the key came another way
    assert snapshot(cop) == before
