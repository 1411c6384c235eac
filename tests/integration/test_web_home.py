"""The placeholder home page of the web app reads the log head through the store."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from events.log import init_log
from events.ready import NotInitialised
from journey.config import Config
from journey.events import MemberRegistered
from journey.records import RecordEvent
from web.app import create_app


def test_the_home_page_counts_the_events_at_the_head(sqlite_url, tmp_path) -> None:
    config = Config(database_url=sqlite_url, instance_dir=tmp_path / "instance",
                    base_url="http://127.0.0.1:5000")
    init_log(config)
    app = create_app(config)
    log = app.extensions["journey_log"]
    try:
        before = app.test_client().get("/")
        log.store.execute(RecordEvent(MemberRegistered(member_id="ana", display_name="Ana"),
                                      "ana", datetime(2024, 3, 5, tzinfo=timezone.utc)))
        after = app.test_client().get("/")
    finally:
        log.close()

    assert before.status_code == 200
    assert "Journey is running with 0 events at the log head" in before.text
    assert "Journey is running with 1 events at the log head" in after.text


def test_the_app_refuses_an_uninitialised_log(sqlite_url, tmp_path) -> None:
    config = Config(database_url=sqlite_url, instance_dir=tmp_path / "instance",
                    base_url="http://127.0.0.1:5000")

    with pytest.raises(NotInitialised):
        create_app(config)
