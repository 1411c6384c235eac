"""Reading the log in pages: a driver failure between pages reaches the caller as
SQLAlchemy's DBAPIError, as every other database error does, on each backend."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from events.exchange import import_lines
from tests.integration.story import jsonl, open_test_log, story


def test_a_failure_between_pages_is_a_dbapi_error(database_url, tmp_path):
    log = open_test_log(database_url, tmp_path)
    try:
        assert import_lines(log.store, jsonl(story()), source_id="story").appended == 13
        pages = log.recorder.read(batch=5)
        first_page = [next(pages) for _ in range(5)]
        with log.recorder.engine.begin() as conn:  # the table goes while the reader waits
            conn.execute(text("ALTER TABLE events RENAME TO events_gone"))

        with pytest.raises(DBAPIError):
            next(pages)

        assert [r.position for r in first_page] == [1, 2, 3, 4, 5]
        pages.close()
    finally:
        log.close()
