"""`journey bench` at a small N: every figure and ratio is there, and numbers."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

JOURNEY = str(Path(sys.executable).with_name("journey"))

FLOOR = ("single_seconds", "batch_seconds", "read_seconds", "single_per_s", "batch_per_s",
         "read_per_s")
JOURNEY_KEYS = (
    "single_appends", "single_seconds", "single_per_s", "projection_lag_p50_ms",
    "projection_lag_p95_ms", "import_seconds", "import_per_s", "rebuild_seconds",
    "rebuild_per_s", "rebuild_peak_rss_mb", "leadership_live_p50_ms", "leadership_live_p95_ms",
    "leadership_uncached_p50_ms", "leadership_after_append_p50_ms",
    "leadership_after_append_p95_ms", "leadership_after_join_p50_ms",
    "leadership_after_join_p95_ms", "leadership_as_of_seconds", "portfolio_p50_ms",
    "portfolio_p95_ms", "portfolio_after_append_p50_ms", "portfolio_after_append_p95_ms",
    "dashboard_p50_ms",
    "dashboard_p95_ms", "portfolio_requests", "dashboard_requests", "serve_requests_per_s",
    "serve_first_answer_seconds", "serve_restart_first_answer_seconds", "serve_clients",
    "serve_workers")
RATIOS = ("single_vs_floor_single", "import_vs_floor_batch", "rebuild_vs_floor_read")


@pytest.mark.slow
def test_bench_json_has_every_figure_and_ratio(tmp_path) -> None:
    done = subprocess.run([JOURNEY, "bench", "--events", "2000", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    run = result["n"]
    assert run["events"] == 2000 and run["engine"] == "sqlite"
    assert set(FLOOR) <= set(run["floor"])
    assert set(JOURNEY_KEYS) <= set(run["journey"])
    assert set(RATIOS) <= set(run["ratios"])
    for part in ("floor", "journey", "ratios"):
        for key, value in run[part].items():
            assert isinstance(value, (int, float)) and math.isfinite(value), (part, key)
            assert value > 0 or key.startswith("projection_lag"), (part, key, value)
    assert run["journey"]["serve_requests_per_s"] > 0
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the working folder
