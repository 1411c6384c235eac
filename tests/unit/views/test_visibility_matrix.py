"""Who reads which reflection, in every place a reflection can show (DESIGN "Visibility").

ivan (vrsac-1, network serbia-sel) records one private, one community and one network
reflection. Each viewer must find exactly the expected ones in ivan's portfolio
(reflections and timeline), in the evaluation of vrsac-1, and in both CSV exports.

The network's coordinator (koord, coordinator of serbia-hub in serbia-sel) reads what
any member of the network reads, not more: community visibility means the members of
the reflection's own community, and a private reflection never leaves its author.
"""
from __future__ import annotations

import pytest

from projections.csv_rows import (EVALUATION_CSV_COLUMNS, PORTFOLIO_CSV_COLUMNS,
                                  evaluation_csv_rows, portfolio_csv_rows)
from projections.evaluation.fold import evaluation
from projections.portfolio.fold import portfolio
from projections.visibility import Memberships, can_see, memberships_at
from tests.unit.domain import make
from tests.unit.views.build import Log, world

ALL = {"private", "community", "network"}
MATRIX = [
    (None, ALL),                               # the operator
    ("ivan", ALL),                             # the author
    ("mila", {"community", "network"}),        # same community
    ("zoran", {"network"}),                    # another community of the same network
    ("koord", {"network"}),                    # coordinator of the network
    ("jelena", set()),                         # a community of another network
]


def three_reflections() -> Log:
    log = world()
    for visibility in ("private", "community", "network"):
        log.reflect(visibility, "ivan", visibility, text=f"{visibility} words")
    return log


def seen_in_portfolio(view: dict) -> set[str]:
    return {r["reflection_id"] for r in view["reflections"]}


@pytest.mark.parametrize(("viewer", "expected"), MATRIX)
def test_the_portfolio_shows_exactly_what_the_viewer_may_read(viewer, expected):
    view = portfolio(three_reflections().records, "ivan", viewer=viewer)

    assert seen_in_portfolio(view) == expected
    in_timeline = {e["data"]["reflection_id"] for e in view["timeline"]
                   if e["type"] == "ReflectionRecorded"}
    assert in_timeline == expected


@pytest.mark.parametrize(("viewer", "expected"), MATRIX)
def test_the_portfolio_csv_shows_exactly_what_the_viewer_may_read(viewer, expected):
    rows = portfolio_csv_rows(portfolio(three_reflections().records, "ivan", viewer=viewer))

    summary = PORTFOLIO_CSV_COLUMNS.index("summary")
    texts = {row[summary] for row in rows}
    assert {t for t in texts if t.endswith(" words")} == {f"{v} words" for v in expected}


@pytest.mark.parametrize(("viewer", "expected"), MATRIX)
def test_the_evaluation_and_its_csv_show_exactly_what_the_viewer_may_read(viewer, expected):
    view = evaluation(three_reflections().records, ["vrsac-1"], [(None, None)], viewer=viewer)

    stories = view["columns"][0]["stories"]["immediate"]
    assert {s["reflection_id"] for s in stories} == expected
    assert view["columns"][0]["summary"]["stories"] == len(expected)
    rows = evaluation_csv_rows(view)
    assert {r[EVALUATION_CSV_COLUMNS.index("reflection_id")] for r in rows} == expected


@pytest.mark.parametrize(("viewer", "expected"), MATRIX)
def test_visibility_follows_the_latest_change(viewer, expected):
    # Every reflection turned to the visibility of the next one: private -> community ...
    log = three_reflections()
    turned = {"private": "community", "community": "network", "network": "private"}
    for reflection, to in turned.items():
        log.add(make.visibility(reflection, "ivan", to), "ivan")

    view = portfolio(log.records, "ivan", viewer=viewer)

    # `expected` names the visibilities this viewer reads, whichever reflection has them.
    now_visible = {reflection for reflection, to in turned.items() if to in expected}
    assert seen_in_portfolio(view) == now_visible


def test_a_change_recorded_after_the_cut_is_not_applied():
    log = three_reflections()
    cut = len(log.records)
    log.add(make.visibility("network", "ivan", "private"), "ivan")

    assert "network" in seen_in_portfolio(portfolio(log.upto(cut), "ivan", viewer="zoran"))
    assert "network" not in seen_in_portfolio(portfolio(log.records, "ivan", viewer="zoran"))


def test_a_member_who_left_no_longer_reads_community_reflections():
    log = three_reflections()
    before = len(log.records)
    log.add(make.left("mila"), "mila", "2024-06-01")

    assert seen_in_portfolio(portfolio(log.upto(before), "ivan", viewer="mila")) == {
        "community", "network"}
    assert seen_in_portfolio(portfolio(log.records, "ivan", viewer="mila")) == set()


def test_a_community_outside_any_network_is_its_own_network():
    reflection = type("R", (), {"member_id": "ivan", "community_id": "solo",
                                "visibility": "network"})()
    inside = Memberships(frozenset({"solo"}), {"solo": None, "other": None})
    outside = Memberships(frozenset({"other"}), {"solo": None, "other": None})

    assert can_see(reflection, "mila", inside)
    assert not can_see(reflection, "mila", outside)


def test_memberships_are_those_at_the_end_of_the_records():
    log = world()
    log.add(make.left("zoran", "vrsac-2"), "zoran", "2024-05-01")

    assert memberships_at(log.records, "zoran").communities == frozenset()
    assert memberships_at(log.records, "mila").communities == {"vrsac-1"}
    assert memberships_at(log.records, "mila").networks() == {"serbia-sel"}
