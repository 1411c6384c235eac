"""Network figures: the communities of a network pooled, each role from its own community."""
from __future__ import annotations

import math

import pytest

from projections.leadership.metrics import leadership, network_communities, parse_day
from tests.unit.leadership.build import Log

W = {"start": "2024-01-01", "end": "2024-07-01"}


def programme() -> Log:
    """Network n: c1 and c2; c3 stands alone. ana facilitates c1 and is a member of c2."""
    log = Log()
    log.found("c1", network="n")
    log.found("c2", network="n")
    log.found("c3")
    log.join("c1", "ana", role="facilitator")
    log.join("c1", "ivan")
    log.join("c2", "ana")
    log.join("c2", "mila")
    log.join("c3", "zoran")
    log.share("c2", "mila", "r", "2024-01-05")
    log.led("c1", ["ana"], "2024-01-10", ["ivan"])      # ana facilitates c1: not member-led
    log.led("c2", ["ana"], "2024-01-20", ["mila"])      # ana is a member of c2: member-led
    log.led("c2", ["mila"], "2024-02-01", ["ana"])
    log.led("c3", ["zoran"], "2024-02-05", ["ana"])     # not in the network
    log.reuse("c1", "ivan", "r", "2024-02-10")          # ivan (c1) reuses mila's (c2)
    log.reflect("c1", "ana", "2024-03-01")
    return log


def test_network_communities() -> None:
    assert network_communities(programme().facts(), "n") == {"c1", "c2"}


def test_network_figures_are_pooled() -> None:
    report = programme().report("c1", "c2", **W)
    # ana, in both communities, counts once.
    assert report["enrolled"] == 3
    assert report["sessions"] == 3
    # led: ana 2 (one in each), mila 1, ivan 0: breadth 2/3;
    # sorted [0,1,2] → (−2·0 + 0·1 + 2·2) / (3·3) = 4/9.
    assert report["breadth"] == 2 / 3
    assert report["gini"] == 4 / 9
    # p = 2/3, 1/3: H = 0.636514.../ln 3 = 0.579380...
    entropy = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(3)
    assert report["entropy"] == pytest.approx(entropy, rel=1e-15, abs=0)
    assert report["entropy"] == pytest.approx(0.579380, abs=1e-6)
    # The role is taken in the session's own community: c1's session is not member-led,
    # ana's c2 session and mila's are.
    assert report["member_led_share"] == 2 / 3
    assert report["rotation"] == 2  # {ana, mila}
    # Edges: ivan→ana (c1 session), mila→ana, ana→mila, ivan→mila (reuse across
    # communities). Pairs {ivan,ana} {mila,ana}* {ivan,mila}: 1 of 3.
    assert report["reciprocity"] == 1 / 3
    # In: ana 2, mila 2, ivan 0 → Σ(2 − in) = 2, / (3 − 1)².
    assert report["in_degree_centralization"] == 2 / 4
    # ana: led c1 + led c2 + reflected in c1 = 3 pooled actions → core.
    assert report["tiers"] == {"ana": "core", "ivan": "peripheral", "mila": "peripheral"}


def test_one_community_of_the_network_alone() -> None:
    report = programme().report("c1", **W)
    assert report["enrolled"] == 2 and report["sessions"] == 1
    # [0, 1]: gini 1/2, one leader: entropy 0; ana facilitates c1.
    assert (report["breadth"], report["gini"], report["entropy"]) == (0.5, 0.5, 0.0)
    assert report["member_led_share"] == 0.0
    # ivan→ana only (mila, the owner of r, is not enrolled in c1): in ana 1, ivan 0.
    assert (report["reciprocity"], report["in_degree_centralization"]) == (0.0, 1.0)
    # In c1 alone ana has 2 actions (a session and a reflection).
    assert report["tiers"] == {"ana": "peripheral", "ivan": "peripheral"}


def test_a_reuse_edge_across_communities_in_a_community_report() -> None:
    log = Log()
    log.join("c1", "ana", role="facilitator")
    log.join("c1", "ivan")
    log.join("c2", "ana")
    log.share("c2", "ana", "r", "2024-01-05")
    log.reuse("c1", "ivan", "r", "2024-02-01")
    start, end = parse_day(W["start"]), parse_day(W["end"])
    c1_rows = [f for f in log.facts() if f.community_id == "c1"]
    # The store loads c1's rows only: the owner comes from the share in c2.
    report = leadership(c1_rows, communities={"c1"}, start=start, end=end,
                        resource_owners={"r": "ana"})
    assert report["in_degree_centralization"] == 1 / 1  # ivan→ana: Σ(1 − in) = 0 + 1
    assert report["reciprocity"] == 0.0
    # Owners derived from every fact given: the same.
    assert leadership(log.facts(), communities={"c1"}, start=start, end=end) == report
    # From c1's rows alone there is no owner, so no edge.
    alone = leadership(c1_rows, communities={"c1"}, start=start, end=end)
    assert (alone["in_degree_centralization"], alone["reciprocity"]) == (0.0, None)


def test_a_person_enrolled_in_one_community_and_gone_from_the_other_counts_once() -> None:
    log = Log()
    log.join("c1", "ana", "2023-01-01")
    log.leave("c1", "ana", "2023-06-01")
    log.join("c2", "ana", "2023-01-01", role="facilitator")
    log.join("c2", "ivan", "2024-02-01")
    report = log.report("c1", "c2", **W)
    assert report["enrolled"] == 2
    assert report["tiers"] == {"ana": "inactive", "ivan": "inactive"}


def test_network_rotation_is_over_the_networks_last_6_sessions() -> None:
    log = Log()
    for c, members in (("c1", "ab"), ("c2", "cdefg")):
        for m in members:
            log.join(c, m)
    for m, day in zip("cdefg", ("03", "04", "05", "06", "07")):
        log.led("c2", [m], f"2024-01-{day}")
    log.led("c1", ["a"], "2024-01-01")
    log.led("c1", ["b"], "2024-01-02")
    # Pooled by occurred_at: a, b, c, d, e, f, g → the last 6: b..g.
    assert log.report("c1", "c2")["rotation"] == 6
    assert log.report("c1")["rotation"] == 2
    assert log.report("c2")["rotation"] == 5
    # Before 01-05: a, b, c, d → 4.
    assert log.report("c1", "c2", end="2024-01-05")["rotation"] == 4
