"""One Idempotency-Key replayed by 16 threads at once (issue 9, "Idempotency under retry").

It appends once, every caller gets the same positions, stream and version (one 201, the
rest 200 replays), and the same key with a different body gets 422 and appends nothing.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import scale
from tests.web.conftest import make_app, seed
from web.app import close_app

CALLERS = 16


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "instance")
    app.config["TOKENS"] = seed(app)
    yield app
    close_app(app)


def test_a_key_replayed_concurrently_appends_once(app) -> None:
    tokens = app.config["TOKENS"]
    store = app.extensions["journey"].store
    for round_ in range(scale(2, 50)):
        before = store.last_position()
        key = f"retry-{round_}"
        body = {"data": {"community_id": "vrsac-1", "resource_id": f"r-retry-{round_}",
                         "member_id": "ivan", "title": "Once", "kind": "rubric"},
                "occurred_at": "2024-03-01T10:00:00Z"}
        start = threading.Barrier(CALLERS)

        def call(_: int):
            client = app.test_client()
            start.wait()
            answer = client.post("/api/events/ResourceShared", json=body,
                                 headers={"Authorization": f"Bearer {tokens['ivan']}",
                                          "Idempotency-Key": key})
            return answer.status_code, answer.get_json(), answer.headers.get("ETag")

        with ThreadPoolExecutor(CALLERS) as pool:
            answers = list(pool.map(call, range(CALLERS)))

        statuses = sorted(status for status, _, _ in answers)
        assert statuses == [200] * (CALLERS - 1) + [201], answers
        bodies = [{k: v for k, v in body.items() if k != "replayed"} for _, body, _ in answers]
        assert all(b == bodies[0] for b in bodies)
        assert len({etag for _, _, etag in answers}) == 1
        assert [b["replayed"] for s, b, _ in answers if s == 201] == [False]
        assert store.last_position() == before + 1
        assert bodies[0]["position"] == before + 1

        other = dict(body, data=dict(body["data"], title="Something else"))
        clash = app.test_client().post("/api/events/ResourceShared", json=other,
                                       headers={"Authorization": f"Bearer {tokens['ivan']}",
                                                "Idempotency-Key": key})
        assert clash.status_code == 422
        assert clash.get_json()["error"] == "idempotency_key_reused"
        assert store.last_position() == before + 1


def test_concurrent_different_bodies_under_one_key_append_one_of_them(app) -> None:
    """Racing first requests with different bodies: exactly one wins, the rest get 422."""
    tokens = app.config["TOKENS"]
    store = app.extensions["journey"].store
    before = store.last_position()
    start = threading.Barrier(CALLERS)

    def call(n: int):
        start.wait()
        answer = app.test_client().post(
            "/api/events/ResourceShared",
            json={"data": {"community_id": "vrsac-1", "resource_id": f"r-race-{n}",
                           "member_id": "ivan", "title": f"Race {n}", "kind": "rubric"},
                  "occurred_at": "2024-03-01T10:00:00Z"},
            headers={"Authorization": f"Bearer {tokens['ivan']}", "Idempotency-Key": "race"})
        return answer.status_code, answer.get_json()

    with ThreadPoolExecutor(CALLERS) as pool:
        answers = list(pool.map(call, range(CALLERS)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [422] * (CALLERS - 1), answers
    assert {b["error"] for s, b in answers if s == 422} == {"idempotency_key_reused"}
    assert store.last_position() == before + 1
