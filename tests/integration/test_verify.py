"""`verify_log` names the first position a tampered log breaks at, on each database backend."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from events.exchange import export_lines, import_lines
from events.log import Log
from events.verify import check_signed_head, signed_head, verify_log
from tests.integration.story import (IVAN_EMAIL, IVAN_NAME, IVAN_REFLECTION, jsonl,
                                     open_test_log, story)


@pytest.fixture
def log(database_url, tmp_path) -> Iterator[Log]:
    opened = open_test_log(database_url, tmp_path)
    report = import_lines(opened.store, jsonl(story()), source_id="story")
    assert report.ok and report.appended == 13
    yield opened
    opened.close()


def tamper(log: Log, *statements: str) -> None:
    """What someone with write access to the database alone could do."""
    with log.recorder.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def verify(log: Log):
    return verify_log(log.recorder, log.instance)


def test_a_clean_log_is_ok(log: Log) -> None:
    report = verify(log)

    assert report.ok and report.events == 13
    assert report.head_hash == log.store.head().hash
    assert report.line() == f"OK 13 events, head {report.head_hash}"
    assert (report.first_broken, report.problem) == (None, None)


def test_an_empty_log_is_ok(database_url, tmp_path) -> None:
    empty = open_test_log(database_url, tmp_path)
    try:
        report = verify(empty)
    finally:
        empty.close()

    assert report.ok and report.events == 0
    assert report.line() == "OK 0 events, head " + "0" * 64


def test_a_changed_row_is_named(log: Log) -> None:
    tamper(log, """UPDATE events SET data = replace(data, 'Survey questions', 'Other')
                   WHERE position = 8""")

    report = verify(log)

    assert not report.ok and report.first_broken == 8
    assert report.line() == "BROKEN at position 8: hash does not match its row"
    assert report.events == 7  # the chain is good up to there


def test_a_changed_time_is_named(log: Log) -> None:
    tamper(log, "UPDATE events SET occurred_at = occurred_at - 1000000 WHERE position = 5")

    assert verify(log).first_broken == 5


def test_a_deleted_row_is_named(log: Log) -> None:
    tamper(log, "DELETE FROM events WHERE position = 6")

    report = verify(log)

    assert report.first_broken == 6
    assert report.line() == "BROKEN at position 6: position 6 is missing"


def test_reordered_rows_are_named(log: Log) -> None:
    tamper(log, "UPDATE events SET position = -1 WHERE position = 4",
           "UPDATE events SET position = 4 WHERE position = 9",
           "UPDATE events SET position = 9 WHERE position = -1")

    report = verify(log)

    assert report.first_broken == 4 and report.problem == "hash does not match its row"


def test_a_truncated_log_shows_where_it_ends(log: Log) -> None:
    tamper(log, "DELETE FROM events WHERE position > 10")

    report = verify(log)

    assert report.first_broken == 11
    assert report.problem == "log ends at 10, head says 13"
    assert "log ends at 10, head says 13" in report.line()


def test_a_head_moved_without_the_seal_key_is_caught(log: Log) -> None:
    row_10 = log.recorder.row_at(10)
    tamper(log, "DELETE FROM events WHERE position > 10",
           f"UPDATE log_head SET position = 10, hash = '{row_10.hash}'")

    report = verify(log)

    assert not report.ok
    assert report.problem == "head seal does not match (head altered without the instance keys)"


def test_an_erased_member_leaves_no_trace_in_the_export_and_verify_passes(log: Log) -> None:
    log.store.erase("ivan", requested_by="ivan")

    dump = "".join(export_lines(log.store))

    for secret in (IVAN_NAME, IVAN_EMAIL, IVAN_REFLECTION, "Mathematics teacher"):
        assert secret not in dump
    assert "Ana Petrović" in dump  # everyone else reads as before
    lines = [json.loads(line) for line in dump.splitlines()]
    assert lines[1]["data"]["display_name"].startswith("enc:v1:")
    assert lines[-1]["type"] == "MemberErased"
    report = verify(log)
    assert report.ok and report.events == 14


def test_the_signed_head_checks_offline(log: Log) -> None:
    signed = signed_head(log.instance, verify(log))

    assert signed["position"] == 13 and check_signed_head(signed)
    assert not check_signed_head({**signed, "position": 12})
