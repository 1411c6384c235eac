"""Export and import of the JSON Lines exchange format, on each database backend."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from events.crypto import is_ciphertext
from events.exchange import ENVELOPE, export_lines, import_lines
from events.log import Log
from events.schemas import MAX_TEXT, SchemaInvalid
from events.store import Options
from events.verify import verify_log
from journey.clock import format_time, parse_time
from journey.events import MemberRegistered
from journey.records import RecordEvent
from projections.folds.personal import ERASED, People
from tests.integration.story import (IVAN_EMAIL, IVAN_NAME, IVAN_REFLECTION, jsonl, label,
                                     open_test_log, story)

SOURCE = "test-file"
LONG_WORDS = ("Leading my first session taught me to listen before I explain. " * 300)[:19_000]


@pytest.fixture
def log(database_url, tmp_path) -> Iterator[Log]:
    opened = open_test_log(database_url, tmp_path)
    yield opened
    opened.close()


def exported(log: Log) -> list[dict]:
    return [json.loads(line) for line in export_lines(log.store)]


def register_strangers(log: Log, *names: str, kept: bool = True) -> None:
    """Events of others, so imported lines land on positions other than their own.

    `kept`: recorded in 2023 (before the story), rather than now.
    """
    moment = parse_time("2023-06-01T08:00:00Z")
    for name in names:
        log.store.submit(RecordEvent(MemberRegistered(member_id=name, display_name=name),
                                      name, moment),
                          Options(recorded_at=moment if kept else None))


def test_round_trip_keeps_every_line_and_maps_references(log: Log) -> None:
    register_strangers(log, "zoran", "jelena", "mila")
    lines = story()

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE, keep_recorded_at=True)

    assert report.ok and report.skipped == []
    assert (report.appended, report.first_position, report.last_position) == (13, 4, 16)
    out = exported(log)[3:]
    assert len(out) == len(lines)
    # Line i of the file is now at position 4 + i: every reference must say so.
    where = {label(i): 4 + i for i in range(len(lines))}
    for line, got in zip(lines, out):
        expected = json.loads(json.dumps(line["data"]))
        if line["type"] in ("EntryRetracted", "EntryCorrected"):
            expected["position"] = where[expected["position"]]
        for name in ("evidence", "about"):
            if name in expected:
                expected[name] = [where[p] for p in expected[name]]
        assert got["type"] == line["type"]
        assert got["data"] == expected
        assert got["occurred_at"] == line["occurred_at"]
        assert got["recorded_at"] == line["recorded_at"]
        assert got["actor"] == line["actor"]
    by_type = {line["type"]: line for line in out}
    assert by_type["EntryRetracted"]["data"]["position"] == by_type["ResourceShared"]["position"]
    assert by_type["RecognitionAwarded"]["data"]["evidence"] == [
        by_type["SessionLed"]["position"], by_type["ResourceShared"]["position"]]
    assert by_type["ReflectionRecorded"]["data"]["about"] == [by_type["SessionLed"]["position"]]


def test_export_writes_the_envelope_and_absent_fields_stay_absent(log: Log) -> None:
    import_lines(log.store, jsonl(story()), source_id=SOURCE)

    out = exported(log)

    assert [line["position"] for line in out] == list(range(1, 14))
    assert all(set(line) <= set(ENVELOPE) for line in out)
    first = out[0]
    assert first["data"] == {"member_id": "ana", "display_name": "Ana Petrović",
                             "email": "ana.petrovic@example.org"}  # no school, no job_title
    assert first["stream"] == "member-ana" and first["version"] == 1
    assert first["schema_version"] == 1 and len(first["hash"]) == 64
    assert first["meta"]["correlation_id"]
    assert first["idempotency_key"] == f"import:{SOURCE}:1"


def test_export_reimports_into_a_fresh_log(log: Log, database_url, tmp_path) -> None:
    import_lines(log.store, jsonl(story()), source_id=SOURCE, keep_recorded_at=True)
    dump = list(export_lines(log.store))

    other = open_test_log(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other")
    try:
        report = import_lines(other.store, dump, source_id="dump", keep_recorded_at=True)
        again = [json.loads(line) for line in export_lines(other.store)]
    finally:
        other.close()

    assert report.ok and report.appended == 13
    first = [json.loads(line) for line in dump]
    keep = ("type", "occurred_at", "recorded_at", "actor", "data", "position")
    assert [{k: line[k] for k in keep} for line in again] == \
        [{k: line[k] for k in keep} for line in first]


def test_an_export_made_after_an_erasure_reimports_and_the_member_stays_erased(
        log: Log, tmp_path) -> None:
    # ivan (registered with an e-mail) also rewrites his reflection at length: after his
    # erasure the export carries his name, e-mail and words sealed, his key being gone (and
    # sealed, the long text is longer than a text may be).
    lines = story()
    lines.append({**lines[-1], "type": "EntryCorrected", "actor": "ivan", "position": 999,
                  "data": {"position": label(8), "corrected_by": "ivan",
                           "fields": {"text": LONG_WORDS}, "reason": "said it all"}})
    assert import_lines(log.store, jsonl(lines), source_id=SOURCE, keep_recorded_at=True).ok
    log.store.erase("ivan", requested_by="ivan")
    dump = list(export_lines(log.store))
    sealed = json.loads(dump[1])["data"]
    assert sealed["email"].startswith("enc:v1:") and "ivan" not in sealed["email"]

    other = open_test_log(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other")
    try:
        report = import_lines(other.store, dump, source_id="dump", keep_recorded_at=True)
        assert report.ok, report.stopped
        assert report.appended == len(dump) == 15
        assert verify_log(other.recorder, other.instance).ok
        assert other.store.read_state(lambda state: "ivan" in state.erased)
        assert not other.store.cipher.has_key("ivan")
        records = list(other.store.read())
        again = "".join(export_lines(other.store))
    finally:
        other.close()

    people = People(records)
    assert people.ref("ivan")["name"] == ERASED and people.ref("ana")["name"] == "Ana Petrović"
    registered, reflection, correction = records[1], records[8], records[-2]
    assert people.readable(registered)["email"] is None
    assert people.readable(reflection)["text"] is None
    assert all(is_ciphertext(v) for v in (registered.event.display_name,
                                          registered.event.email, reflection.event.text,
                                          correction.event.fields["text"]))
    assert len(json.loads(dump[-2])["data"]["fields"]["text"]) > MAX_TEXT
    for secret in (IVAN_NAME, IVAN_EMAIL, IVAN_REFLECTION, LONG_WORDS[:40]):
        assert secret not in again
    assert "Ana Petrović" in again


def test_a_sealed_value_brought_by_an_import_is_never_read_as_text(log: Log) -> None:
    # A line may name a live member with a sealed e-mail (whatever key sealed it): it is
    # kept sealed under the member's key here, and reads as ciphertext, never as clear text.
    forged = "enc:v1:" + base64.urlsafe_b64encode(
        bytes(28) + b'"mallory@example.org"').decode("ascii")
    line = {"type": "MemberRegistered", "occurred_at": "2024-01-10T09:00:00Z",
            "actor": "mallory", "data": {"member_id": "mallory", "display_name": "Mallory",
                                         "email": forged}}

    report = import_lines(log.store, jsonl([line]), source_id=SOURCE)

    assert report.ok, report.stopped
    registered = log.store.to_recorded(log.recorder.row_at(1))
    assert registered.event.email == forged
    assert People([registered]).readable(registered)["email"] is None
    assert exported(log)[0]["data"]["email"] == forged


def test_recorded_at_is_the_servers_unless_kept(log: Log) -> None:
    import_lines(log.store, jsonl(story()[:2]), source_id=SOURCE)

    out = exported(log)

    assert all(line["recorded_at"] > "2026" for line in out)


def test_a_refused_line_stops_the_import_there(log: Log) -> None:
    lines = story()
    lines[3]["data"]["network_id"] = "no-such-network"

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE, batch_size=2)

    assert str(report.stopped).startswith("line 4: unknown_network: ")
    assert report.appended == 3 and log.store.last_position() == 3


def test_a_line_that_is_not_json_stops_the_import(log: Log) -> None:
    text = jsonl(story())
    text[2] = '{"type": "NetworkCreated", \n'

    report = import_lines(log.store, text, source_id=SOURCE)

    assert str(report.stopped).startswith("line 3: json: ")
    assert log.store.last_position() == 2


def test_an_export_of_what_older_versions_accepted_still_imports(log: Log) -> None:
    """A plan without steps and a revision that changed nothing were accepted before
    e49cbec; the exchange format is a public contract, so their lines import."""
    at = story()[-1]["occurred_at"]
    plan = {"type": "ActionPlanCreated", "occurred_at": at, "actor": "ivan",
            "data": {"community_id": "vrsac-1", "plan_id": "p-old",
                     "inquiry_question": "How do students feel?", "steps": []}}
    revision = {"type": "ActionPlanRevised", "occurred_at": at, "actor": "ivan",
                "data": {"community_id": "vrsac-1", "plan_id": "p-old"}}

    report = import_lines(log.store, jsonl([*story(), plan, revision]), source_id=SOURCE)

    assert report.ok, report.to_json()
    assert report.appended == len(story()) + 2


def test_schema_errors_name_the_field(log: Log) -> None:
    lines = story()
    lines[6]["data"]["format"] = "lecture"

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert str(report.stopped) == ("line 7: format: must be one of: meeting, workshop, "
                                   "lesson_study, observation, online_call")
    assert log.store.last_position() == 6


def test_a_network_that_ends_before_it_starts_is_refused(log: Log) -> None:
    lines = story()
    index = next(i for i, line in enumerate(lines) if line["type"] == "NetworkCreated")
    lines[index]["data"].update(starts_on="2024-09-01", ends_on="2024-06-30")

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert str(report.stopped) == (f"line {index + 1}: ends_on: must not be before "
                                   "starts_on (2024-09-01)")
    assert log.store.last_position() == index


@pytest.mark.parametrize("key,problem", [
    ("   ", "must be a non-empty text of at most 200 characters"),
    ("k" * 201, "must be a non-empty text of at most 200 characters"),
    ("line\x00one", "must not contain control characters"),
])
def test_an_idempotency_key_that_cannot_be_stored_is_refused(log: Log, key, problem) -> None:
    lines = story()
    lines[0]["idempotency_key"] = key

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert str(report.stopped) == f"line 1: idempotency_key: {problem}"
    assert log.store.last_position() == 0


def test_an_unknown_envelope_field_is_refused(log: Log) -> None:
    lines = story()
    lines[0]["colour"] = "blue"

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert report.stopped.line == 1 and report.stopped.code == "colour"
    assert str(report.stopped).startswith("line 1: colour: unknown field")
    assert log.store.last_position() == 0


def test_skip_invalid_goes_on_and_references_to_skipped_lines_are_refused(log: Log) -> None:
    lines = story()
    lines[7]["data"]["kind"] = "poster"  # the resource: evidence and retraction refer to it

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE, skip_invalid=True)

    assert report.stopped is None
    assert [(e.line, e.code) for e in report.skipped] == [
        (8, "kind"), (11, "unknown_reference"), (13, "unknown_reference")]
    assert "names line 8, which was not imported" in report.skipped[1].message
    assert report.appended == 10 and log.store.last_position() == 10


def test_skip_invalid_goes_on_after_a_refusal_inside_a_batch(log: Log) -> None:
    lines = story()
    lines[8]["data"]["member_id"] = "ana"  # ivan's reflection recorded as ana's: not the actor

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE, skip_invalid=True)

    assert [(e.line, e.code) for e in report.skipped] == [(9, "not_the_actor")]
    assert report.appended == 12


def test_a_reference_to_a_line_not_yet_seen_is_refused(log: Log) -> None:
    lines = story()
    lines[12]["data"]["position"] = 5000

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert report.stopped.code == "unknown_reference" and report.stopped.line == 13


def test_importing_the_same_file_again_appends_nothing(log: Log) -> None:
    text = jsonl(story())
    import_lines(log.store, text, source_id=SOURCE)

    report = import_lines(log.store, text, source_id=SOURCE)

    assert (report.appended, report.replayed, report.stopped) == (0, 13, None)
    assert log.store.last_position() == 13


@pytest.mark.parametrize("batch_size", [1000, 3])
def test_resume_after_a_partial_import_appends_the_rest_once(log: Log, batch_size) -> None:
    text = jsonl(story())
    import_lines(log.store, text[:8], source_id=SOURCE)  # interrupted after line 8
    register_strangers(log, "zoran", kept=False)  # someone else appended meanwhile

    submitted: list = []
    submit_batch = log.store.submit_batch
    log.store.submit_batch = lambda items: (submitted.extend(items), submit_batch(items))[1]

    report = import_lines(log.store, text, source_id=SOURCE, resume=True,
                          batch_size=batch_size)
    again = import_lines(log.store, text, source_id=SOURCE, resume=True)

    assert (report.appended, report.replayed, report.stopped) == (5, 8, None)
    assert len(submitted) == 5  # the lines already in were found by key, not replayed
    assert (again.appended, again.replayed) == (0, 13)
    out = exported(log)
    assert len(out) == 14
    by_type = {line["type"]: line for line in out}
    # Lines 11 and 13 refer to lines 7 and 8 of the first run: mapped by reading them back.
    assert by_type["RecognitionAwarded"]["data"]["evidence"] == [7, 8]
    assert by_type["EntryRetracted"]["data"]["position"] == 8


def test_resume_reports_lines_an_earlier_run_skipped(log: Log) -> None:
    lines = story()
    lines[9]["data"]["community_id"] = "nowhere"  # the badge: line 10
    text = jsonl(lines)
    import_lines(log.store, text[:12], source_id=SOURCE, skip_invalid=True)

    report = import_lines(log.store, text, source_id=SOURCE, resume=True)

    # Line 11 awarded the badge of line 10, so the earlier run skipped both.
    assert [(e.line, e.code) for e in report.skipped] == [(10, "not_imported"),
                                                          (11, "not_imported")]
    assert (report.appended, report.replayed) == (1, 10)


def test_progress_is_told_of_every_line(log: Log) -> None:
    seen = []

    import_lines(log.store, jsonl(story()), source_id=SOURCE, progress=seen.append,
                 batch_size=4)

    assert sum(seen) == 13


def test_meta_is_kept_and_unknown_meta_is_refused(log: Log) -> None:
    lines = story()[:2]
    lines[0]["meta"] = {"correlation_id": "c-1", "causation_id": "k-1"}
    lines[1]["meta"] = {"colour": "red"}

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE)

    assert str(report.stopped).startswith("line 2: meta.colour: unknown field")
    assert exported(log)[0]["meta"] == {"correlation_id": "c-1", "causation_id": "k-1"}


@pytest.mark.parametrize("name, value", [
    ("correlation_id", "a\ud800b"),  # a lone surrogate, written as a JSON escape
    ("correlation_id", "a\x00b"),
    ("causation_id", "line\none"),
    ("causation_id", "bell\x07"),
])
def test_meta_that_cannot_be_stored_is_refused_after_the_lines_before_it(
        log: Log, name, value) -> None:
    lines = story()[:3]
    lines[1]["meta"] = {name: value}

    stopped = import_lines(log.store, jsonl(lines), source_id=SOURCE)
    skipped = import_lines(log.store, jsonl(lines), source_id=SOURCE, skip_invalid=True)

    assert str(stopped.stopped) == (
        f"line 2: meta.{name}: contains characters that cannot be stored (control "
        "characters, NUL or a lone surrogate)")
    assert stopped.appended == 1  # the line before it
    assert [e.line for e in skipped.skipped] == [2]
    assert (skipped.replayed, skipped.appended) == (1, 1)
    assert all(line["meta"].get(name) != value for line in exported(log))


def test_the_store_refuses_meta_that_cannot_be_stored_on_every_path(log: Log) -> None:
    # Whoever builds the Options (not only an import): the store judges them by one rule.
    command = RecordEvent(MemberRegistered(member_id="ana", display_name="Ana"), "ana",
                          parse_time("2024-01-10T09:00:00Z"))

    with pytest.raises(SchemaInvalid) as refused:
        log.store.submit(command, Options(meta={"causation_id": "k\x00"}))

    assert refused.value.field_path == "meta.causation_id"
    assert log.store.last_position() == 0


def test_kept_recorded_at_must_not_go_back(log: Log) -> None:
    lines = story()[:3]
    lines[2]["recorded_at"] = format_time(parse_time(lines[1]["recorded_at"])
                                          - timedelta(minutes=1))

    report = import_lines(log.store, jsonl(lines), source_id=SOURCE, keep_recorded_at=True)

    assert report.stopped.line == 3 and report.stopped.code == "recorded_at_out_of_order"
