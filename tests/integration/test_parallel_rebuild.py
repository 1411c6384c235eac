"""`journey projections rebuild --jobs 2`: the projections folded in two processes at once
hold exactly the rows one process folds."""
from __future__ import annotations

from sqlalchemy import select

from cli.benchmark import write_file
from events.exchange import import_lines
from projections.app import rebuild_projections
from projections.tables import event_keys, leadership_changes, leadership_facts
from tests.integration.story import open_test_journey


def contents(journey) -> dict[str, list[tuple]]:
    with journey.runner.engine.connect() as conn:
        return {table.name: sorted(tuple(r) for r in conn.execute(select(table)))
                for table in (event_keys, leadership_facts, leadership_changes)}


def test_two_processes_fold_the_same_rows_as_one(database_url, tmp_path):
    journey = open_test_journey(database_url, tmp_path)
    try:
        with write_file(tmp_path / "events.jsonl", 3000).open("rb") as lines:
            assert import_lines(journey.store, lines, source_id="test").ok
        journey.runner.catch_up()
        folded_here = contents(journey)
        assert all(folded_here.values())
        seen: list[tuple[int, int]] = []

        rebuild_projections(journey, jobs=2, progress=lambda at, end: seen.append((at, end)))

        assert contents(journey) == folded_here
        end = journey.store.last_position()
        assert [(s.checkpoint, s.state) for s in journey.runner.status()] == [(end, "ok")] * 2
        assert seen and seen[-1] == (end, end)
    finally:
        journey.close()
