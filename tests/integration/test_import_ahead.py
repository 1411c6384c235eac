"""An import read ahead in a second process does exactly what one read here does.

The same messy file (a BOM, blank lines, bytes that are not UTF-8, lines refused before
and after their position is read, a duplicate position, references to refused lines, a
refusal by the domain) is imported both ways: the reports and the logs must be equal,
but for what every append makes afresh (event ids, correlation ids, hence hashes).
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from events import exchange
from events.exchange import export_lines, import_lines, parse_ahead_for
from events.log import Log
from events.store import command_digest
from journey.records import RecordEvent
from tests.integration.story import jsonl, label, open_test_log, story

FRESH = ("event_id", "hash")  # made anew by every append


@pytest.fixture
def logs(database_factory, tmp_path) -> Iterator[tuple[Log, Log]]:
    here = open_test_log(database_factory(), tmp_path / "here")
    ahead = open_test_log(database_factory(), tmp_path / "ahead")
    yield here, ahead
    here.close()
    ahead.close()


def messy() -> list[str | bytes]:
    lines: list[str | bytes] = jsonl(story())
    lines[0] = "\ufeff" + lines[0]
    extra_type = {**story()[5], "type": "NoSuchEvent", "position": 900}  # claims 900
    refers = {**story()[12], "position": 901}
    refers["data"] = {**refers["data"], "position": 900}  # to the refused line
    late = {**story()[12], "position": 902, "idempotency_key": " "}
    late["data"] = {**late["data"], "position": 5000}  # reference and key both wrong
    duplicate = {**story()[4], "position": label(0)}
    not_member = story()[8]
    not_member["data"] = {**not_member["data"], "member_id": "ana"}  # not the actor
    not_member["position"] = 903
    lines[8:8] = ["\n", "   \n", b'{"type": "\xff"}\n', '{"type": \n',
                  json.dumps(extra_type) + "\n", json.dumps(refers) + "\n",
                  json.dumps(late) + "\n", json.dumps(duplicate) + "\n",
                  json.dumps(not_member) + "\n"]
    return lines


def comparable(log: Log) -> list[dict]:
    out = []
    for text in export_lines(log.store):
        line = json.loads(text)
        for name in FRESH:
            line.pop(name)
        line["meta"].pop("correlation_id")
        out.append(line)
    return out


@pytest.mark.parametrize("skip_invalid", [True, False])
def test_reading_ahead_changes_nothing_but_the_speed(logs, monkeypatch, skip_invalid) -> None:
    here, ahead = logs
    monkeypatch.setattr(exchange, "READ_CHUNK", 3)  # many chunks, the window filled

    told: dict[str, list[int]] = {"here": [], "ahead": []}
    reports = [import_lines(log.store, messy(), source_id="messy", keep_recorded_at=True,
                            skip_invalid=skip_invalid, batch_size=4, parse_ahead=flag,
                            progress=told[name].append)
               for log, name, flag in ((here, "here", False), (ahead, "ahead", True))]

    assert reports[0].to_json() == reports[1].to_json()
    assert comparable(here) == comparable(ahead)
    assert told["here"] == told["ahead"]
    if skip_invalid:
        assert [(e.line, e.code) for e in reports[1].skipped] == [
            (11, "json"), (12, "json"), (13, "type"), (14, "unknown_reference"),
            (15, "unknown_reference"), (16, "position"), (17, "not_the_actor")]
        assert "names line 13, which was not imported" in reports[1].skipped[3].message
        assert reports[1].appended == len(story())
    else:
        assert str(reports[1].stopped).startswith("line 11: json: not UTF-8 text")
        assert reports[1].appended == 8


def test_a_late_refusal_is_told_after_the_references(logs) -> None:
    """A line whose reference and idempotency key are both wrong is refused for the
    reference, read here or ahead (the order the checks always had)."""
    _, ahead = logs
    lines = story()
    lines[12]["idempotency_key"] = " "
    lines[12]["data"]["position"] = 5000

    report = import_lines(ahead.store, jsonl(lines), source_id="s", parse_ahead=True)

    assert (report.stopped.line, report.stopped.code) == (13, "unknown_reference")


def test_only_long_files_are_read_ahead(monkeypatch) -> None:
    monkeypatch.setattr(exchange, "spare_cpus", lambda: 1)
    assert not parse_ahead_for(exchange.PARSE_AHEAD_LINES - 1)
    assert parse_ahead_for(exchange.PARSE_AHEAD_LINES)
    monkeypatch.setattr(exchange, "spare_cpus", lambda: 0)
    assert not parse_ahead_for(10 * exchange.PARSE_AHEAD_LINES)


@pytest.mark.parametrize("flag", [False, True])
def test_each_line_keeps_the_digest_its_event_has(logs, flag) -> None:
    """Digests made as lines are read equal the store's own, mapped references included:
    a key sent again by another path (the API) must replay, not clash."""
    log, _ = logs
    import_lines(log.store, jsonl(story()), source_id="s", parse_ahead=flag)

    rows = list(log.store.read_rows())
    assert len(rows) == len(story())
    for row, rec in log.store.recorded_rows(rows):
        command = RecordEvent(rec.event, rec.actor, rec.occurred_at)
        assert row.meta["request_digest"] == command_digest(command), row.type


def test_the_import_command_says_when_it_reads_ahead() -> None:
    from cli.main import import_

    assert f"{exchange.PARSE_AHEAD_LINES:,} lines or more" in " ".join(import_.help.split())
