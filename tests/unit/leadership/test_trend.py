"""The leadership trend: the same metrics per calendar quarter (UTC)."""
from __future__ import annotations

from tests.unit.leadership.build import Log


def quarterly() -> Log:
    log = Log()
    log.found("c")                                          # 1
    log.join("c", "ana", "2023-12-01", role="facilitator")  # 2: the first membership fact
    log.join("c", "ivan", "2024-01-01")                     # 3
    log.led("c", ["ivan"], "2024-02-10", ["ana"])           # 4
    log.led("c", ["ana"], "2024-05-10")                     # 5
    log.led("c", ["ivan"], "2024-05-20")                    # 6: the last session
    return log


def test_trend_spans_the_first_to_the_last_session_or_membership_fact() -> None:
    q4, q1, q2 = quarterly().trend("c")
    assert q4 == {"quarter": "2023-Q4", "from": "2023-10-01", "to": "2024-01-01",
                  "enrolled": 1, "sessions": 0, "breadth": 0.0, "gini": None,
                  "entropy": None, "member_led_share": None, "rotation": 0,
                  "reciprocity": None, "in_degree_centralization": None}
    # ivan joined at 2024-01-01 = Q4's end: not enrolled in Q4.
    assert q1 == {"quarter": "2024-Q1", "from": "2024-01-01", "to": "2024-04-01",
                  # led [0 (ana), 1 (ivan)]: gini (−1·0 + 1·1)/(2·1) = 1/2; one leader:
                  # entropy 0; ivan a member; edge ana→ivan only: in ivan 1, ana 0,
                  # Σ(1 − in) = 1, / (2 − 1)².
                  "enrolled": 2, "sessions": 1, "breadth": 0.5, "gini": 0.5,
                  "entropy": 0.0, "member_led_share": 1.0, "rotation": 1,
                  "reciprocity": 0.0, "in_degree_centralization": 1.0}
    assert q2 == {"quarter": "2024-Q2", "from": "2024-04-01", "to": "2024-07-01",
                  # led [1, 1]: gini 0, entropy 1; rotation over s4, s5, s6: {ana, ivan}.
                  "enrolled": 2, "sessions": 2, "breadth": 1.0, "gini": 0.0,
                  "entropy": 1.0, "member_led_share": 0.5, "rotation": 2,
                  "reciprocity": None, "in_degree_centralization": 0.0}


def test_trend_quarters_are_whole_and_equal_the_report_over_each() -> None:
    log = quarterly()
    items = log.trend("c", start="2024-02-15", end="2024-04-02")
    assert [(i["quarter"], i["from"], i["to"]) for i in items] == [
        ("2024-Q1", "2024-01-01", "2024-04-01"), ("2024-Q2", "2024-04-01", "2024-07-01")]
    for item in items:
        report = log.report("c", start=item["from"], end=item["to"])
        del report["tiers"]
        assert {k: v for k, v in item.items() if k not in ("quarter", "from", "to")} == report


def test_trend_with_one_bound_missing_and_as_of() -> None:
    log = quarterly()
    assert [i["quarter"] for i in log.trend("c", start="2024-04-01")] == ["2024-Q2"]
    assert [i["quarter"] for i in log.trend("c", end="2024-01-01")] == ["2023-Q4"]
    # As of position 4 the last fact is the session of 2024-02-10.
    assert [i["quarter"] for i in log.trend("c", as_of=4)] == ["2023-Q4", "2024-Q1"]
    assert log.trend("c", as_of=1) == []          # founded, nobody joined yet
    assert log.trend("elsewhere") == []


def test_trend_ignores_retracted_sessions_for_the_span() -> None:
    log = quarterly()
    log.retract(6)
    log.retract(5)
    assert [i["quarter"] for i in log.trend("c")] == ["2023-Q4", "2024-Q1"]
