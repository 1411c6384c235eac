"""The evaluation fold: communities and periods side by side, stories by value cycle."""
from __future__ import annotations

import pytest

from journey import errors
from projections.evaluation.fold import evaluation
from tests.unit.domain import make
from tests.unit.views.build import world


def stories(column):
    return {cycle: [s["reflection_id"] for s in items]
            for cycle, items in column["stories"].items() if items}


def test_stories_are_grouped_by_value_cycle_per_community_and_period():
    log = world()
    log.reflect("rf-1", "ivan", "community", at="2024-02-01", value_cycle="immediate")
    log.reflect("rf-2", "mila", "network", at="2024-05-01", value_cycle="realized")
    log.reflect("rf-3", "mila", "community", at="2024-05-02", value_cycle=None)
    log.reflect("rf-4", "zoran", "community", "vrsac-2", at="2024-02-01",
                value_cycle="applied")
    log.add(make.led("s-1", ["ivan"]), "ivan", "2024-02-10")

    view = evaluation(log.records, ["vrsac-1", "vrsac-2"],
                      [("2024-01-01", "2024-04-01"), ("2024-04-01", None)])

    assert [(c["community_id"], c["from"]) for c in view["columns"]] == [
        ("vrsac-1", "2024-01-01"), ("vrsac-1", "2024-04-01"),
        ("vrsac-2", "2024-01-01"), ("vrsac-2", "2024-04-01")]
    assert [stories(c) for c in view["columns"]] == [
        {"immediate": ["rf-1"]}, {"realized": ["rf-2"], "unassigned": ["rf-3"]},
        {"applied": ["rf-4"]}, {}]
    assert view["columns"][0]["summary"]["sessions_held"] == 1
    assert view["columns"][1]["counts"]["realized"] == 1
    assert view["cycles"][-1] == "unassigned"


def test_corrected_cycles_and_retracted_reflections():
    log = world()
    moved = log.reflect("rf-1", "ivan", "community", value_cycle="immediate")
    gone = log.reflect("rf-2", "ivan", "community")
    cut = len(log.records)
    log.add(make.correct(moved, "ivan", {"value_cycle": "reframing"}), "ivan")
    log.add(make.retract(gone, "ivan"), "ivan")

    now = evaluation(log.records, ["vrsac-1"], [(None, None)])["columns"][0]
    before = evaluation(log.upto(cut), ["vrsac-1"], [(None, None)])["columns"][0]

    assert stories(now) == {"reframing": ["rf-1"]}
    assert stories(before) == {"immediate": ["rf-1", "rf-2"]}


def test_no_period_means_all_time_and_bad_periods_or_communities_are_refused():
    log = world()
    assert evaluation(log.records, ["vrsac-1"], [])["periods"] == [{"from": None, "to": None}]
    with pytest.raises(errors.InvalidValue):
        evaluation(log.records, ["vrsac-1"], [("2024-05-01", "2024-01-01")])
    with pytest.raises(errors.InvalidValue):
        evaluation(log.records, ["vrsac-1"], [("May", None)])
    with pytest.raises(errors.UnknownReference):
        evaluation(log.records, ["vrsac-1", "atlantis"], [])
