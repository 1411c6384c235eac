"""Leadership metrics of one community, on small logs whose numbers are worked out by hand.

Every expected ratio is written as the fraction DESIGN's formula gives; a/b in Python is
the correctly rounded float of that fraction, which is what the metrics must return.
"""
from __future__ import annotations

import math

import pytest

from projections.leadership.metrics import leadership, parse_day
from tests.unit.leadership.build import Log

H1 = ("2024-01-01", "2024-07-01")  # the first half of 2024, the window of most tests
KEYS = {"enrolled", "sessions", "breadth", "gini", "entropy", "member_led_share", "rotation",
        "reciprocity", "in_degree_centralization", "tiers"}


def half(log: Log, *communities: str, as_of: int | None = None) -> dict:
    return log.report(*(communities or ("c",)), start=H1[0], end=H1[1], as_of=as_of)


def community(*members: str, facilitator: str = "ana") -> Log:
    """c, founded 2023-01-01; the facilitator and the members join on 2023-12-01."""
    log = Log()
    log.found("c")
    log.join("c", facilitator, role="facilitator")
    for m in members:
        log.join("c", m)
    return log


# -- a whole picture ------------------------------------------------------------------------

def test_every_metric_of_a_small_community() -> None:
    log = community("ivan", "mila", "zoran", "jelena")
    log.led("c", ["ana"], "2024-01-10", ["ivan", "mila"])           # s1
    log.share("c", "ivan", "r1", "2024-01-15")
    log.reuse("c", "mila", "r1", "2024-02-01")
    log.feedback("c", "mila", "ivan", "2024-02-02")
    log.led("c", ["ana", "ivan"], "2024-02-10", ["mila"])           # s2
    log.reflect("c", "zoran", "2024-03-01")
    log.reuse("c", "zoran", "r1", "2024-03-02")
    log.feedback("c", "zoran", "ana", "2024-03-03")
    log.led("c", ["ana"], "2024-03-10", ["ivan"])                   # s3
    log.led("c", ["mila"], "2024-04-10", ["ana"])                   # s4

    report = half(log)
    assert set(report) == KEYS
    # led: ana 3, ivan 1, mila 1, zoran 0, jelena 0; n = 5, Σx = 5.
    assert report["enrolled"] == 5
    assert report["sessions"] == 4
    assert report["breadth"] == 3 / 5 == 0.6
    # sorted [0,0,1,1,3], weights 2i−n−1 = −4,−2,0,2,4: 0+0+0+2+12 = 14; n·Σx = 25.
    # Pairwise: 4 pairs (0,1) + 2 pairs (0,3)·3 + 2 pairs (1,3)·2 = 14, ×2 = 28; 2·25·1 = 50.
    assert report["gini"] == 14 / 25 == 0.56
    # p = 3/5, 1/5, 1/5 (ana, ivan, mila); H = 0.950270539.../ln 5 = 0.59043...
    entropy = -(0.6 * math.log(0.6) + 2 * 0.2 * math.log(0.2)) / math.log(5)
    assert report["entropy"] == pytest.approx(entropy, rel=1e-15, abs=0)
    assert report["entropy"] == pytest.approx(0.590436, abs=1e-6)
    # s2 (ivan) and s4 (mila) have a leader with role member; s1, s3: ana facilitates.
    assert report["member_led_share"] == 2 / 4
    assert report["rotation"] == 3  # {ana, ivan, mila}
    # Edges: reuse mila→ivan, zoran→ivan; feedback mila→ivan, zoran→ana; attended
    # ivan→ana, mila→ana (s1), mila→ana, mila→ivan (s2), ivan→ana (s3), ana→mila (s4).
    # Distinct: mila→ivan, zoran→ivan, zoran→ana, ivan→ana, mila→ana, ana→mila.
    # Pairs: {mila,ivan} {zoran,ivan} {zoran,ana} {ivan,ana} {mila,ana}; mutual: {mila,ana}.
    assert report["reciprocity"] == 1 / 5
    # In-degree: ana 3 (zoran, ivan, mila), ivan 2, mila 1, zoran 0, jelena 0; max 3.
    # Σ(3 − in) = 0+1+2+3+3 = 9; (n−1)² = 16.
    assert report["in_degree_centralization"] == 9 / 16
    # Actions: ana led 3 (core); ivan led 1 + shared 1 = 2; mila led 1 + reused + feedback
    # = 3 (core); zoran reflected + reused + feedback = 3, never led (active); jelena 0.
    assert report["tiers"] == {"ana": "core", "ivan": "peripheral", "mila": "core",
                               "zoran": "active", "jelena": "inactive"}


# -- the "none" cases -----------------------------------------------------------------------

def test_a_community_without_members() -> None:
    log = Log()
    log.found("c")
    assert half(log) == {"enrolled": 0, "sessions": 0, "breadth": None, "gini": None,
                         "entropy": None, "member_led_share": None, "rotation": 0,
                         "reciprocity": None, "in_degree_centralization": None, "tiers": {}}


def test_an_unknown_community_is_empty_too() -> None:
    assert half(community("ivan"), "elsewhere")["enrolled"] == 0


def test_one_member_and_no_session() -> None:
    log = Log()
    log.join("c", "ana", role="facilitator")
    assert half(log) == {"enrolled": 1, "sessions": 0, "breadth": 0 / 1, "gini": None,
                         "entropy": None, "member_led_share": None, "rotation": 0,
                         "reciprocity": None, "in_degree_centralization": None,
                         "tiers": {"ana": "inactive"}}


def test_one_member_who_leads_has_entropy_none_since_ln_1_is_0() -> None:
    log = community()
    log.led("c", ["ana"], "2024-02-01")
    report = half(log)
    # n = 1: gini [1] = 0 / (1·1); entropy none (n ≤ 1); centralization none (n ≤ 1).
    assert (report["breadth"], report["gini"], report["entropy"]) == (1.0, 0.0, None)
    assert report["in_degree_centralization"] is None
    assert report["member_led_share"] == 0 / 1


def test_members_but_no_session_in_the_window() -> None:
    log = community("ivan")
    log.led("c", ["ivan"], "2023-12-15")  # before the window: counts for rotation only
    report = half(log)
    assert report["sessions"] == 0
    assert report["breadth"] == 0.0
    assert report["gini"] is None and report["entropy"] is None  # x̄ = 0, Σx = 0
    assert report["member_led_share"] is None
    assert report["rotation"] == 1
    assert report["reciprocity"] is None                         # no pair connected
    assert report["in_degree_centralization"] == 0 / 1           # n = 2, no edges


def test_one_leader_out_of_two() -> None:
    log = community("ivan")
    log.led("c", ["ana"], "2024-02-01")
    log.led("c", ["ana"], "2024-03-01")
    report = half(log)
    # [0, 2]: (−1·0 + 1·2) / (2·2) = 1/2; pairwise 2·2 / (2·4·1) = 1/2.
    assert report["gini"] == 0.5
    # One leader: p = 1, −1·ln 1 = 0, and never −0.0.
    assert report["entropy"] == 0.0 and math.copysign(1, report["entropy"]) == 1
    assert report["reciprocity"] is None
    assert report["in_degree_centralization"] == 0.0


def test_gini_of_0_1_3() -> None:
    log = community("ivan", "mila")
    log.led("c", ["ivan"], "2024-01-10")
    for day in ("2024-02-10", "2024-03-10", "2024-04-10"):
        log.led("c", ["mila"], day)
    report = half(log)
    # (|0−1| + |0−3| + |1−3|)·2 / (2·9·(4/3)) = 12/24; sorted: (−2·0 + 0·1 + 2·3)/(3·4) = 6/12.
    assert report["gini"] == 0.5
    assert report["breadth"] == 2 / 3
    # p = 1/4 (ivan), 3/4 (mila): H = 0.562335.../ln 3 = 0.511859...
    entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(3)
    assert report["entropy"] == pytest.approx(entropy, rel=1e-15, abs=0)
    assert report["entropy"] == pytest.approx(0.511860, abs=1e-6)


@pytest.mark.parametrize("n", [2, 3, 5, 12])
def test_everyone_leading_equally_is_entropy_1_and_gini_0(n: int) -> None:
    # A plain float sum over members gives 0.9999999999999998 (n = 3) or
    # 1.0000000000000002 (n = 5, 12); the exact value is 1.
    log = community(*[f"m{i}" for i in range(1, n)])
    for m in ["ana"] + [f"m{i}" for i in range(1, n)]:
        log.led("c", [m], "2024-02-01")
    report = half(log)
    assert (report["entropy"], report["gini"], report["breadth"]) == (1.0, 0.0, 1.0)


def test_a_session_with_k_leaders_counts_one_for_each() -> None:
    log = community("ivan", "mila")
    log.led("c", ["ana", "ivan", "mila", "ivan"], "2024-02-01")
    report = half(log)
    # led 1, 1, 1 (ivan named twice counts once): breadth 1, gini 0; one session.
    assert (report["sessions"], report["breadth"], report["gini"]) == (1, 1.0, 0.0)


# -- the window -----------------------------------------------------------------------------

def test_start_is_inclusive_and_end_exclusive_for_sessions() -> None:
    log = community("ivan")
    log.led("c", ["ana"], "2023-12-31T23:59:59.999999Z")   # just before
    log.led("c", ["ivan"], "2024-01-01T00:00:00Z")         # = start: in
    log.led("c", ["ana"], "2024-06-30T23:59:59.999999Z")   # in
    log.led("c", ["ivan"], "2024-07-01T00:00:00Z")         # = end: out
    report = half(log)
    assert report["sessions"] == 2
    assert report["member_led_share"] == 1 / 2              # ivan's session at start
    assert log.report("c")["sessions"] == 4                 # no bound: all
    assert log.report("c", start="2024-01-01")["sessions"] == 3
    assert log.report("c", end="2024-07-01")["sessions"] == 3


def test_membership_intervals_left_and_rejoined() -> None:
    log = Log()
    log.join("c", "ana", "2022-01-01", role="facilitator")
    log.join("c", "ivan", "2023-01-01")
    log.leave("c", "ivan", "2023-06-01")
    log.join("c", "ivan", "2024-08-01")

    def enrolled(start: str | None, end: str | None) -> list[str]:
        return sorted(log.report("c", start=start, end=end)["tiers"])

    assert enrolled("2024-01-01", "2024-07-01") == ["ana"]          # between the intervals
    assert enrolled("2023-03-01", "2023-04-01") == ["ana", "ivan"]  # inside the first
    assert enrolled("2024-07-01", "2024-09-01") == ["ana", "ivan"]  # overlaps the second
    assert enrolled("2023-06-01", "2023-07-01") == ["ana", "ivan"]  # left_at = start counts
    assert enrolled("2024-07-01", "2024-08-01") == ["ana"]          # joined_at = end does not
    assert enrolled("2022-01-01", "2023-01-01") == ["ana"]          # joined_at = end does not
    assert enrolled(None, "2023-01-01") == ["ana"]
    assert enrolled(None, "2023-01-01T00:00:00.000001Z") == ["ana", "ivan"]
    assert enrolled("2025-01-01", None) == ["ana", "ivan"]          # never left the second
    assert enrolled(None, None) == ["ana", "ivan"]
    assert log.report("c", start="2024-01-01", end="2024-07-01")["enrolled"] == 1


def test_enrolled_counts_every_role() -> None:
    log = Log()
    log.join("c", "ana", role="facilitator")
    log.join("c", "ivan", role="coordinator")
    log.join("c", "mila")
    assert half(log)["tiers"] == {"ana": "inactive", "ivan": "inactive", "mila": "inactive"}


# -- roles in time --------------------------------------------------------------------------

def test_a_back_dated_role_change_recorded_later_changes_member_led_share() -> None:
    log = Log()
    log.join("c", "ana", "2024-01-01", role="facilitator")            # 1
    log.join("c", "ivan", "2024-01-01")                               # 2
    log.led("c", ["ivan"], "2024-03-10")                              # 3
    log.led("c", ["ivan"], "2024-02-10")                              # 4
    log.role("c", "ivan", "member", "facilitator", "2024-03-01")      # 5: back-dated
    # As of 4 ivan is a member at both sessions; with 5, a facilitator from 03-01 on,
    # so the session of 03-10 (recorded before the change) is no longer member-led.
    assert half(log, as_of=4)["member_led_share"] == 2 / 2
    assert half(log)["member_led_share"] == 1 / 2
    assert half(log, as_of=5) == half(log)


def test_a_hand_over_at_one_instant() -> None:
    t = "2024-03-01T12:00:00Z"
    log = community("ivan")
    log.role("c", "ivan", "member", "facilitator", t)
    log.role("c", "ana", "facilitator", "member", t)
    log.led("c", ["ana"], "2024-03-01T11:59:59Z")   # ana still facilitates
    log.led("c", ["ana"], t)                        # the hand-over is done at t
    log.led("c", ["ivan"], "2024-03-02")            # ivan now facilitates
    assert half(log)["member_led_share"] == 1 / 3


def test_role_changes_at_the_same_occurred_at_apply_in_position_order() -> None:
    t = "2024-03-01T12:00:00Z"
    log = community("ivan")                                  # 1 founded, 2 ana, 3 ivan
    log.role("c", "ivan", "member", "facilitator", t)        # 4
    log.led("c", ["ivan"], t)                                # 5
    log.role("c", "ivan", "facilitator", "member", t)        # 6: same instant, later position
    assert half(log, as_of=5)["member_led_share"] == 0 / 1   # facilitator at t
    assert half(log)["member_led_share"] == 1 / 1            # 6 comes after 4: member at t


def test_no_role_once_left_and_the_rejoin_role_after() -> None:
    log = Log()
    log.join("c", "ana", "2023-12-01", role="facilitator")
    log.join("c", "ivan", "2024-01-01")
    log.leave("c", "ivan", "2024-02-01")
    log.join("c", "ivan", "2024-04-01", role="facilitator")
    log.led("c", ["ivan"], "2024-01-15")  # a member: yes
    log.led("c", ["ivan"], "2024-02-01")  # left at that instant (member iff joined ≤ t < left)
    log.led("c", ["ivan"], "2024-03-01")  # not a member: no role
    log.led("c", ["ivan"], "2024-05-01")  # back as a facilitator
    assert half(log)["member_led_share"] == 1 / 4


def test_one_member_leader_is_enough() -> None:
    log = community("ivan")
    log.led("c", ["ana", "ivan"], "2024-02-01")
    assert half(log)["member_led_share"] == 1.0


# -- retractions and corrections ------------------------------------------------------------

def test_retractions_count_nowhere_once_recorded_and_not_before() -> None:
    log = community("ivan", "mila")                          # 1..4
    session = log.led("c", ["ivan"], "2024-01-10", ["mila"])  # 5
    log.led("c", ["ana"], "2024-01-20", ["ivan"])            # 6
    share = log.share("c", "ivan", "r", "2024-01-12")        # 7
    log.reuse("c", "mila", "r", "2024-01-15")                # 8
    log.retract(session)                                     # 9
    log.retract(share)                                       # 10

    before = half(log, as_of=8)
    # led ana 1, ivan 1, mila 0: sorted [0,1,1] → (−2·0 + 0·1 + 2·1)/(3·2) = 2/6.
    assert (before["sessions"], before["breadth"], before["gini"]) == (2, 2 / 3, 2 / 6)
    # p = 1/2, 1/2: −2·(1/2)·ln(1/2) / ln 3 = ln 2 / ln 3 = 0.6309...
    assert before["entropy"] == math.log(2) / math.log(3)
    assert before["member_led_share"] == 1 / 2
    assert before["rotation"] == 2
    # mila→ivan (attended, reused), ivan→ana: 2 pairs, none mutual; in: ana 1, ivan 1.
    assert before["reciprocity"] == 0.0
    assert before["in_degree_centralization"] == (0 + 0 + 1) / 4
    assert before["tiers"] == {"ana": "peripheral", "ivan": "peripheral", "mila": "peripheral"}

    # The same cut, folded from the prefix: a retraction recorded after it is not applied.
    assert half(log, as_of=8) == leadership(log.facts(8), communities={"c"},
                                            start=parse_day(H1[0]), end=parse_day(H1[1]))

    mid = half(log, as_of=9)
    # Only ana's session: [0,0,1] → (−2·0 + 0·0 + 2·1)/(3·1) = 2/3.
    assert (mid["sessions"], mid["breadth"], mid["gini"]) == (1, 1 / 3, 2 / 3)
    assert mid["entropy"] == 0.0
    assert mid["member_led_share"] == 0 / 1
    assert mid["rotation"] == 1
    # ivan→ana, mila→ivan (the reuse still stands): in ana 1, ivan 1, mila 0.
    assert (mid["reciprocity"], mid["in_degree_centralization"]) == (0.0, 1 / 4)
    assert mid["tiers"] == {"ana": "peripheral", "ivan": "peripheral", "mila": "peripheral"}

    after = half(log)
    # A retracted share gives the resource no owner: the reuse edge goes; the reuse itself
    # is still mila's action. Only ivan→ana: in ana 1 → Σ(1 − in) = 0 + 1 + 1 = 2, / 4.
    assert (after["reciprocity"], after["in_degree_centralization"]) == (0.0, 2 / 4)
    assert after["tiers"] == {"ana": "peripheral", "ivan": "inactive", "mila": "peripheral"}


def test_corrections_change_nothing() -> None:
    log = community("ivan")
    session = log.led("c", ["ivan"], "2024-02-01", ["ana"])
    share = log.share("c", "ivan", "r", "2024-02-02")
    before = half(log)
    log.correct(session, {"title": "Student survey results", "format": "meeting"})
    log.correct(share, {"title": "A better rubric"})
    assert half(log) == before


# -- rotation -------------------------------------------------------------------------------

def rotation_log() -> Log:
    """Eight members a..h; seven sessions in January 2024 and one back-dated to 2023."""
    log = Log()                                      # positions:
    for m in "abcdefgh":
        log.join("c", m)                             # 1..8
    log.led("c", ["a"], "2024-01-01")                # 9
    log.led("c", ["c"], "2024-01-01")                # 10: same instant as 9, after it
    log.led("c", ["c"], "2024-01-02")                # 11
    for m, day in zip("defg", ("03", "04", "05", "06")):
        log.led("c", [m], f"2024-01-{day}")          # 12..15
    log.led("c", ["h"], "2023-12-31")                # 16: recorded last, occurred first
    return log


def test_rotation_takes_the_last_6_sessions_by_occurred_at_then_position() -> None:
    log = rotation_log()
    # By (at, position): h, a, c, c, d, e, f, g → last 6: c, c, d, e, f, g → 5 leaders.
    # (By position alone it would be c, d, e, f, g, h → 6; with the tie reversed,
    # a, c, d, e, f, g → 6.)
    assert log.report("c")["rotation"] == 5
    assert half(log)["rotation"] == 5


def test_rotation_counts_sessions_before_the_window_but_not_after_it() -> None:
    log = rotation_log()
    # Before 01-04: h, a, c, c, d → {h, a, c, d}; the window holds only d's session.
    report = log.report("c", start="2024-01-03", end="2024-01-04")
    assert (report["rotation"], report["sessions"]) == (4, 1)
    assert log.report("c", end="2023-12-31")["rotation"] == 0  # none before: 0


def test_rotation_skips_retracted_sessions() -> None:
    log = rotation_log()
    log.retract(11)                           # 17: c's session of 01-02
    # h, a, c, d, e, f, g → last 6: a, c, d, e, f, g → 6.
    assert log.report("c")["rotation"] == 6
    assert log.report("c", as_of=16)["rotation"] == 5


# -- tiers ----------------------------------------------------------------------------------

def test_tiers_count_each_event_once_per_member_in_the_window_and_community() -> None:
    log = community("ivan", "mila", "zoran", "jelena")
    log.led("c", ["ana", "ivan", "ana"], "2024-01-10")     # ana 1, ivan 1
    log.complete("c", ["ivan", "ivan"], "2024-01-11")      # ivan 1 (once)
    log.share("c", "ivan", "r", "2024-01-12")              # ivan 1
    log.reuse("c", "ivan", "r", "2024-01-13")              # ivan 1 → 4, led: core
    log.reflect("c", "mila", "2024-02-01")
    log.reflect("c", "mila", "2024-02-02")
    log.feedback("c", "mila", "ivan", "2024-02-03")        # mila 3, never led: active
    log.reflect(None, "zoran", "2024-02-01")               # no community: not an action
    log.reflect("d", "zoran", "2024-02-01")                # another community
    log.share("c", "zoran", "r2", "2023-12-15")            # before the window
    log.reuse("c", "zoran", "r2", "2024-07-01")            # at the end: outside
    log.feedback("c", "zoran", "ana", "2024-01-01")        # at the start: zoran 1
    log.feedback("c", "mila", "ana", "2024-03-01")         # mila 4, still never led
    log.reuse("c", "petar", "r", "2024-02-01")             # not enrolled: not listed
    assert half(log)["tiers"] == {"ana": "peripheral", "ivan": "core", "mila": "active",
                                  "zoran": "peripheral", "jelena": "inactive"}


def test_a_completed_step_makes_core_and_two_actions_stay_peripheral() -> None:
    log = community("ivan", "mila")
    log.complete("c", ["ivan", "mila"], "2024-01-11")      # ivan 1, mila 1 (both lead)
    log.share("c", "ivan", "r", "2024-01-12")
    log.reflect("c", "ivan", "2024-01-13")                 # ivan 3 → core
    log.reflect("c", "mila", "2024-01-13")                 # mila 2 → peripheral
    log.led("c", ["ana"], "2024-01-14")
    log.reflect("c", "ana", "2024-01-15")                  # ana 2, led → peripheral
    assert half(log)["tiers"] == {"ana": "peripheral", "ivan": "core", "mila": "peripheral"}


# -- the learning network -------------------------------------------------------------------

def network_log() -> Log:
    log = community("ivan", "mila", "zoran")
    log.join("d", "petar", "2023-11-01")
    log.share("c", "ivan", "r1", "2023-12-10")             # shared before the window
    log.share("d", "petar", "r2", "2023-12-01")
    log.reuse("c", "mila", "r1", "2024-02-01")             # mila→ivan
    log.reuse("c", "zoran", "r1", "2024-04-01")            # at the end: no edge
    log.reuse("c", "ivan", "r1", "2024-02-03")             # one's own: no edge
    log.reuse("c", "ana", "r2", "2024-02-05")              # petar is not enrolled in c
    log.feedback("c", "ana", "zoran", "2023-12-20")        # before the window: no edge
    log.feedback("c", "zoran", "ana", "2024-01-01")        # zoran→ana
    log.feedback("c", "mila", "petar", "2024-02-02")       # petar is not enrolled in c
    log.feedback("c", "ivan", "mila", "2024-03-05")        # ivan→mila
    log.led("c", ["ana"], "2024-01-10", ["ivan", "mila"])  # ivan→ana, mila→ana
    log.led("c", ["mila"], "2024-03-01", ["ana", "zoran", "mila"])  # ana→mila, zoran→mila
    return log


def test_learning_network_edges() -> None:
    report = network_log().report("c", start="2024-01-01", end="2024-04-01")
    # Edges: mila→ivan, zoran→ana, ivan→mila, ivan→ana, mila→ana, ana→mila, zoran→mila.
    # Pairs: {mila,ivan} (mutual), {zoran,ana}, {ivan,ana}, {mila,ana} (mutual),
    # {zoran,mila}: 2 of 5.
    assert report["reciprocity"] == 2 / 5
    # In: ana 3 (zoran, ivan, mila), ivan 1, mila 3 (ivan, ana, zoran), zoran 0; max 3.
    # Σ(3 − in) = 0 + 2 + 0 + 3 = 5; (4 − 1)² = 9.
    assert report["in_degree_centralization"] == 5 / 9


def test_resource_owners_given_by_the_caller_are_used() -> None:
    log = network_log()
    report = leadership(log.facts(), communities={"c"}, start=parse_day("2024-01-01"),
                        end=parse_day("2024-04-01"), resource_owners={})
    # Without owners, no reuse edge: zoran→ana, ivan→mila, ivan→ana, mila→ana, ana→mila,
    # zoran→mila. Pairs {zoran,ana} {ivan,mila} {ivan,ana} {mila,ana}* {zoran,mila}: 1 of 5.
    assert report["reciprocity"] == 1 / 5
    # In: ana 3, mila 3, ivan 0, zoran 0 → Σ = 0 + 0 + 3 + 3 = 6, / 9.
    assert report["in_degree_centralization"] == 6 / 9


def test_a_session_led_by_all_who_attend_makes_no_edge() -> None:
    log = community("ivan")
    log.led("c", ["ana", "ivan"], "2024-02-01", ["ana", "ivan"])
    report = half(log)
    # Attendees ana, ivan; leaders ana, ivan: ana→ivan and ivan→ana, a mutual pair.
    assert report["reciprocity"] == 1.0
    assert report["in_degree_centralization"] == 0.0  # in 1, 1: Σ(1 − 1) = 0


# -- facts may come in any order ------------------------------------------------------------

def test_the_order_of_the_facts_does_not_matter() -> None:
    log = network_log()
    log.retract(log.led("c", ["zoran"], "2024-02-20", ["ana"]))
    facts = log.facts()
    window = {"communities": {"c"}, "start": parse_day("2024-01-01"),
              "end": parse_day("2024-04-01")}
    assert leadership(reversed(facts), **window) == leadership(facts, **window)
    assert leadership(sorted(facts, key=lambda f: (f.kind, f.member_id or "")),
                      **window) == leadership(facts, **window)
