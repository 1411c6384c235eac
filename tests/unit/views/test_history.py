"""settle(): retractions and corrections applied; what the list does not hold did not happen."""
from __future__ import annotations

from projections.folds.history import settle
from tests.unit.domain import make
from tests.unit.views.build import Log


def sessions() -> tuple[Log, int, int]:
    log = Log()
    first = log.add(make.led("s-1", ["ana"], title="Circle"), "ana")
    second = log.add(make.led("s-2", ["ana"], title="Survey"), "ana")
    return log, first, second


def test_a_retracted_event_is_gone_and_the_retraction_too():
    log, first, second = sessions()
    log.add(make.retract(first, "ana"), "ana")

    settled = settle(log.records)

    assert [r.position for r in settled.records] == [second]
    assert settled.retracted == {first}


def test_a_correction_replaces_content_fields_and_is_remembered():
    log, first, _ = sessions()
    log.add(make.correct(first, "ana", {"title": "Morning circle"}), "ana")

    settled = settle(log.records)

    assert settled.by_position()[first].event.title == "Morning circle"
    assert settled.by_position()[first].event.session_id == "s-1"
    assert settled.corrected == {first}


def test_later_corrections_win_and_lists_become_tuples():
    log = Log()
    norms = log.add(make.norms(), "ana")
    log.add(make.correct(norms, "ana", {"norms": ["One"]}), "ana")
    log.add(make.correct(norms, "ana", {"norms": ["Two", "Three"]}), "ana")

    assert settle(log.records).by_position()[norms].event.norms == ("Two", "Three")


def test_edits_recorded_after_the_cut_are_not_applied():
    log, first, second = sessions()
    cut = len(log.records)
    log.add(make.correct(second, "ana", {"title": "Later"}), "ana")
    log.add(make.retract(first, "ana"), "ana")

    settled = settle(log.upto(cut))

    assert [r.position for r in settled.records] == [first, second]
    assert settled.by_position()[second].event.title == "Survey"
